import net from "node:net";
import {RpcWorkerUnreachableError} from "./errors.js";

/** llama.cpp's RPC protocol (ggml-rpc.cpp, v6): command numbers and message sizes r1 uses. */
const RPC_CMD_GET_DEVICE_MEMORY = 11;
const RPC_CMD_HELLO = 14;
const RPC_CMD_DEVICE_COUNT = 15;
/** `RPC_CONN_CAPS_SIZE`: transport capabilities; all zero = plain TCP. */
const CONN_CAPS_SIZE = 24;
const HELLO_RESPONSE_SIZE = 4 + CONN_CAPS_SIZE;
/** The protocol version this llama.cpp release speaks (ggml-rpc.h `RPC_PROTO_MAJOR_VERSION` / `_MINOR_` / `_PATCH_`). */
export const RPC_PROTOCOL_MAJOR = 6;
export const RPC_PROTOCOL_MINOR = 0;
export const RPC_PROTOCOL_PATCH = 0;
/** `6.0.0`: how r1 names its own protocol version in errors. */
export const RPC_PROTOCOL_VERSION = `${RPC_PROTOCOL_MAJOR}.${RPC_PROTOCOL_MINOR}.${RPC_PROTOCOL_PATCH}`;
/** Most devices a worker may claim: more is a broken or hostile peer, not a machine. */
const MAX_REMOTE_DEVICES = 64;
/** Round trips timed for the median. */
const ROUND_TRIPS = 7;
/** A whole probe's deadline: an unresponsive port must fail "within seconds". */
export const RPC_PROBE_TIMEOUT_MS = 5_000;

/** One device a worker offers, as it reports it over RPC. */
export interface RpcWorkerDevice {
    readonly index: number;
    readonly freeBytes: number;
    readonly totalBytes: number;
}

/** What r1 learned from a worker: its protocol version, devices and the network round trip. */
export interface RpcWorkerProbe {
    readonly endpoint: string;
    readonly version: string;
    readonly devices: readonly RpcWorkerDevice[];
    /** Median time of a small command's round trip, seconds. */
    readonly roundTripSeconds: number;
    /**
     * The address the connection reached (the endpoint's host name resolved): two endpoints with one address are
     * workers on one host. Absent when the socket did not say.
     */
    readonly address?: string;
}

/** Splits `host:port` (`[v6]:port` too). */
export function parseRpcEndpoint(endpoint: string): {host: string, port: number} {
    const match = /^\[([^\]]+)\]:(\d+)$/.exec(endpoint) ?? /^([^:]+):(\d+)$/.exec(endpoint);
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || !(port >= 1 && port <= 65535)) throw new RpcWorkerUnreachableError(endpoint, "is not host:port");
    return {host: match[1]!, port};
}

/**
 * Asks a `r1 worker` / ggml-rpc-server for its devices and free memory (HELLO, DEVICE_COUNT,
 * GET_DEVICE_MEMORY of llama.cpp's RPC protocol) and times the round trip. Fails in one line
 * within `RPC_PROBE_TIMEOUT_MS`: unresolvable host, closed port, a port that does not speak RPC,
 * a worker of another protocol version. A worker serves one client at a time, so probe before
 * llama-server connects.
 */
export async function probeRpcWorker(endpoint: string, options: {timeoutMs?: number} = {}): Promise<RpcWorkerProbe> {
    const {host, port} = parseRpcEndpoint(endpoint);
    const socket = net.connect({host, port});
    const reader = new SocketReader(socket);
    const timeoutMs = options.timeoutMs ?? RPC_PROBE_TIMEOUT_MS;
    const timer = setTimeout(() => reader.fail(new RpcWorkerUnreachableError(endpoint, `did not answer as an RPC worker within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
        await new Promise<void>((resolve, reject) => {
            socket.once("connect", resolve);
            socket.once("error", (error: NodeJS.ErrnoException) => reject(connectError(endpoint, error)));
            reader.onFailure(reject);
        });
        const hello = await command(socket, reader, RPC_CMD_HELLO, Buffer.alloc(CONN_CAPS_SIZE), HELLO_RESPONSE_SIZE, endpoint);
        const version = `${hello[0]}.${hello[1]}.${hello[2]}`;
        // llama.cpp's own rule (negotiate_hello): another major version, or a newer minor one, cannot talk to this client.
        if (hello[0] !== RPC_PROTOCOL_MAJOR || hello[1]! > RPC_PROTOCOL_MINOR)
            throw new RpcWorkerUnreachableError(endpoint, `speaks RPC protocol v${version}, this r1's llama.cpp speaks v${RPC_PROTOCOL_VERSION}`,
                "run the same r1 (llama.cpp release) on every machine");
        const rounds: number[] = [];
        let count = 0;
        for (let i = 0; i < ROUND_TRIPS; i++) {
            const started = performance.now();
            count = (await command(socket, reader, RPC_CMD_DEVICE_COUNT, Buffer.alloc(0), 4, endpoint)).readUInt32LE(0);
            rounds.push((performance.now() - started) / 1000);
        }
        if (count < 1 || count > MAX_REMOTE_DEVICES) throw new RpcWorkerUnreachableError(endpoint, `reported ${count} devices`);
        const devices: RpcWorkerDevice[] = [];
        for (let index = 0; index < count; index++) {
            const request = Buffer.alloc(4);
            request.writeUInt32LE(index, 0);
            const memory = await command(socket, reader, RPC_CMD_GET_DEVICE_MEMORY, request, 16, endpoint);
            devices.push({index, freeBytes: Number(memory.readBigUInt64LE(0)), totalBytes: Number(memory.readBigUInt64LE(8))});
        }
        rounds.sort((a, b) => a - b);
        const address = socket.remoteAddress;
        return {endpoint, version, devices, roundTripSeconds: rounds[Math.floor(rounds.length / 2)]!, ...address === undefined ? {} : {address}};
    } finally {
        clearTimeout(timer);
        socket.destroy();
    }
}

function connectError(endpoint: string, error: NodeJS.ErrnoException): RpcWorkerUnreachableError {
    switch (error.code) {
        case "ENOTFOUND":
        case "EAI_AGAIN": return new RpcWorkerUnreachableError(endpoint, "has a host name that does not resolve");
        case "ECONNREFUSED": return new RpcWorkerUnreachableError(endpoint, "refused the connection (no r1 worker listens there)");
        case "EHOSTUNREACH":
        case "ENETUNREACH": return new RpcWorkerUnreachableError(endpoint, "is not reachable from this machine");
        default: return new RpcWorkerUnreachableError(endpoint, `could not be reached: ${error.message}`);
    }
}

/** Sends one command (`cmd`, u64 size, payload) and reads its answer (u64 size, then exactly `size` bytes). */
async function command(socket: net.Socket, reader: SocketReader, cmd: number, payload: Buffer, answerSize: number, endpoint: string): Promise<Buffer> {
    const header = Buffer.alloc(9);
    header.writeUInt8(cmd, 0);
    header.writeBigUInt64LE(BigInt(payload.length), 1);
    socket.write(Buffer.concat([header, payload]));
    const size = Number((await reader.read(8)).readBigUInt64LE(0));
    if (size !== answerSize) throw new RpcWorkerUnreachableError(endpoint, "answered with something that is not llama.cpp's RPC protocol");
    return reader.read(size);
}

/** Reads exact byte counts from a socket; a close or an error fails the pending read. */
class SocketReader {
    private buffered = Buffer.alloc(0);
    private waiting: {size: number, resolve: (data: Buffer) => void, reject: (error: Error) => void} | undefined;
    private failure: Error | undefined;
    private readonly failureListeners: Array<(error: Error) => void> = [];

    constructor(private readonly socket: net.Socket) {
        socket.on("data", (data: Buffer) => {
            this.buffered = Buffer.concat([this.buffered, data]);
            this.deliver();
        });
        socket.on("close", () => this.fail(new Error("closed")));
        socket.on("error", () => undefined);
    }

    read(size: number): Promise<Buffer> {
        return new Promise((resolve, reject) => {
            if (this.failure !== undefined) return reject(this.failure);
            this.waiting = {size, resolve, reject};
            this.deliver();
        });
    }

    onFailure(listener: (error: Error) => void): void {
        this.failureListeners.push(listener);
    }

    fail(error: Error): void {
        if (this.failure !== undefined && !(this.failure.message === "closed" && error !== this.failure)) return;
        this.failure = error;
        this.waiting?.reject(error);
        this.waiting = undefined;
        for (const listener of this.failureListeners) listener(error);
        this.socket.destroy();
    }

    private deliver(): void {
        if (this.waiting === undefined || this.buffered.length < this.waiting.size) return;
        const data = this.buffered.subarray(0, this.waiting.size);
        this.buffered = this.buffered.subarray(this.waiting.size);
        const {resolve} = this.waiting;
        this.waiting = undefined;
        resolve(Buffer.from(data));
    }
}
