import {spawn} from "node:child_process";
import {createWriteStream} from "node:fs";
import {createInterface} from "node:readline";

/** Output lines kept for the error message of a failed step. */
const TAIL_LINES = 12;

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
 * `logFile`. Throws `CommandFailedError` when it exits non-zero. Aborting `signal` stops the child
 * with SIGTERM (cmake and ninja pass it on to the compilers) and throws the signal's reason.
 */
export async function* spawnLines(command: string, args: readonly string[], options: {logFile: string, cwd?: string, signal?: AbortSignal}): AsyncGenerator<string> {
    options.signal?.throwIfAborted();
    const log = createWriteStream(options.logFile, {flags: "a"});
    log.write(`$ ${command} ${args.join(" ")}\n`);
    const child = spawn(command, args, {cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"]});
    const onAbort = () => child.kill("SIGTERM");
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
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await new Promise<void>((resolve) => log.end(resolve));
    }
}
