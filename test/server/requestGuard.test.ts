// The server is closed to other web sites: a foreign Host (DNS rebinding), a foreign Origin
// (cross-site requests) and non-JSON bodies (simple requests that skip the CORS preflight) are
// refused, over raw HTTP so every header is exactly what a hostile page's browser would send.
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {FakeSource} from "./FakeModel.js";
import {rawRequest} from "./rawHttp.js";

let server: RunningServer;
let source: FakeSource;
let host: string;

before(async () => {
    source = new FakeSource({r1: {answer: ["ok"]}});
    server = await startServer({source, port: 0, allowedHosts: ["r1.internal"], corsOrigins: ["http://app.example"]});
    host = `127.0.0.1:${server.port}`;
});

after(async () => {
    await server?.stop();
});

const json = {"Content-Type": "application/json"};
const chat = JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}]});

test("the issue's probe: a cross-site text/plain pull with a rebinding Host is refused and starts nothing", async () => {
    const response = await rawRequest(server.url, {
        method: "POST", path: "/api/pull",
        headers: {Host: `evil.example:${server.port}`, "Content-Type": "text/plain", Origin: "http://evil.example"},
        body: JSON.stringify({model: "deepseek-r1:7b", stream: false})
    });
    assert.equal(response.status, 403);
    assert.match(JSON.parse(response.body).error, /evil\.example/);
    assert.equal("deepseek-r1:7b" in source.scripts, false);
});

test("Host: loopback names and allowed extras pass; any other name is a 403 naming the flag", async () => {
    for (const name of [host, `localhost:${server.port}`, `[::1]:${server.port}`, "r1.internal", `R1.internal:${server.port}`, "app.localhost"]) {
        const response = await rawRequest(server.url, {path: "/v1/models", headers: {Host: name}});
        assert.equal(response.status, 200, name);
    }
    for (const name of [`evil.example:${server.port}`, "192.168.1.5", "localhost.evil.example"]) {
        const response = await rawRequest(server.url, {path: "/v1/models", headers: {Host: name}});
        assert.equal(response.status, 403, name);
        assert.match(JSON.parse(response.body).error.message, /--allowed-host/);
    }
});

test("Origin: the server's own page and --cors origins pass; other sites get 403, preflight included", async () => {
    const own = await rawRequest(server.url, {method: "POST", path: "/v1/chat/completions", headers: {Host: host, Origin: `http://${host}`, ...json}, body: chat});
    assert.equal(own.status, 200);
    // Behind a TLS-terminating proxy the page is https while r1 sees http: the host decides.
    const proxied = await rawRequest(server.url, {method: "POST", path: "/v1/chat/completions", headers: {Host: "r1.internal", Origin: "https://r1.internal", ...json}, body: chat});
    assert.equal(proxied.status, 200);
    const allowed = await rawRequest(server.url, {method: "POST", path: "/v1/chat/completions", headers: {Host: host, Origin: "http://app.example", ...json}, body: chat});
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers["access-control-allow-origin"], "http://app.example");
    for (const origin of ["http://evil.example", "null", `http://localhost:${server.port + 1}`, "https://r1.internal"]) {
        const refused = await rawRequest(server.url, {method: "POST", path: "/v1/chat/completions", headers: {Host: host, Origin: origin, ...json}, body: chat});
        assert.equal(refused.status, 403, origin);
        assert.match(JSON.parse(refused.body).error.message, /--cors/);
        const read = await rawRequest(server.url, {path: "/api/tags", headers: {Host: host, Origin: origin}});
        assert.equal(read.status, 403, origin);
    }
    const preflight = await rawRequest(server.url, {
        method: "OPTIONS", path: "/v1/chat/completions",
        headers: {Host: host, Origin: "http://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
});

test("Content-Type: bodies must be application/json (charset allowed); others are a 415 in the route's dialect", async () => {
    const ok = await rawRequest(server.url, {method: "POST", path: "/api/chat", headers: {Host: host, "Content-Type": "application/json; charset=utf-8"}, body: JSON.stringify({model: "r1", messages: [], stream: false})});
    assert.equal(ok.status, 200);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", undefined]) {
        const headers: Record<string, string> = {Host: host, ...(type === undefined ? {} : {"Content-Type": type})};
        const openai = await rawRequest(server.url, {method: "POST", path: "/v1/chat/completions", headers, body: chat});
        assert.equal(openai.status, 415, String(type));
        assert.match(JSON.parse(openai.body).error.message, /application\/json/);
        const ollama = await rawRequest(server.url, {method: "DELETE", path: "/api/delete", headers, body: JSON.stringify({model: "r1"})});
        assert.equal(ollama.status, 415, String(type));
        assert.equal(typeof JSON.parse(ollama.body).error, "string");
    }
    assert.deepEqual(source.removed, []);
});

test("a half-sent body is cut after the body-read timeout with 408", {timeout: 30_000}, async () => {
    const quick = await startServer({source, port: 0, bodyReadTimeoutMs: 300});
    try {
        const started = Date.now();
        const answer = await new Promise<string>((resolve, reject) => {
            const socket = net.connect({host: "127.0.0.1", port: quick.port});
            let received = "";
            socket.on("connect", () => socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`));
            socket.on("data", (chunk: Buffer) => received += chunk.toString());
            socket.on("error", reject);
            socket.on("close", () => resolve(received));
        });
        assert.match(answer, /^HTTP\/1\.1 408/);
        // Node's default would be 300 s; the limit here is 0.3 s plus its check interval.
        assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
    } finally {
        await quick.stop();
    }
});

test("a client that never reads a stream is cut after the stall time and frees its sequence", {timeout: 30_000}, async () => {
    const big = "a".repeat(16 * 1024);
    const endless = new FakeSource({endless: {answer: Array(100_000).fill(big), tokenDelayMs: 1}});
    const quick = await startServer({source: endless, port: 0, stalledClientMs: 300});
    const socket = net.connect({host: "127.0.0.1", port: quick.port});
    try {
        const body = JSON.stringify({model: "endless", messages: [{role: "user", content: "x"}], stream: true});
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        // Never read: the kernel's buffers fill, then the server's writes block.
        socket.pause();
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        await until(() => endless.models[0]?.active === 1);
        await until(() => endless.models[0]?.active === 0);
        assert.equal(quick.pool.loaded()[0]?.active, 0);
    } finally {
        socket.destroy();
        await quick.stop();
    }
});

/** Waits for `condition`, failing after `limitMs` (a stuck sequence must fail the test, not hang it). */
async function until(condition: () => boolean, limitMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!condition()) {
        if (Date.now() - started > limitMs) throw new Error(`condition not reached within ${limitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
