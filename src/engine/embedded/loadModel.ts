import {existsSync} from "node:fs";
import type {LlamaModel} from "node-llama-cpp";
import type {LlamaLoadedModel} from "./LlamaLoadedModel.js";
import {ModelLoadError} from "../errors.js";
import {physicalCoreCount} from "../physicalCoreCount.js";
import {DEFAULT_CONTEXT_SIZE, defaultContextSize, MAX_CONTEXT_SIZE, MAX_PARALLEL_SEQUENCES, MIN_CONTEXT_SIZE} from "../loadLimits.js";

export {DEFAULT_CONTEXT_SIZE, MAX_CONTEXT_SIZE, MAX_PARALLEL_SEQUENCES};

export interface LoadModelOptions {
    /** Path of the GGUF file (the first part of a split model). */
    path: string;
    /** Context tokens per sequence. Defaults to `defaultContextSize(trained context)`: `min(DEFAULT_CONTEXT_SIZE, trained)`, never the full trained context. */
    contextSize?: number;
    /** Layers offloaded to the GPU. Defaults to `"auto"` (node-llama-cpp fits them to free VRAM); 0 on CPU. */
    gpuLayers?: number | "auto" | "max";
    /** Decode threads. Defaults to the physical core count (see `physicalCoreCount`). */
    threads?: number;
    /** Prompt tokens per llama_decode call. Defaults to `512` (or the context size if smaller). */
    batchSize?: number;
    /** Defaults to llama.cpp's choice (on where supported). */
    flashAttention?: boolean;
    /** KV cache type for keys, a ggml type name such as `"F16"` or `"Q8_0"`. Defaults to `"F16"`. */
    cacheTypeK?: string;
    /** KV cache type for values. Defaults to `"F16"`. */
    cacheTypeV?: string;
    /** Generations that may run at once (context sequences). Defaults to `1`. */
    parallel?: number;
    /**
     * Memory-map the weights (`true`, llama.cpp's `--mmap`) or read them into memory (`false`,
     * `--no-mmap`). Defaults to node-llama-cpp's `"auto"` (mapped where the system supports it).
     * The planner's `loading.mmap` says which is faster on this machine.
     */
    mmap?: boolean;
    /** Pin the weights in RAM so the OS never pages them out (`--mlock`). Defaults to `false`. */
    mlock?: boolean;
    /** Aborts loading. */
    signal?: AbortSignal;
}

export type LoadModelEvent =
    | {type: "progress", fraction: number}
    | {type: "loaded", model: LlamaLoadedModel};

/** Loads a GGUF, yielding load progress and, last, the model. `loadModel()` drains it. */
export async function* loadModelIter(options: LoadModelOptions): AsyncGenerator<LoadModelEvent, void, void> {
    const started = performance.now();
    const {path} = options;
    if (!existsSync(path)) throw new ModelLoadError(path, "no such file", {hint: "give a path to a .gguf file or a pulled model's name (`r1 ls`)"});
    const contextRequest = options.contextSize;
    if (contextRequest !== undefined && !(Number.isInteger(contextRequest) && contextRequest >= MIN_CONTEXT_SIZE && contextRequest <= MAX_CONTEXT_SIZE))
        throw new ModelLoadError(path, `context size ${contextRequest} is not between ${MIN_CONTEXT_SIZE} and ${MAX_CONTEXT_SIZE}`, {hint: "pass -c with a token count such as 4096"});
    const parallel = options.parallel ?? 1;
    if (!(Number.isInteger(parallel) && parallel >= 1 && parallel <= MAX_PARALLEL_SEQUENCES))
        throw new ModelLoadError(path, `parallel ${parallel} is not between 1 and ${MAX_PARALLEL_SEQUENCES}`);

    // node-llama-cpp costs ~0.5–0.8 s to import; loading it here, not at module load, keeps every
    // command that merely shares this module's constants (`r1 plan`, `r1 --help`) fast.
    const [{getLlamaRuntime, takeLastLlamaError}, {LlamaLoadedModel}] = await Promise.all([import("./getLlamaRuntime.js"), import("./LlamaLoadedModel.js")]);
    const llama = await getLlamaRuntime();
    const threads = options.threads ?? physicalCoreCount();
    if (threads > llama.maxThreads) llama.maxThreads = threads;

    const progress: number[] = [];
    let wake: (() => void) | undefined;
    let settled = false;
    const loading = llama.loadModel({
        modelPath: path,
        gpuLayers: llama.gpu === false ? 0 : options.gpuLayers ?? "auto",
        defaultContextFlashAttention: options.flashAttention ?? "auto",
        ...(options.mmap === undefined ? {} : {useMmap: options.mmap}),
        ...(options.mlock === undefined ? {} : {useMlock: options.mlock}),
        ...(options.signal === undefined ? {} : {loadSignal: options.signal}),
        onLoadProgress: (fraction) => {
            progress.push(fraction);
            wake?.();
        }
    }).finally(() => {
        settled = true;
        wake?.();
    });
    loading.catch(() => {});
    while (!settled) {
        await new Promise<void>((resolve) => {
            wake = resolve;
            if (settled || progress.length > 0) resolve();
        });
        wake = undefined;
        for (const fraction of progress.splice(0)) yield {type: "progress", fraction};
    }
    let model: LlamaModel;
    try {
        model = await loading;
    } catch (error) {
        throw explainLoadFailure(path, error, takeLastLlamaError());
    }

    const contextSize = contextRequest ?? defaultContextSize(model.trainContextSize);
    try {
        const context = await model.createContext({
            contextSize,
            sequences: parallel,
            threads,
            ...(options.batchSize === undefined ? {} : {batchSize: options.batchSize}),
            ...(options.flashAttention === undefined ? {} : {flashAttention: options.flashAttention}),
            ...(options.cacheTypeK === undefined ? {} : {experimentalKvCacheKeyType: options.cacheTypeK.toUpperCase() as "F16"}),
            ...(options.cacheTypeV === undefined ? {} : {experimentalKvCacheValueType: options.cacheTypeV.toUpperCase() as "F16"}),
            ...(options.signal === undefined ? {} : {createSignal: options.signal})
        });
        yield {type: "loaded", model: new LlamaLoadedModel({path, model, context, threads, gpu: llama.gpu, loadMs: performance.now() - started,
            ...(options.mlock === undefined ? {} : {mlock: options.mlock})})};
    } catch (error) {
        await model.dispose();
        throw explainLoadFailure(path, error, takeLastLlamaError());
    }
}

/** Loads a GGUF with the given (or default) placement. See `loadModelIter` for progress. */
export async function loadModel(options: LoadModelOptions): Promise<LlamaLoadedModel> {
    for await (const event of loadModelIter(options)) if (event.type === "loaded") return event.model;
    throw new ModelLoadError(options.path, "loading ended without a model");
}

function explainLoadFailure(path: string, error: unknown, llamaError: string | undefined): ModelLoadError {
    if (error instanceof ModelLoadError) return error;
    const detail = llamaError ?? (error instanceof Error ? error.message : String(error));
    const memory = /memory|alloc|VRAM/i.test(detail);
    return new ModelLoadError(path, detail.replace(/\s+/g, " "), {
        cause: error,
        ...(memory ? {hint: "try a smaller context (-c), fewer GPU layers (-ngl) or a smaller quant; `r1 plan` shows what fits"} : {})
    });
}
