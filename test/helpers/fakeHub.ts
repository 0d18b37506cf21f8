// A loopback stand-in for the Hugging Face hub, for the store's tests: HEAD/GET on
// `/<repo>/resolve/<rev>/<path>` (302 to a CDN path with the LFS headers, as the hub does),
// `/api/models/<repo>/tree/<rev>` listings, `Range` support, gated repos, and faults injected
// per test (drops mid-body, 5xx, ignored Range, wrong bytes, trickle, stalls).
import {createHash} from "node:crypto";
import http from "node:http";
import type {AddressInfo} from "node:net";

export interface FakeHubFile {
    path: string;
    body: Buffer;
}

export interface FakeHubRepo {
    files: FakeHubFile[];
    /** Requires `Authorization: Bearer <FakeHub.validToken>`. */
    gated?: boolean;
    /** 40-hex commit the hub reports. Defaults to a fixed one. */
    commit?: string;
    /** Whether `/api/models/<repo>/tree` answers (the 404 message lists GGUF files from it). Defaults to true. */
    listable?: boolean;
}

/** Faults consumed by body (CDN) responses, in order. */
export interface FakeHubFaults {
    /** For each next body response, close the connection after this many body bytes. */
    dropAfter: number[];
    /** Answer this many next body requests with 503. */
    fail5xx: number;
    /** Answer every body request with 200 and the whole file, whatever its `Range`. */
    ignoreRange: boolean;
    /** Serve the bytes with one flipped (same length: only the sha256 can tell). */
    corrupt: boolean;
    /** Send the body in `chunkBytes` pieces every `intervalMs`. */
    trickle?: {chunkBytes: number, intervalMs: number};
    /** For each next body response, send this many bytes and then nothing, keeping the connection open. */
    stallAfter: number[];
}

export interface FakeHubRequest {
    method: string;
    path: string;
    range?: string;
    authorization?: string;
    status: number;
}

export const FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

export function sha256Hex(body: Buffer): string {
    return createHash("sha256").update(body).digest("hex");
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing seed can be replayed. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * A small valid GGUF (v3, no tensors, `general.architecture` set) followed by `size` bytes in all
 * of seeded filler, so downloads carry a real header that `readGguf` accepts.
 */
export function fakeGgufBody(size: number, seed: number): Buffer {
    const key = Buffer.from("general.architecture");
    const value = Buffer.from("llama");
    const header = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 8 + value.length);
    let o = 0;
    o = header.writeUInt32LE(0x46554747, o);
    o = header.writeUInt32LE(3, o);
    o = header.writeBigUInt64LE(0n, o);
    o = header.writeBigUInt64LE(1n, o);
    o = header.writeBigUInt64LE(BigInt(key.length), o);
    o += key.copy(header, o);
    o = header.writeUInt32LE(8, o); // GGUF string
    o = header.writeBigUInt64LE(BigInt(value.length), o);
    value.copy(header, o);
    const body = Buffer.alloc(Math.max(size, header.length));
    header.copy(body);
    const random = seededRandom(seed);
    for (let i = header.length; i < body.length; i++) body[i] = Math.floor(random() * 256);
    return body;
}

export class FakeHub {
    readonly repos = new Map<string, FakeHubRepo>();
    readonly requests: FakeHubRequest[] = [];
    readonly validToken = "hf_valid_test_token";
    faults: FakeHubFaults = {dropAfter: [], fail5xx: 0, ignoreRange: false, corrupt: false, stallAfter: []};
    private readonly server: http.Server;
    private port = 0;

    constructor() {
        this.server = http.createServer((request, response) => this.handle(request, response));
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        return this;
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    addRepo(name: string, repo: FakeHubRepo): void {
        this.repos.set(name, repo);
    }

    resetFaults(): void {
        this.faults = {dropAfter: [], fail5xx: 0, ignoreRange: false, corrupt: false, stallAfter: []};
    }

    /** Requests for file bodies (CDN paths) so far. */
    bodyRequests(): FakeHubRequest[] {
        return this.requests.filter((r) => r.path.startsWith("/cdn/"));
    }

    private log(request: http.IncomingMessage, status: number): void {
        this.requests.push({
            method: request.method ?? "GET", path: request.url ?? "", status,
            ...(request.headers.range === undefined ? {} : {range: request.headers.range}),
            ...(request.headers.authorization === undefined ? {} : {authorization: request.headers.authorization})
        });
    }

    private reply(request: http.IncomingMessage, response: http.ServerResponse, status: number, headers: Record<string, string> = {}, body = ""): void {
        this.log(request, status);
        response.writeHead(status, {"content-type": "application/json", ...headers});
        response.end(request.method === "HEAD" ? undefined : body);
    }

    private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
        const url = new URL(request.url ?? "/", "http://x");
        const pathname = decodeURIComponent(url.pathname);
        const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(pathname);
        if (tree !== null) return this.handleTree(request, response, tree[1]!);
        const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
        if (resolve !== null) return this.handleResolve(request, response, resolve[1]!, resolve[2]!, resolve[3]!);
        const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(pathname);
        if (cdn !== null) return this.handleBody(request, response, cdn[1]!);
        this.reply(request, response, 404, {}, JSON.stringify({error: "not found"}));
    }

    private authorize(request: http.IncomingMessage, response: http.ServerResponse, repo: FakeHubRepo): boolean {
        if (repo.gated !== true) return true;
        const auth = request.headers.authorization;
        if (auth === undefined) {
            this.reply(request, response, 401, {"x-error-code": "GatedRepo"}, JSON.stringify({error: "gated"}));
            return false;
        }
        if (auth !== `Bearer ${this.validToken}`) {
            this.reply(request, response, 403, {"x-error-code": "GatedRepo"}, JSON.stringify({error: "no access"}));
            return false;
        }
        return true;
    }

    private handleTree(request: http.IncomingMessage, response: http.ServerResponse, repoName: string): void {
        const repo = this.repos.get(repoName);
        if (repo === undefined || repo.listable === false) return this.reply(request, response, 404, {"x-error-code": "RepoNotFound"}, "{}");
        if (!this.authorize(request, response, repo)) return;
        const entries = repo.files.map((file) => ({type: "file", path: file.path, size: file.body.length, lfs: {oid: sha256Hex(file.body), size: file.body.length}}));
        this.reply(request, response, 200, {}, JSON.stringify(entries));
    }

    private handleResolve(request: http.IncomingMessage, response: http.ServerResponse, repoName: string, revision: string, filePath: string): void {
        const repo = this.repos.get(repoName);
        if (repo === undefined) return this.reply(request, response, 404, {"x-error-code": "RepoNotFound"}, "{}");
        const commit = repo.commit ?? FAKE_COMMIT;
        if (revision !== "main" && revision !== commit) return this.reply(request, response, 404, {"x-error-code": "RevisionNotFound"}, "{}");
        if (!this.authorize(request, response, repo)) return;
        const file = repo.files.find((f) => f.path === filePath);
        if (file === undefined) return this.reply(request, response, 404, {"x-error-code": "EntryNotFound"}, "{}");
        const sha = sha256Hex(file.body);
        this.reply(request, response, 302, {
            location: `/cdn/${sha}`, "x-repo-commit": commit, "x-linked-etag": `"${sha}"`, "x-linked-size": String(file.body.length), etag: `"gitsha1"`
        });
    }

    private handleBody(request: http.IncomingMessage, response: http.ServerResponse, sha: string): void {
        let file: FakeHubFile | undefined;
        for (const repo of this.repos.values()) file ??= repo.files.find((f) => sha256Hex(f.body) === sha);
        if (file === undefined) return this.reply(request, response, 404, {}, "{}");
        if (this.faults.fail5xx > 0) {
            this.faults.fail5xx--;
            return this.reply(request, response, 503, {}, "{}");
        }
        let body = file.body;
        if (this.faults.corrupt) {
            body = Buffer.from(body);
            const at = Math.floor(body.length / 2);
            body[at] = body[at]! ^ 0xff;
        }
        const total = body.length;
        let start = 0;
        let status = 200;
        const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
        if (range !== null && !this.faults.ignoreRange) {
            start = Number(range[1]);
            if (start >= total) return this.reply(request, response, 416, {"content-range": `bytes */${total}`}, "");
            status = 206;
        }
        const headers: Record<string, string> = {"content-type": "application/octet-stream", "content-length": String(total - start), "accept-ranges": "bytes"};
        if (status === 206) headers["content-range"] = `bytes ${start}-${total - 1}/${total}`;
        this.log(request, status);
        response.writeHead(status, headers);
        if (request.method === "HEAD") return void response.end();
        let slice = body.subarray(start);
        const drop = this.faults.dropAfter.shift();
        const stall = this.faults.stallAfter.shift();
        let end: "drop" | "stall" | "finish" = "finish";
        if (drop !== undefined && drop < slice.length) {
            slice = slice.subarray(0, drop);
            end = "drop";
        } else if (stall !== undefined && stall < slice.length) {
            slice = slice.subarray(0, stall);
            end = "stall";
        }
        const finish = () => {
            if (end === "drop") response.socket?.destroy();
            else if (end === "finish") response.end();
            // "stall": leave the response open; close() ends it.
        };
        const trickle = this.faults.trickle;
        if (trickle === undefined) {
            response.write(slice, finish);
            return;
        }
        let sent = 0;
        const timer = setInterval(() => {
            if (response.destroyed) return clearInterval(timer);
            const piece = slice.subarray(sent, sent + trickle.chunkBytes);
            sent += piece.length;
            if (sent >= slice.length) {
                clearInterval(timer);
                response.write(piece, finish);
            } else {
                response.write(piece);
            }
        }, trickle.intervalMs);
        response.on("close", () => clearInterval(timer));
    }
}
