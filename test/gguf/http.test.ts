import {test} from "node:test";
import assert from "node:assert/strict";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {readFile} from "node:fs/promises";
import {GgufMagicError, GgufSourceError, readGguf, readTensorData} from "../../src/gguf/index.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

interface Served {
    url: string;
    bytesSent: () => number;
    requests: () => number;
    close: () => Promise<void>;
}

/** A loopback server for one file; `ranges: false` makes it ignore Range headers like some CDNs. */
async function serve(files: Record<string, Uint8Array>, options: {ranges?: boolean} = {}): Promise<Served> {
    let sent = 0;
    let requests = 0;
    const server: Server = createServer((req, res) => {
        requests++;
        const body = files[req.url ?? ""];
        if (body === undefined) {
            res.writeHead(404).end();
            return;
        }
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
        if (options.ranges === false || range === null) {
            res.writeHead(200, {"content-length": body.length});
            // Stream in pieces so a client that stops early really does stop the transfer.
            let at = 0;
            const pump = () => {
                while (at < body.length) {
                    const piece = body.subarray(at, at + 16384);
                    at += piece.length;
                    sent += piece.length;
                    if (!res.write(piece)) return void res.once("drain", pump);
                }
                res.end();
            };
            res.on("close", () => { at = body.length; });
            pump();
            return;
        }
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), body.length - 1);
        const piece = body.subarray(start, end + 1);
        sent += piece.length;
        res.writeHead(206, {"content-range": `bytes ${start}-${end}/${body.length}`, "content-length": piece.length}).end(piece);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const {port} = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        bytesSent: () => sent,
        requests: () => requests,
        close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); })
    };
}

const stories = "models/stories260K.gguf";

test("a URL's header is read with Range requests that fetch only a growing prefix", {skip: skipWithoutShared(stories)}, async () => {
    const bytes = new Uint8Array(await readFile(sharedPath(stories)));
    const server = await serve({"/m/stories260K.gguf": bytes});
    try {
        const local = await readGguf(sharedPath(stories));
        const remote = await readGguf(`${server.url}/m/stories260K.gguf`, {initialReadBytes: 1024});
        assert.deepEqual(remote.tensors.map((t) => [t.name, t.fileOffset]), local.tensors.map((t) => [t.name, t.fileOffset]));
        assert.deepEqual(remote.metadata.keys(), local.metadata.keys());
        assert.equal(remote.fileSize, bytes.length);
        assert.ok(server.requests() > 1, "the window grew");
        assert.ok(server.bytesSent() < 4 * local.dataOffset, `sent ${server.bytesSent()} bytes for a ${local.dataOffset}-byte header`);
        const t = remote.tensors[3]!;
        const data = await readTensorData(remote, t);
        assert.ok(Buffer.from(data).equals(Buffer.from(bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize))));
    } finally {
        await server.close();
    }
});

test("a server that ignores Range still works and the body is cut off after the header", {skip: skipWithoutShared(stories)}, async () => {
    const bytes = new Uint8Array(await readFile(sharedPath(stories)));
    const big = new Uint8Array(bytes.length * 8);
    big.set(bytes);
    // Same header, but padded out so that cutting the body off early is visible.
    const server = await serve({"/big.gguf": big}, {ranges: false});
    try {
        const file = await readGguf(`${server.url}/big.gguf`, {initialReadBytes: 16384});
        assert.equal(file.tensors.length, 48);
        assert.equal(file.fileSize, big.length);
        await new Promise((r) => setTimeout(r, 50));
        assert.ok(server.bytesSent() < big.length / 2, `sent ${server.bytesSent()} of ${big.length}`);
    } finally {
        await server.close();
    }
});

test("an injected fetch is used, and HTTP and network failures are typed errors", async () => {
    const calls: string[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
        calls.push(`${String(input)} ${new Headers(init?.headers).get("range")}`);
        return new Response(new TextEncoder().encode("<html>"), {status: 206, headers: {"content-range": "bytes 0-5/6"}});
    }) as typeof fetch;
    await assert.rejects(readGguf("https://example.invalid/x.gguf", {fetch: fakeFetch}), GgufMagicError);
    assert.deepEqual(calls, ["https://example.invalid/x.gguf bytes=0-1048575"]);

    const refused = (async () => { throw new TypeError("fetch failed"); }) as typeof fetch;
    await assert.rejects(readGguf("https://example.invalid/x.gguf", {fetch: refused}),
        (e: unknown) => e instanceof GgufSourceError && e.exitCode === 5 && e.reason === "network");

    const server = await serve({});
    try {
        await assert.rejects(readGguf(`${server.url}/missing.gguf`), (e: unknown) => e instanceof GgufSourceError && e.status === 404 && e.exitCode === 3);
    } finally {
        await server.close();
    }
});
