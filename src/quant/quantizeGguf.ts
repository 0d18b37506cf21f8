import {availableParallelism} from "node:os";
import {realpath} from "node:fs/promises";
import path from "node:path";
import type {LlamaFileType} from "../gguf/LlamaFileType.js";
import {readGguf} from "../gguf/readGguf.js";
import {GgufDataReader} from "../gguf/readTensorData.js";
import {writeGgufIter, type GgufTensorToWrite} from "../gguf/writeGguf.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import type {TensorTypeChoice, TensorTypeOverride} from "./chooseTensorType.js";
import {assertPlanExecutable, planQuantization, QUANTIZE_ALIGNMENT, type QuantizationPlan, type TensorTypeRules} from "./planQuantization.js";
import {QuantizeInterruptedError} from "./QuantizeInterruptedError.js";
import type {ImportanceWeights} from "./imatrix/importanceWeights.js";
import {QuantizeWorkerPool} from "./QuantizeWorkerPool.js";
import {SliceLookahead} from "./SliceLookahead.js";

export interface QuantizeGgufOptions extends TensorTypeRules {
    readonly input: string;
    readonly output: string;
    readonly fileType: LlamaFileType;
    /** `--tensor-type` rules, first match wins. Defaults to none. */
    readonly overrides?: readonly TensorTypeOverride[];
    /** Worker threads. Defaults to all cores (`os.availableParallelism()`). */
    readonly threads?: number;
    /** Re-quantize tensors that are already quantized. Defaults to `false`. */
    readonly allowRequantize?: boolean;
    /** Source bytes converted per work item. Defaults to 4 MiB. */
    readonly sliceBytes?: number;
    /** Importance weights (`loadImportanceWeights(--imatrix)`), used as llama-quantize uses them. Defaults to none. */
    readonly imatrix?: ImportanceWeights;
    /** Stops the run; the partial output is removed. */
    readonly signal?: AbortSignal;
}

export type QuantizeEvent =
    | {readonly type: "plan", readonly plan: QuantizationPlan, readonly threads: number}
    | {readonly type: "progress", readonly tensor: string, readonly tensorsDone: number, readonly tensorCount: number,
        readonly weightsDone: number, readonly totalWeights: number, readonly bytesWritten: number, readonly totalBytes: number}
    | {readonly type: "tensor", readonly tensor: TensorTypeChoice, readonly index: number, readonly tensorCount: number}
    | {readonly type: "done", readonly path: string, readonly bytes: number, readonly seconds: number, readonly weights: number};

export {MAX_QUANTIZE_ROW_BYTES} from "./SliceLookahead.js";
export {QuantizeInterruptedError} from "./QuantizeInterruptedError.js";

/** Output path equals the input. */
export class QuantizeOverwriteError extends R1Error {
    constructor(readonly path: string) {
        super(`refusing to overwrite the input ${path}`, {exitCode: ExitCode.usage, hint: "choose a different output path"});
    }
}

/**
 * Quantizes a GGUF file like llama-quantize (same tensor types and bytes, spec §6), streaming:
 * each tensor is read in slices of whole rows, converted on worker threads, and written in
 * order to a temporary file renamed on success. Memory stays at a few slices per thread.
 */
export async function* quantizeGgufIter(options: QuantizeGgufOptions): AsyncGenerator<QuantizeEvent, void> {
    const started = performance.now();
    await assertNotSameFile(options.input, options.output);
    const file = await readGguf(options.input, {split: true});
    const q = planQuantization(file, options);
    assertPlanExecutable(q, options.allowRequantize ?? false);
    const threads = options.threads ?? availableParallelism();
    yield {type: "plan", plan: q, threads};

    const reader = new GgufDataReader(file);
    const pool = new QuantizeWorkerPool(threads);
    const infos = new Map(file.tensors.map((t) => [t.name, t]));
    const lookahead = new SliceLookahead(file, pool, q.plan.tensors.map((choice) =>
        choice.targetType === choice.sourceType ? undefined : {
            info: infos.get(choice.name)!, targetType: choice.targetType,
            ...(q.importance.has(choice.name) ? {importance: q.importance.get(choice.name)!} : {})
        }), {
        sliceBytes: Math.max(64 * 1024, options.sliceBytes ?? 4 * 1024 * 1024),
        maxInFlight: pool.parallelism * 2,
        signal: options.signal
    });
    const totalWeights = q.plan.totalElements;
    let weightsDone = 0;
    const tensors: GgufTensorToWrite[] = q.plan.tensors.map((choice, i) => ({
        name: choice.name, shape: choice.shape, type: choice.targetType,
        data: () => choice.targetType === choice.sourceType ? reader.iter(infos.get(choice.name)!) : lookahead.slices(i)
    }));
    try {
        let index = 0;
        for await (const event of writeGgufIter(options.output, {metadata: q.metadata, tensors, alignment: QUANTIZE_ALIGNMENT})) {
            if (options.signal?.aborted) throw new QuantizeInterruptedError();
            if (event.type === "progress" || event.type === "tensor") {
                const choice = q.plan.tensors[index]!;
                if (event.type === "tensor") weightsDone += choice.elements;
                yield {
                    type: "progress", tensor: choice.name, tensorsDone: index + (event.type === "tensor" ? 1 : 0),
                    tensorCount: q.plan.tensors.length, weightsDone, totalWeights, bytesWritten: event.bytesWritten, totalBytes: event.totalBytes
                };
                if (event.type === "tensor") yield {type: "tensor", tensor: choice, index: index++, tensorCount: q.plan.tensors.length};
            } else if (event.type === "done") {
                yield {type: "done", path: event.path, bytes: event.totalBytes, seconds: (performance.now() - started) / 1000, weights: totalWeights};
            }
        }
    } catch (error) {
        if (options.signal?.aborted) throw new QuantizeInterruptedError();
        throw error;
    } finally {
        await lookahead.close();
        await pool.close();
        await reader.close();
    }
}

/** `quantizeGgufIter` drained; returns its `done` event. */
export async function quantizeGguf(options: QuantizeGgufOptions): Promise<Extract<QuantizeEvent, {type: "done"}>> {
    let done: Extract<QuantizeEvent, {type: "done"}> | undefined;
    for await (const event of quantizeGgufIter(options)) if (event.type === "done") done = event;
    return done!;
}

async function assertNotSameFile(input: string, output: string): Promise<void> {
    const a = await realpath(input).catch(() => path.resolve(input));
    const b = await realpath(output).catch(() => path.resolve(output));
    if (a === b) throw new QuantizeOverwriteError(output);
}

