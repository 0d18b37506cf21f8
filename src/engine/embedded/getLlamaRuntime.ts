import {getLlama, LlamaLogLevel, type Llama} from "node-llama-cpp";
import {physicalCoreCount} from "../physicalCoreCount.js";

let runtime: Promise<Llama> | undefined;
const recentErrors: string[] = [];
const MAX_REMEMBERED_LOG_LINES = 8;

/**
 * The process-wide llama.cpp runtime. `maxThreads` is the physical core count: node-llama-cpp's
 * default, max(cores, 4), oversubscribes small machines and its spin-waiting pool then stalls decode
 * (0.29 tok/s measured on 2 vCPUs, see bench/RESULTS.md). The GPU is picked by node-llama-cpp's
 * detection unless `NODE_LLAMA_CPP_GPU` says otherwise; binaries are never built or downloaded.
 * llama.cpp's log goes to stderr only with `R1_DEBUG=1`; its last errors explain load failures.
 */
export function getLlamaRuntime(): Promise<Llama> {
    const debug = process.env.R1_DEBUG === "1";
    runtime ??= getLlama({
        build: "never",
        maxThreads: physicalCoreCount(),
        logLevel: debug ? LlamaLogLevel.debug : LlamaLogLevel.warn,
        progressLogs: false,
        logger: (level, message) => {
            if (debug) process.stderr.write(`[llama.cpp] ${message}\n`);
            if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
                recentErrors.push(message.trim());
                if (recentErrors.length > MAX_REMEMBERED_LOG_LINES) recentErrors.shift();
            }
        }
    });
    return runtime;
}

/** The most recent llama.cpp error line, to explain a failure in one line. */
export function takeLastLlamaError(): string | undefined {
    const last = recentErrors.at(-1);
    recentErrors.length = 0;
    return last;
}
