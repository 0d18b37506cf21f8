import {spawn, type ChildProcess} from "node:child_process";
import net from "node:net";
import {createInterface} from "node:readline";
import {findOnPath} from "../llamaCppTools/index.js";
import {childEnvironment, killGroup, parentDeathWrapper} from "../llamaServer/LlamaServerProcess.js";
import {freeLoopbackPort} from "../llamaServer/freeLoopbackPort.js";
import {isAllowed, isLoopbackHost, parseCidr, type Cidr} from "./cidr.js";
import {RpcWorkerExposedError, RpcWorkerStartError} from "./errors.js";
import {parseRpcServerBanner, type RpcDevice} from "./parseRpcServerOutput.js";

/** ggml-rpc-server's own default port. */
export const DEFAULT_RPC_PORT = 50052;
/** How long ggml-rpc-server may take to list its devices and listen (a CUDA build initialises every GPU). */
export const RPC_WORKER_START_TIMEOUT_MS = 60_000;
/** How long a stopped ggml-rpc-server gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 3_000;
/** Output lines kept for error messages. */
const LOG_TAIL_LINES = 20;
/** Between connection attempts while waiting for the port. */
const READY_POLL_MS = 50;

export interface StartRpcWorkerOptions {
    /** The ggml-rpc-server binary (`requireLlamaCppTool(found, "ggml-rpc-server")`). */
    readonly binary: string;
    /** Address to listen on. Defaults to `127.0.0.1`. Off loopback it needs `allow`. */
    readonly host?: string;
    /** Port to listen on. Defaults to `DEFAULT_RPC_PORT` (50052). */
    readonly port?: number;
    /** ggml device names to offer (`-d`). Defaults to ggml-rpc-server's choice: the GPUs, else the CPU. */
    readonly devices?: readonly string[];
    /** ggml-rpc-server's local tensor cache (`-c`). Defaults to `false`. */
    readonly cache?: boolean;
    /** CPU threads (`-t`). Defaults to ggml-rpc-server's (1). */
    readonly threads?: number;
    /**
     * Address ranges (CIDR) whose connections are relayed. When given, r1 listens on host:port
     * itself, checks each peer and relays allowed ones to ggml-rpc-server on a loopback port;
     * others are closed before a byte is relayed. Defaults to none (ggml-rpc-server listens itself,
     * on loopback only).
     */
    readonly allow?: readonly string[];
    /** Defaults to `RPC_WORKER_START_TIMEOUT_MS`. */
    readonly startTimeoutMs?: number;
    /** Every line ggml-rpc-server prints. */
    readonly onLog?: (line: string) => void;
}

/** Every worker child still running, killed when r1 exits however it exits normally. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * `r1 worker`: llama.cpp's ggml-rpc-server for this machine's devices, owned by r1 (own process
 * group, killed with r1), on loopback; or, with `allow`, behind r1's relay, which listens on the
 * requested address and passes on only connections from allowed peers.
 */
export class RpcWorker {
    /** Where the main host connects: `host:port` as listened on. */
    readonly host: string;
    readonly port: number;
    readonly devices: readonly RpcDevice[];
    /** ggml-rpc-server's RPC protocol version, when it printed one. */
    readonly version?: string;
    /** Whether r1 relays (with `allow`) instead of ggml-rpc-server listening itself. */
    readonly relayed: boolean;
    /** Connections the relay closed because the peer was not allowed, and ones it passed on. */
    readonly connections = {refused: 0, relayed: 0};
    /** Resolves when ggml-rpc-server exits. */
    readonly exited: Promise<{code: number | null, signal: NodeJS.Signals | null}>;
    private readonly child: ChildProcess;
    private readonly relay: net.Server | undefined;
    private readonly sockets = new Set<net.Socket>();
    private readonly tail: string[];

    private constructor(init: {host: string, port: number, devices: RpcDevice[], version?: string, child: ChildProcess, relay?: net.Server,
        exited: RpcWorker["exited"], tail: string[]}) {
        this.host = init.host;
        this.port = init.port;
        this.devices = init.devices;
        if (init.version !== undefined) this.version = init.version;
        this.relayed = init.relay !== undefined;
        this.child = init.child;
        this.relay = init.relay;
        this.exited = init.exited;
        this.tail = init.tail;
    }

    /** The `--rpc` entry for this worker as reached at `address` (defaults to the listening host). */
    rpcEntry(address = this.host): string {
        return net.isIPv6(address) ? `[${address}]:${this.port}` : `${address}:${this.port}`;
    }

    /** The last lines ggml-rpc-server printed. */
    logTail(): string[] {
        return [...this.tail];
    }

    static async start(options: StartRpcWorkerOptions): Promise<RpcWorker> {
        const host = options.host ?? "127.0.0.1";
        const port = options.port ?? DEFAULT_RPC_PORT;
        const allow: Cidr[] = (options.allow ?? []).map(parseCidr);
        if (!isLoopbackHost(host) && allow.length === 0) throw new RpcWorkerExposedError(host);
        const relayed = allow.length > 0;
        // ggml-rpc-server would fail to bind a taken port only after r1's readiness check had reached
        // whatever listens there, so the port is checked first.
        if (!relayed && !await portIsFree("127.0.0.1", port))
            throw new RpcWorkerStartError(`127.0.0.1:${port} is already in use`, [], {hint: "choose another --port, or stop what listens there"});
        const rpcPort = relayed ? await freeLoopbackPort() : port;

        const args = ["-H", "127.0.0.1", "-p", String(rpcPort)];
        if (options.devices !== undefined && options.devices.length > 0) args.push("-d", options.devices.join(","));
        if (options.threads !== undefined) args.push("-t", String(options.threads));
        if (options.cache === true) args.push("-c");
        // ggml-rpc-server prints its device list with printf and flushes only when a client
        // connects; line buffering makes the list readable at start.
        const stdbuf = await findOnPath("stdbuf", process.env.PATH ?? "");
        const command = [...stdbuf === undefined ? [] : [stdbuf, "-oL"], options.binary, ...args];
        const wrapper = await parentDeathWrapper();
        const full = wrapper === undefined ? command : [wrapper, "--pdeathsig", "KILL", "--", ...command];
        const child = spawn(full[0]!, full.slice(1), {stdio: ["ignore", "pipe", "pipe"], detached: true, env: childEnvironment()});
        live.add(child);
        if (!exitHookInstalled) {
            exitHookInstalled = true;
            process.on("exit", () => {
                for (const running of live) killGroup(running, "SIGKILL");
            });
        }
        const exited = new Promise<{code: number | null, signal: NodeJS.Signals | null}>((resolve) => child.once("exit", (code, signal) => {
            live.delete(child);
            resolve({code, signal});
        }));
        const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
        const lines: string[] = [];
        const tail: string[] = [];
        for (const stream of [child.stdout!, child.stderr!]) {
            createInterface({input: stream, crlfDelay: Infinity}).on("line", (line) => {
                if (lines.length < 200) lines.push(line);
                tail.push(line);
                if (tail.length > LOG_TAIL_LINES) tail.shift();
                options.onLog?.(line);
            });
        }
        const stopChild = async () => {
            killGroup(child, "SIGTERM");
            const timer = setTimeout(() => killGroup(child, "SIGKILL"), STOP_GRACE_MS);
            await exited;
            clearTimeout(timer);
        };
        try {
            await waitListening(rpcPort, options.startTimeoutMs ?? RPC_WORKER_START_TIMEOUT_MS, exited, spawnError, tail, options.binary);
            const banner = parseRpcServerBanner(lines);
            const relay = relayed ? await listenRelay(host, port, rpcPort, allow) : undefined;
            const worker = new RpcWorker({host, port, devices: banner.devices, ...banner.version === undefined ? {} : {version: banner.version},
                child, ...relay === undefined ? {} : {relay: relay.server}, exited, tail});
            if (relay !== undefined) relay.attach(worker);
            return worker;
        } catch (error) {
            await stopChild();
            throw error;
        }
    }

    /** Stops the relay and ggml-rpc-server (SIGTERM, then SIGKILL). */
    async stop(): Promise<void> {
        await new Promise<void>((resolve) => this.relay === undefined ? resolve() : this.relay.close(() => resolve()));
        for (const socket of this.sockets) socket.destroy();
        killGroup(this.child, "SIGTERM");
        const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), STOP_GRACE_MS);
        await this.exited;
        clearTimeout(timer);
    }

    /** @internal The relay's bookkeeping. */
    track(socket: net.Socket): void {
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
    }
}

/** Waits until ggml-rpc-server accepts connections on the loopback port, or fails with why. */
async function waitListening(port: number, timeoutMs: number, exited: Promise<{code: number | null, signal: NodeJS.Signals | null}>,
    spawnError: Promise<Error>, tail: string[], binary: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let failure: string | undefined;
    void exited.then((exit) => failure = exit.signal === null ? `ggml-rpc-server exited with code ${exit.code}` : `ggml-rpc-server was killed by ${exit.signal}`);
    void spawnError.then((error) => failure = `${binary} could not be started: ${error.message}`);
    while (true) {
        if (failure !== undefined) {
            const telling = [...tail].reverse().find((line) => /error|fail|unknown|could not|cannot/i.test(line));
            throw new RpcWorkerStartError(telling === undefined ? failure : `${telling.trim()} (${failure})`, tail);
        }
        if (await canConnect(port)) return;
        if (performance.now() > deadline) throw new RpcWorkerStartError(`ggml-rpc-server did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s`, tail);
        await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
}

/** Whether `host:port` can be listened on right now. */
function portIsFree(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, host, () => server.close(() => resolve(true)));
    });
}

function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({host: "127.0.0.1", port});
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

/** r1's listener: checks each peer against `allow` and relays allowed ones to ggml-rpc-server on loopback. */
async function listenRelay(host: string, port: number, rpcPort: number, allow: readonly Cidr[]): Promise<{server: net.Server, attach: (worker: RpcWorker) => void}> {
    let worker: RpcWorker | undefined;
    const pending: net.Socket[] = [];
    const server = net.createServer({pauseOnConnect: true}, (socket) => {
        if (!isAllowed(socket.remoteAddress, allow)) {
            if (worker !== undefined) worker.connections.refused += 1;
            socket.destroy();
            return;
        }
        if (worker === undefined) {
            pending.push(socket);
            return;
        }
        relay(worker, socket, rpcPort);
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", (error: NodeJS.ErrnoException) => reject(new RpcWorkerStartError(
            error.code === "EADDRINUSE" ? `${host}:${port} is already in use` : error.code === "EADDRNOTAVAIL" ? `${host} is not an address of this machine` : error.message, [],
            {hint: error.code === "EADDRINUSE" ? "choose another --port, or stop what listens there" : "use an address of this machine with --host"})));
        server.listen(port, host, () => resolve());
    });
    return {server, attach: (attached) => {
        worker = attached;
        for (const socket of pending.splice(0)) relay(attached, socket, rpcPort);
    }};
}

function relay(worker: RpcWorker, socket: net.Socket, rpcPort: number): void {
    worker.connections.relayed += 1;
    const upstream = net.connect({host: "127.0.0.1", port: rpcPort});
    worker.track(socket);
    worker.track(upstream);
    const close = () => {
        socket.destroy();
        upstream.destroy();
    };
    socket.once("error", close).once("close", close);
    upstream.once("error", close).once("close", close);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
}
