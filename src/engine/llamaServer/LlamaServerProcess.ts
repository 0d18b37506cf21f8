import {spawn, type ChildProcess} from "node:child_process";
import {randomBytes} from "node:crypto";
import {constants} from "node:fs";
import {access} from "node:fs/promises";
import {createInterface} from "node:readline";
import {ExitCode} from "../../util/R1Error.js";
import {findOnPath} from "../llamaCppTools/findLlamaCppTools.js";
import {LlamaServerStartError} from "./errors.js";
import {freeLoopbackPort} from "./freeLoopbackPort.js";
import {loopbackPortInUse} from "./loopbackPortInUse.js";
import {repackRetryReason, type RepackRetryReason} from "./repackRetryReason.js";
import {DEFAULT_START_TIMEOUT_MS, HEALTH_POLL_MS, LOG_DRAIN_MS, LOG_TAIL_LINES, MAX_LOG_LINE_CHARS, PORT_ATTEMPTS, STOP_GRACE_MS} from "./limits.js";
import {llamaServerArgs, type LlamaServerLaunchOptions} from "./llamaServerArgs.js";

export interface LlamaServerProcessOptions {
    /** The llama-server binary (found by `findLlamaCppTools`). */
    binary: string;
    /** Model and placement; host, port and API key are r1's choice. */
    launch: Omit<LlamaServerLaunchOptions, "host" | "port" | "apiKey">;
    /** Listen on this loopback port. Defaults to a free one (retried when taken meanwhile). */
    port?: number;
    /** How long loading may take before r1 gives up. Defaults to `DEFAULT_START_TIMEOUT_MS`. */
    startTimeoutMs?: number;
    /** Aborts starting (the process is stopped). */
    signal?: AbortSignal;
    /** Every line llama-server logs. Defaults to printing them on stderr when `R1_DEBUG=1`. */
    onLog?: (line: string) => void;
}

export interface LlamaServerExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

/** Every llama-server this process started and has not seen exit, killed when r1 exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // A normal exit (or process.exit after an error) cannot wait for a graceful stop: kill the
    // whole group at once. A SIGKILL of r1 is covered by the parent-death signal instead.
    process.on("exit", () => {
        for (const child of live) killGroup(child, "SIGKILL");
    });
}

/** Whether any process is left in the group `pgid`. */
function groupAlive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch {
        return false;
    }
}

/** While stopping, how often r1 looks whether the process group is empty. */
const GROUP_POLL_MS = 20;

export function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenAfterExit = false): void {
    if (child.pid === undefined || (!evenAfterExit && (child.exitCode !== null || child.signalCode !== null))) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        child.kill(signal);
    }
}

let setprivPath: Promise<string | undefined> | undefined;

/**
 * util-linux's `setpriv --pdeathsig`: the kernel kills llama-server when r1 dies, however it dies
 * (SIGKILL, OOM killer), which no handler in r1 could do.
 */
export function parentDeathWrapper(): Promise<string | undefined> {
    if (process.platform !== "linux") return Promise.resolve(undefined);
    setprivPath ??= findOnPath("setpriv", `${process.env.PATH ?? ""}:/usr/bin:/bin`);
    return setprivPath;
}

/** llama.cpp reads its options from `LLAMA_ARG_*` too; r1's command line must be the whole truth. */
export function childEnvironment(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LLAMA_ARG_")));
}

/**
 * One llama-server that r1 started and owns: on a loopback port with a random API key, in its own
 * process group (so a terminal's Ctrl-C reaches r1, which decides), killed by the kernel when r1
 * dies (`setpriv --pdeathsig` on Linux), stopped with SIGTERM then SIGKILL.
 */
export class LlamaServerProcess {
    readonly binary: string;
    readonly url: string;
    readonly apiKey: string;
    readonly pid: number;
    /** Resolves when the process has exited, whoever ended it. */
    readonly exited: Promise<LlamaServerExit>;
    private readonly child: ChildProcess;
    private readonly tail: string[];
    private readonly drained: Promise<void>;
    private exit: LlamaServerExit | undefined;
    private stopping = false;

    private constructor(init: {binary: string, port: number, apiKey: string, child: ChildProcess, tail: string[], exited: Promise<LlamaServerExit>, drained: Promise<void>}) {
        this.drained = init.drained;
        this.binary = init.binary;
        this.url = `http://127.0.0.1:${init.port}`;
        this.apiKey = init.apiKey;
        this.child = init.child;
        this.pid = init.child.pid!;
        this.tail = init.tail;
        this.exited = init.exited.then((exit) => {
            this.exit = exit;
            return exit;
        });
    }

    /**
     * Starts llama-server and waits until `/health` says the model is loaded. A llama-server that
     * fails while loading in a way only its extra weight buffers cause (`repackRetryReason`) is
     * started once more without them (`--no-repack`): a build whose AMX kernels fault here (SIGILL;
     * GCC 12's native build before `r1 engine build` kept AMX with `-fno-dse`), or an AMX build
     * loading deepseek2, which aborts in ggml's scheduler.
     */
    static async start(options: LlamaServerProcessOptions): Promise<LlamaServerProcess> {
        try {
            return await LlamaServerProcess.startWithPorts(options);
        } catch (error) {
            const reason = error instanceof LlamaServerStartError && options.launch.repack !== false ? repackRetryReason(error) : undefined;
            if (reason === undefined) throw error;
            const retried = await LlamaServerProcess.startWithPorts({...options, launch: {...options.launch, repack: false}});
            retried.repackDisabled = true;
            retried.repackDisabledBecause = reason;
            return retried;
        }
    }

    /** Set when this process runs with `--no-repack` because the first start failed (`repackDisabledBecause` says how). */
    repackDisabled = false;
    /** Why the first start was retried with `--no-repack`; `undefined` when it was not. */
    repackDisabledBecause: RepackRetryReason | undefined;

    private static async startWithPorts(options: LlamaServerProcessOptions): Promise<LlamaServerProcess> {
        for (let attempt = 1; ; attempt++) {
            const port = options.port ?? await freeLoopbackPort();
            try {
                return await LlamaServerProcess.startOn(port, options);
            } catch (error) {
                const portTaken = error instanceof LlamaServerStartError && error.exitSignal === undefined &&
                    (error.logTail.some((line) => /couldn't bind/.test(line)) || await loopbackPortInUse(port));
                if (!portTaken) throw error;
                if (options.port !== undefined)
                    throw new LlamaServerStartError(options.binary, `could not listen on 127.0.0.1:${port}: the port is in use`, error.logTail, {hint: "choose another port, or stop what listens there"});
                if (attempt >= PORT_ATTEMPTS) throw error;
            }
        }
    }

    private static async startOn(port: number, options: LlamaServerProcessOptions): Promise<LlamaServerProcess> {
        options.signal?.throwIfAborted();
        try {
            await access(options.binary, constants.X_OK);
        } catch {
            throw new LlamaServerStartError(options.binary, `not found: ${options.binary} does not exist or is not executable`, [],
                {exitCode: ExitCode.notFound, hint: "build it with `r1 engine build`, or pass --llama-server PATH"});
        }
        const apiKey = randomBytes(24).toString("base64url");
        const args = llamaServerArgs({...options.launch, host: "127.0.0.1", port, apiKey});
        const wrapper = await parentDeathWrapper();
        const child = wrapper === undefined
            ? spawn(options.binary, args, {stdio: ["ignore", "pipe", "pipe"], detached: true, env: childEnvironment()})
            : spawn(wrapper, ["--pdeathsig", "KILL", "--", options.binary, ...args], {stdio: ["ignore", "pipe", "pipe"], detached: true, env: childEnvironment()});
        const exited = new Promise<LlamaServerExit>((resolve) => {
            child.once("exit", (code, signal) => {
                live.delete(child);
                resolve({code, signal});
            });
        });
        const spawnFailed = new Promise<Error>((resolve) => child.once("error", resolve));
        // "close" comes after the last log line was read; "exit" may come before it.
        const drained = new Promise<void>((resolve) => child.once("close", () => resolve()));
        installExitHook();
        live.add(child);

        const tail: string[] = [];
        const onLog = options.onLog ?? (process.env.R1_DEBUG === "1" ? (line: string) => process.stderr.write(`llama-server: ${line}\n`) : undefined);
        for (const stream of [child.stdout!, child.stderr!]) {
            createInterface({input: stream, crlfDelay: Infinity}).on("line", (line) => {
                const kept = line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)}…` : line;
                tail.push(kept);
                if (tail.length > LOG_TAIL_LINES) tail.shift();
                onLog?.(kept);
            });
        }
        const server = new LlamaServerProcess({binary: options.binary, port, apiKey, child, tail, exited, drained});
        try {
            const spawnError = await Promise.race([spawnFailed, new Promise<undefined>((resolve) => child.once("spawn", () => resolve(undefined)))]);
            if (spawnError !== undefined) throw new LlamaServerStartError(options.binary, `could not be started: ${spawnError.message}`, []);
            await server.waitHealthy(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, options.signal);
            return server;
        } catch (error) {
            await server.stop();
            throw error;
        }
    }

    /** Whether the process is still running. */
    get running(): boolean {
        return this.exit === undefined;
    }

    /** How it ended, once it has. */
    get exitStatus(): LlamaServerExit | undefined {
        return this.exit;
    }

    /** The last lines llama-server logged, oldest first. */
    logTail(): string[] {
        return [...this.tail];
    }

    /** The most telling recent log line: the last error llama-server logged, else its last line. */
    lastError(): string | undefined {
        const error = this.tail.findLast((line) => /(^|\s)E\s|error|failed|abort|terminate/i.test(line));
        return (error ?? this.tail.at(-1))?.replace(/^\d+\.\d+\.\d+\.\d+\s+[A-Z]\s+/, "").trim();
    }

    /** Whether this process was asked to stop (so its exit is no crash). */
    get stopRequested(): boolean {
        return this.stopping;
    }

    /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
    async stop(graceMs = STOP_GRACE_MS): Promise<void> {
        this.stopping = true;
        if (!this.running) return;
        killGroup(this.child, "SIGTERM");
        const timer = setTimeout(() => killGroup(this.child, "SIGKILL"), graceMs);
        const deadline = performance.now() + graceMs;
        try {
            await this.exited;
            // Whatever it started (llama-server itself starts nothing) leaves with its group.
            while (groupAlive(this.pid)) {
                if (performance.now() > deadline) killGroup(this.child, "SIGKILL", true);
                await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
                if (performance.now() > deadline + graceMs) break;
            }
        } finally {
            clearTimeout(timer);
        }
    }

    private async waitHealthy(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
        const deadline = performance.now() + timeoutMs;
        let lastStatus = "no answer yet";
        for (;;) {
            signal?.throwIfAborted();
            if (!this.running || this.exit !== undefined) throw await this.exitedEarly();
            const poll = new AbortController();
            const timer = setTimeout(() => poll.abort(), Math.max(1, Math.min(5_000, deadline - performance.now())));
            // Whatever answers on the port, an exit of llama-server ends the wait at once.
            void this.exited.then(() => poll.abort());
            try {
                const response = await fetch(`${this.url}/health`, {signal: poll.signal});
                const body = await response.text();
                if (response.status === 200) return;
                lastStatus = `HTTP ${response.status} ${body.slice(0, 200).replace(/\s+/g, " ")}`;
            } catch {
                // Not listening yet.
            } finally {
                clearTimeout(timer);
            }
            if (performance.now() >= deadline) {
                const last = this.lastError();
                throw new LlamaServerStartError(this.binary, `did not become ready within ${Math.round(timeoutMs / 1000)} s (${lastStatus})${last === undefined ? "" : `; its log ends: ${last}`}`,
                    this.logTail(), {hint: "run with R1_DEBUG=1 to see what llama-server is doing"});
            }
            const exited = await Promise.race([this.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), HEALTH_POLL_MS))]);
            if (exited) throw await this.exitedEarly();
        }
    }

    private async exitedEarly(): Promise<LlamaServerStartError> {
        // Its last words (the reason it exited) may still be in the pipe; a child it left holding
        // the pipe open must not hold r1 up for long.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.drained, new Promise<void>((resolve) => {
            timer = setTimeout(resolve, LOG_DRAIN_MS);
        })]);
        clearTimeout(timer);
        const exit = this.exit;
        const how = exit === undefined ? "stopped" : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        const last = this.lastError();
        const memory = this.tail.some((line) => /alloc|out of memory|OOM/i.test(line));
        return new LlamaServerStartError(this.binary, `${how} before it was ready${last === undefined ? "" : `: ${last}`}`, this.logTail(), {
            ...(memory ? {hint: "try a smaller context (-c), fewer GPU layers (-ngl) or a smaller quant; `r1 plan` shows what fits"} : {}),
            ...(exit?.signal === undefined || exit.signal === null ? {} : {exitSignal: exit.signal})
        });
    }
}
