#!/usr/bin/env node
// llama_decode runs on libuv's thread pool; with the default 4 pool threads it lands on whichever
// one picks it up and competes with llama.cpp's own workers. One pool thread keeps decode at
// llama.cpp's own speed (measured in bench/RESULTS.md).
// Setting process.env here is too late: Node's ESM loader has already started the pool (with 4
// threads) to read this very file, so commands that decode re-execute node with the variable set.
import {spawn} from "node:child_process";
import net from "node:net";
import {constants} from "node:os";
import {fileURLToPath} from "node:url";

const DECODING_COMMANDS = new Set(["run", "bench", "serve"]);
const SIGINT_GRACE_MS = 500;
/** The re-executed child reads its end of this pipe; EOF means this launcher is gone (even by SIGKILL). */
const PARENT_PIPE_FD = 3;
/** Time the orphaned child has to stop cleanly (unload, close its port) before it exits anyway. */
const ORPHAN_EXIT_MS = 5_000;

if (process.env.UV_THREADPOOL_SIZE === undefined && DECODING_COMMANDS.has(process.argv[2] ?? "")) {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
        stdio: ["inherit", "inherit", "inherit", "pipe"],
        env: {...process.env, UV_THREADPOOL_SIZE: "1", R1_PARENT_PIPE_FD: String(PARENT_PIPE_FD)}
    });
    // Ctrl-C reaches the child itself through the terminal's process group, and the child decides
    // what it means (stop the current reply in `r1 run`). A SIGINT sent to this process alone (a
    // supervisor stopping `r1 serve`) is passed on once the child has had time to react to its own.
    process.on("SIGINT", () => setTimeout(() => child.kill("SIGINT"), SIGINT_GRACE_MS).unref());
    for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
    // The shell's convention: a child killed by signal N is status 128 + N (137 for SIGKILL).
    child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal] ?? 15)));
} else {
    const fd = process.env.R1_PARENT_PIPE_FD;
    if (fd !== undefined) {
        delete process.env.R1_PARENT_PIPE_FD;
        watchParent(Number(fd));
    }
    // Colour only on a terminal: picocolors also colours a pipe when CI is set (`r1 bench` wrote ANSI codes into logs).
    if (process.stdout.isTTY !== true && process.env.FORCE_COLOR === undefined) process.env.NO_COLOR = "1";
    await import("../dist/cli/main.js");
}

/**
 * A launcher killed with SIGKILL cannot pass anything on, and the re-executed child would live on,
 * reparented, still holding its port. The kernel closes the launcher's end of the pipe however it
 * dies; at EOF the child stops as on SIGTERM (`r1 serve` unloads and closes), and exits regardless
 * after `ORPHAN_EXIT_MS`.
 */
function watchParent(fd) {
    let pipe;
    try {
        pipe = new net.Socket({fd, readable: true, writable: false});
    } catch {
        return;
    }
    const orphaned = () => {
        setTimeout(() => process.exit(128 + constants.signals.SIGTERM), ORPHAN_EXIT_MS).unref();
        process.kill(process.pid, "SIGTERM");
    };
    pipe.once("end", orphaned);
    pipe.once("error", orphaned);
    pipe.resume();
    // The pipe alone must not keep the process alive once its work is done.
    pipe.unref();
}
