import {spawn} from "node:child_process";
import {randomBytes} from "node:crypto";
import {rename, stat, unlink} from "node:fs/promises";
import path from "node:path";
import {loadImportanceWeights} from "../../quant/imatrix/importanceWeights.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {childEnvironment, killGroup, parentDeathWrapper} from "../llamaServer/LlamaServerProcess.js";
import {ImatrixRunError} from "./errors.js";
import {ImatrixOutputParser} from "./parseImatrixOutput.js";

export interface ComputeImatrixOptions {
    /** The GGUF model (F16/BF16 or a quant) whose activations are collected. */
    readonly model: string;
    /** Calibration text file. */
    readonly text: string;
    /** Output imatrix (GGUF form); written under a temporary name and renamed when complete. */
    readonly output: string;
    /** The llama-imatrix binary (`requireLlamaCppTool(found, "llama-imatrix")`). */
    readonly binary: string;
    /** Tokens per chunk (`-c`). Defaults to 512, llama-imatrix's usual setting. */
    readonly contextSize?: number;
    /** Most chunks processed (`--chunks`). Defaults to all the text gives. */
    readonly chunks?: number;
    /** CPU threads (`-t`). Defaults to llama.cpp's choice. */
    readonly threads?: number;
    /** Layers offloaded to a GPU (`-ngl`). Defaults to llama.cpp's choice. */
    readonly gpuLayers?: number;
    /**
     * Let llama.cpp repack weights into its CPU-specific layouts (AMX tiles, interleaved blocks); `false`
     * passes `--no-repack` (deepseek2 on an AMX build: `noRepackUpFront`). Defaults to `true` (llama.cpp's default).
     */
    readonly repack?: boolean;
    /** Every output line, for a log. */
    readonly onLog?: (text: string) => void;
    readonly signal?: AbortSignal;
}

export type ImatrixEvent =
    | {readonly type: "start", readonly chunks: number, readonly contextSize: number}
    | {readonly type: "progress", readonly chunk: number, readonly chunks: number}
    | {readonly type: "done", readonly path: string, readonly entries: number, readonly chunks: number, readonly seconds: number};

/** Largest chunk count or context r1 passes on (llama.cpp takes int32). */
export const MAX_IMATRIX_ARG = 2 ** 31 - 1;

/**
 * Computes an importance matrix by running llama.cpp's llama-imatrix (never a collector of r1's
 * own) on `model` over `text`, yielding its progress. llama-imatrix runs in its own process group,
 * killed with r1 (`setpriv --pdeathsig` on Linux) or when `signal` aborts; the result is checked
 * with `readImatrix` before it is renamed into place.
 */
export async function* computeImatrixIter(options: ComputeImatrixOptions): AsyncGenerator<ImatrixEvent, void> {
    const started = performance.now();
    for (const [flag, value] of [["--chunks", options.chunks], ["--ctx-size", options.contextSize], ["--threads", options.threads], ["-ngl", options.gpuLayers]] as const) {
        if (value !== undefined && !(Number.isInteger(value) && value >= (flag === "-ngl" ? 0 : 1) && value <= MAX_IMATRIX_ARG))
            throw new R1Error(`${flag} must be a whole number${flag === "-ngl" ? "" : " of at least 1"}, got ${value}`, {exitCode: ExitCode.usage});
    }
    for (const [what, file] of [["model", options.model], ["text", options.text]] as const) {
        const info = await stat(file).catch(() => undefined);
        if (info === undefined || !info.isFile()) throw new R1Error(`the ${what} file ${file} does not exist`, {exitCode: ExitCode.notFound});
    }
    // llama-imatrix needs two chunks of tokens, and a token covers at least one byte (plus BOS):
    // too short a text is refused here, where the reason is certain (llama.cpp's log of it can be
    // lost when the tool exits right after printing it).
    const contextSize = options.contextSize ?? 512;
    const textBytes = (await stat(options.text)).size;
    if (textBytes + 1 < 2 * contextSize) {
        throw new ImatrixRunError(`${options.text} has ${textBytes} bytes, fewer than the ${2 * contextSize} tokens two chunks of --ctx-size ${contextSize} need`,
            "give more calibration text or a smaller --ctx-size");
    }
    const output = path.resolve(options.output);
    const temp = path.join(path.dirname(output), `.${path.basename(output)}.tmp-${randomBytes(4).toString("hex")}.gguf`);
    const args = ["-m", options.model, "-f", options.text, "-o", temp, "-c", String(contextSize),
        ...(options.chunks === undefined ? [] : ["--chunks", String(options.chunks)]),
        ...(options.threads === undefined ? [] : ["-t", String(options.threads)]),
        ...(options.gpuLayers === undefined ? [] : ["-ngl", String(options.gpuLayers)]),
        ...(options.repack === false ? ["--no-repack"] : [])];
    const wrapper = await parentDeathWrapper();
    const child = wrapper === undefined
        ? spawn(options.binary, args, {stdio: ["ignore", "pipe", "pipe"], detached: true, env: childEnvironment()})
        : spawn(wrapper, ["--pdeathsig", "KILL", "--", options.binary, ...args], {stdio: ["ignore", "pipe", "pipe"], detached: true, env: childEnvironment()});
    const killOnExit = () => killGroup(child, "SIGKILL");
    process.on("exit", killOnExit);
    const onAbort = () => killGroup(child, "SIGTERM");
    options.signal?.addEventListener("abort", onAbort, {once: true});

    const parser = new ImatrixOutputParser();
    const queue: ImatrixEvent[] = [];
    let wake: (() => void) | undefined;
    let reportedStart = false;
    const onText = (buffer: Buffer) => {
        const text = buffer.toString("utf8");
        options.onLog?.(text);
        if (!parser.push(text)) return;
        if (!reportedStart && parser.chunks !== undefined) {
            reportedStart = true;
            queue.push({type: "start", chunks: parser.chunks, contextSize: parser.contextSize ?? 0});
        }
        if (parser.chunks !== undefined && parser.done > 0) queue.push({type: "progress", chunk: parser.done, chunks: parser.chunks});
        wake?.();
    };
    child.stdout.on("data", onText);
    child.stderr.on("data", onText);
    let exit: {code: number | null, signal: NodeJS.Signals | null, error?: Error} | undefined;
    child.once("error", (error) => { exit = {code: null, signal: null, error}; wake?.(); });
    child.once("close", (code, signal) => { exit ??= {code, signal}; wake?.(); });
    let complete = false;
    try {
        for (;;) {
            while (queue.length > 0) yield queue.shift()!;
            if (exit !== undefined) break;
            await new Promise<void>((resolve) => wake = resolve);
            wake = undefined;
        }
        options.signal?.throwIfAborted();
        if (exit.error !== undefined) throw new ImatrixRunError(`${options.binary} could not be started (${exit.error.message})`);
        if (exit.code !== 0) {
            const last = parser.errors.at(-1);
            if (last === undefined) {
                // llama.cpp's logger runs on a thread and may lose its last lines when the tool exits
                throw new ImatrixRunError(exit.signal !== null ? `it was killed by ${exit.signal}` : `it exited with code ${exit.code} without saying why`,
                    "check that the model loads (`r1 run MODEL`) and that the text holds at least two chunks of --ctx-size tokens");
            }
            throw new ImatrixRunError(last.replace(/^\S+:\s*/, ""), /tokens for a context/.test(last)
                ? "give more calibration text or a smaller --ctx-size" : undefined);
        }
        const result = await loadImportanceWeights(temp).catch((error: unknown) => {
            throw new ImatrixRunError(`its output is not a usable imatrix (${(error as Error).message})`);
        });
        await rename(temp, output);
        complete = true;
        // the last marks may be lost with llama.cpp's log at exit; the file says how many chunks were done
        const chunks = result?.chunkCount ?? parser.done;
        if (parser.chunks !== undefined && chunks > parser.done) yield {type: "progress", chunk: chunks, chunks: parser.chunks};
        yield {type: "done", path: output, entries: result?.weights.size ?? 0, chunks,
            seconds: (performance.now() - started) / 1000};
    } finally {
        options.signal?.removeEventListener("abort", onAbort);
        killGroup(child, "SIGKILL");
        process.off("exit", killOnExit);
        if (!complete) await unlink(temp).catch(() => undefined);
    }
}
