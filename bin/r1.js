#!/usr/bin/env node
// llama_decode runs on libuv's thread pool; with the default 4 pool threads it lands on whichever
// one picks it up and competes with llama.cpp's own workers. One pool thread keeps decode at
// llama.cpp's own speed (measured in bench/RESULTS.md).
// Setting process.env here is too late: Node's ESM loader has already started the pool (with 4
// threads) to read this very file, so commands that decode re-execute node with the variable set.
import {spawn} from "node:child_process";
import {fileURLToPath} from "node:url";

const DECODING_COMMANDS = new Set(["run", "bench", "serve"]);
const SIGINT_GRACE_MS = 500;

if (process.env.UV_THREADPOOL_SIZE === undefined && DECODING_COMMANDS.has(process.argv[2] ?? "")) {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
        stdio: "inherit",
        env: {...process.env, UV_THREADPOOL_SIZE: "1"}
    });
    // Ctrl-C reaches the child itself through the terminal's process group, and the child decides
    // what it means (stop the current reply in `r1 run`). A SIGINT sent to this process alone (a
    // supervisor stopping `r1 serve`) is passed on once the child has had time to react to its own.
    process.on("SIGINT", () => setTimeout(() => child.kill("SIGINT"), SIGINT_GRACE_MS).unref());
    for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
    child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + (signal === "SIGINT" ? 2 : 15))));
} else {
    await import("../dist/cli/main.js");
}
