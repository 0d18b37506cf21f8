import {spawn} from "node:child_process";
import {createWriteStream} from "node:fs";
import {createInterface} from "node:readline";

/** Output lines kept for the error message of a failed step. */
const TAIL_LINES = 12;
/** How long a stopped build tree has after SIGTERM before it is killed (compilers exit at once; this is for one that does not). */
export const STOP_GRACE_MS = 5_000;

/** A command that failed: its exit code or signal and the last lines it printed. */
export class CommandFailedError extends Error {
    readonly tail: readonly string[];

    constructor(description: string, tail: readonly string[]) {
        super(description);
        this.tail = tail;
    }
}

/**
 * Runs a command and yields its output (stdout and stderr) line by line, appending everything to
 * `logFile`. Throws `CommandFailedError` when it exits non-zero. Aborting `signal` stops the whole
 * process tree and throws the signal's reason once it has ended.
 *
 * Why a tree: `cmake --build` runs ninja (or make), which runs the compilers. A signal to cmake alone
 * does not end ninja — cmake waits for it — and the compilers keep the output pipes open, so a build
 * interrupted by a SIGINT sent to r1 only (not the terminal's process group) ran on to its end. On
 * POSIX the command therefore gets a process group of its own, and stopping sends SIGTERM to the group,
 * then SIGKILL to whatever is left of it after `STOP_GRACE_MS` and once more when the command has ended.
 */
export async function* spawnLines(command: string, args: readonly string[], options: {logFile: string, cwd?: string, signal?: AbortSignal}): AsyncGenerator<string> {
    options.signal?.throwIfAborted();
    const log = createWriteStream(options.logFile, {flags: "a"});
    log.write(`$ ${command} ${args.join(" ")}\n`);
    const ownGroup = process.platform !== "win32";
    const child = spawn(command, args, {cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], detached: ownGroup});
    // The whole tree on POSIX (its group: the child's pid), the child alone elsewhere; a tree already gone is not an error.
    const killTree = (signal: NodeJS.Signals) => {
        try {
            if (ownGroup && child.pid !== undefined) process.kill(-child.pid, signal);
            else child.kill(signal);
        } catch {
            // ESRCH: nothing of it is left.
        }
    };
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = () => {
        killTree("SIGTERM");
        escalation = setTimeout(() => killTree("SIGKILL"), STOP_GRACE_MS);
    };
    options.signal?.addEventListener("abort", onAbort, {once: true});
    const exited = new Promise<{code: number | null, signal: NodeJS.Signals | null}>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => resolve({code, signal}));
    });
    exited.catch(() => undefined); // awaited below; this only keeps an early spawn error from being "unhandled"
    // One reader over both streams so lines come out in the order they were printed.
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    let openStreams = 2;
    for (const stream of [child.stdout, child.stderr]) {
        const reader = createInterface({input: stream, crlfDelay: Infinity});
        reader.on("line", (line) => {
            lines.push(line);
            wake?.();
        });
        reader.once("close", () => {
            openStreams -= 1;
            wake?.();
        });
    }
    const tail: string[] = [];
    try {
        while (true) {
            if (lines.length === 0) {
                if (openStreams === 0) break;
                await new Promise<void>((resolve) => wake = resolve);
                wake = undefined;
                continue;
            }
            const line = lines.shift()!;
            log.write(`${line}\n`);
            tail.push(line);
            if (tail.length > TAIL_LINES) tail.shift();
            yield line;
        }
        const result = await exited;
        options.signal?.throwIfAborted();
        if (result.code !== 0)
            throw new CommandFailedError(result.signal === null ? `exit code ${result.code}` : `killed by ${result.signal}`, tail);
    } finally {
        options.signal?.removeEventListener("abort", onAbort);
        clearTimeout(escalation);
        // Stopped (aborted, or the consumer left early): nothing of the tree may outlive this step. A command that
        // ended by itself keeps its group: a tool it started on purpose (a compiler cache's server) is left alone.
        if (options.signal?.aborted === true) killTree("SIGKILL");
        else if (child.exitCode === null && child.signalCode === null) {
            onAbort();
            await exited.catch(() => undefined);
            clearTimeout(escalation);
            killTree("SIGKILL");
        }
        await new Promise<void>((resolve) => log.end(resolve));
    }
}
