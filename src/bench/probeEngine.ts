import {mkdir, mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {GgmlType} from "../gguf/GgmlType.js";
import {machineFingerprint, type BackendProbe, type EngineProbe, type SpeedBackend, type TypeRates} from "../plan/index.js";
import type {HardwareProfile} from "../hardware/index.js";
import {loadModel} from "../engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../engine/embedded/LlamaLoadedModel.js";
import {R1Error} from "../util/R1Error.js";
import {fitDecodeRate, maxReadBytesPerSecond, MIN_WORK_SHARE} from "./fitDecodeRate.js";
import {probeModelDir, probeModelPath, probeModelSpecs, probeModelWeights, removeStaleProbeModels, writeProbeModel, type ProbeModelSpec} from "./probeModels.js";
import {percentile} from "./stats.js";

/**
 * The probe's budget: the issue's "≤ 60 s in all", writing its models included. Types not reached
 * in time fall back to the nearest measured one.
 */
export const DEFAULT_PROBE_BUDGET_SECONDS = 60;
/**
 * Decoded tokens per round after `DECODE_WARMUP_TOKENS`. Models compared with each other take
 * turns for `DECODE_ROUNDS` rounds, and the median of the pooled per-token times counts: a stall
 * hits one token, not the figure, and a slow spell of the machine hits both models alike.
 */
const DECODE_TOKENS = 8;
const DECODE_WARMUP_TOKENS = 2;
const DECODE_ROUNDS = 3;
/**
 * Prompt tokens per prompt measurement: one micro-batch of the planner's default size (512, as
 * llama-bench's pp512 and `r1 bench`), well inside the context (a prompt filling its context runs
 * slower). With the 256-token batch of the probe before, the 7B's pp512 was predicted 21% slow.
 */
const PROMPT_TOKENS = 512;
const PROMPT_CONTEXT = 1024;
/**
 * A prompt batch that took less than this is timed a second time and the faster run counts: the
 * first batch of a context also faults in its compute buffer (+130 ms on the 1536-wide attention
 * model, 70% of its batch). Past it that cost is a few percent and a second run of a slow type
 * (Q3_K: ~20 s for the 7B-wide rate model here) would eat the probe's budget.
 */
const PROMPT_SECOND_RUN_BELOW_SECONDS = 1.5;
/** Positions cached before the depth measurement. Defaults to this. */
const ATTENTION_DEPTH = 1536;

export interface ProbeEngineOptions {
    readonly hardware: HardwareProfile;
    /** Probe models are written under `<r1Home>/cache/probe/` while they are measured, and deleted after. */
    readonly r1Home: string;
    /** Seconds for the whole probe. Defaults to `DEFAULT_PROBE_BUDGET_SECONDS`. */
    readonly budgetSeconds?: number;
    /** Weight types to measure. Defaults to `PROBE_TYPES`. */
    readonly types?: readonly GgmlType[];
    /** Decode threads. Defaults to the engine's (physical cores). */
    readonly threads?: number;
    /** Also measure memory-mapped against read-into-memory. Defaults to `true`. */
    readonly mmap?: boolean;
    /** The models to measure. Defaults to `probeModelSpecs(types)` (tests pass tiny ones). */
    readonly specs?: readonly ProbeModelSpec[];
    /** Cached positions for the depth measurement. Defaults to 1536. */
    readonly attentionDepth?: number;
    readonly signal?: AbortSignal;
}

export type ProbeEngineEvent =
    | {type: "writing", model: string}
    | {type: "measured", backend: SpeedBackend, what: string, detail: string}
    | {type: "skipped", backend: SpeedBackend, what: string, reason: string};

/**
 * `r1 hw --probe`: measures the real engine (node-llama-cpp, the embedded engine) on every backend
 * present — the CPU, and the GPU its runtime uses — with synthetic models written for the run and
 * deleted after it (a type's pair as soon as it is measured: at most ~2 GB on disk at a time): per
 * weight type the bytes/s decode reaches at batch 1 and the FLOP/s of a prompt batch, how that
 * prompt rate changes at the 1.5B's width, the fixed and per-layer overheads per token, the cost of
 * attention per cached position, and (CPU) memory-mapped against read-into-memory decode. Returns
 * the `EngineProbe` the planner reads (the caller saves it). Timing assertions are not made here: a
 * busy machine measures low.
 */
export async function* probeEngineIter(options: ProbeEngineOptions): AsyncGenerator<ProbeEngineEvent, EngineProbe, void> {
    const specs = options.specs ?? probeModelSpecs(options.types);
    const depth = options.attentionDepth ?? ATTENTION_DEPTH;
    const attentionSpec = specs.find((s) => s.role === "attention");
    const overheadSpecs = specs.filter((s) => s.role === "overhead").sort((a, b) => a.architecture.layers - b.architecture.layers);
    const rateTypes = [...new Set(specs.filter((s) => s.role === "rate").map((s) => s.type))];
    const widthSpec = specs.find((s) => s.role === "width");
    if (attentionSpec === undefined || overheadSpecs.length < 2 || (widthSpec !== undefined && widthSpec.type !== rateTypes[0]))
        throw new RangeError("probe models need two overhead models, rate models, an attention model, and a width model of the first rate type if any");
    const load = {average: os.loadavg()[0] ?? 0, cores: os.availableParallelism()};
    const started = performance.now();
    const budgetMs = (options.budgetSeconds ?? DEFAULT_PROBE_BUDGET_SECONDS) * 1000;
    const overBudget = () => performance.now() - started > budgetMs;
    const probeDir = probeModelDir(options.r1Home);
    await mkdir(probeDir, {recursive: true});
    await removeStaleProbeModels(probeDir);
    const dir = await mkdtemp(path.join(probeDir, "run-"));
    try {
        const write = async function* (spec: ProbeModelSpec): AsyncGenerator<ProbeEngineEvent, void, void> {
            yield {type: "writing", model: spec.name};
            await writeProbeModel(spec, probeModelPath(dir, spec));
        };
        for (const spec of [...overheadSpecs, attentionSpec]) yield* write(spec);
        const {getLlamaRuntime} = await import("../engine/embedded/getLlamaRuntime.js");
        const llama = await getLlamaRuntime();
        const backends: SpeedBackend[] = ["cpu", ...(llama.gpu === false ? [] : [llama.gpu as SpeedBackend])];
        const result: Partial<Record<SpeedBackend, BackendProbe>> = {};
        let threads = 0;
        for (const backend of backends) {
            const loadSpec = (spec: ProbeModelSpec, mmap: boolean, contextSize: number) => loadModel({
                path: probeModelPath(dir, spec), contextSize, gpuLayers: backend === "cpu" ? 0 : "max", mmap,
                ...(options.threads === undefined ? {} : {threads: options.threads}), ...(options.signal === undefined ? {} : {signal: options.signal})
            });
            // The width model is written, timed in turns with the first type's rate model (width, rate,
            // width: a slow spell hits both; one run each swung the factor 0.65–0.98) and deleted.
            const measureWidth = async function* (spec: ProbeModelSpec, rateModel: LlamaLoadedModel): AsyncGenerator<ProbeEngineEvent, {width: number, rate: number}, void> {
                try {
                    yield* write(spec);
                    const model = await loadSpec(spec, false, PROMPT_CONTEXT);
                    try {
                        const width = await promptSeconds(model);
                        const rate = await promptSeconds(rateModel);
                        return {width: Math.min(width, await promptSeconds(model)), rate};
                    } finally {
                        await model.dispose();
                    }
                } finally {
                    await rm(probeModelPath(dir, spec), {force: true});
                }
            };
            // Overheads: t(L) = perToken + L × perLayer on models whose weights are negligible, loaded
            // together and measured in turns.
            const overheadModels: LlamaLoadedModel[] = [];
            let overheadDecode: number[], perBatch: number;
            try {
                for (const spec of overheadSpecs) overheadModels.push(await loadSpec(spec, false, PROMPT_CONTEXT));
                threads = overheadModels[0]!.info.threads ?? threads;
                overheadDecode = await decodeInTurns(overheadModels);
                perBatch = await promptSeconds(overheadModels[0]!);
            } finally {
                for (const model of overheadModels) await model.dispose();
            }
            const fewLayers = overheadSpecs[0]!.architecture.layers, manyLayers = overheadSpecs.at(-1)!.architecture.layers;
            const perLayer = Math.max(0, (overheadDecode.at(-1)! - overheadDecode[0]!) / (manyLayers - fewLayers));
            const perToken = Math.max(0, overheadDecode[0]! - perLayer * fewLayers);
            yield {type: "measured", backend, what: "overheads", detail: `${(perToken * 1e3).toFixed(2)} ms per token + ${(perLayer * 1e6).toFixed(1)} µs per layer`};

            // Attention: decode at depth 0 and at `depth` on a 1536-wide, 12-head model.
            let attentionSecondsPerUnit = 0;
            {
                const model = await loadSpec(attentionSpec, false, depth + 2 * (DECODE_TOKENS + DECODE_WARMUP_TOKENS) + 8);
                try {
                    const shallowMs: number[] = [], deepMs: number[] = [];
                    for (let round = 0; round < DECODE_ROUNDS; round++) {
                        shallowMs.push(...await decodeTokenMs(model, 0));
                        deepMs.push(...await decodeTokenMs(model, depth));
                    }
                    const shallow = percentile(shallowMs, 50) / 1000, deep = percentile(deepMs, 50) / 1000;
                    const a = attentionSpec.architecture;
                    attentionSecondsPerUnit = Math.max(0, (deep - shallow) / (a.layers * a.heads * a.headDim * depth));
                    yield {type: "measured", backend, what: "attention", detail: `${((deep - shallow) * 1e3).toFixed(2)} ms more per token at depth ${depth}`};
                } finally {
                    await model.dispose();
                }
            }

            // Weight rates per type: the slope between two models of the same widths (fitDecodeRate),
            // capped at the fastest read this backend's memory allows; prompt FLOP/s from the smaller.
            const gpu = backend === "cpu" ? undefined : options.hardware.gpus.find((g) => g.backend === backend);
            const maxRead = gpu === undefined ? maxReadBytesPerSecond(options.hardware.ram.bandwidthBytesPerSecond, options.hardware.ram.bandwidthSource)
                : maxReadBytesPerSecond(gpu.bandwidthBytesPerSecond, gpu.bandwidthSource);
            const types: Record<string, TypeRates> = {};
            let promptWidthFactors: {hiddenSize: number, factor: number}[] | undefined;
            let mmapRateRatio: number | undefined;
            let mmapMeasuredOn: string | undefined;
            for (const type of rateTypes) {
                const typeName = GgmlType[type]!;
                const pair = specs.filter((s) => s.role === "rate" && s.type === type).sort((a, b) => a.architecture.layers - b.architecture.layers);
                if (new Set(pair.map((s) => s.architecture.layers)).size < 2) throw new RangeError(`probe type ${typeName} needs rate models of two layer counts`);
                if (overBudget() && Object.keys(types).length > 0) {
                    yield {type: "skipped", backend, what: typeName, reason: "over the probe's time budget; the nearest measured type stands in"};
                    continue;
                }
                const weights = pair.map((spec) => probeModelWeights(spec));
                const models: LlamaLoadedModel[] = [];
                let decode: number[], prompt: number, widthPrompt: number | undefined;
                try {
                    for (const spec of pair) yield* write(spec);
                    for (const spec of pair) models.push(await loadSpec(spec, false, PROMPT_CONTEXT));
                    decode = await decodeInTurns(models);
                    // Only the smallest stays, for the prompt and the memory-mapped comparison.
                    for (const model of models.splice(1)) await model.dispose();
                    prompt = await promptSeconds(models[0]!);
                    if (widthSpec !== undefined && type === widthSpec.type) {
                        const turns = yield* measureWidth(widthSpec, models[0]!);
                        widthPrompt = turns.width;
                        prompt = Math.min(prompt, turns.rate);
                    }
                    // Memory-mapped against read into memory, once, alternated on the first type whose decode
                    // work stands out from the overheads (else the next type tries). Measured even over
                    // budget: it decides how r1 loads every model that fits in RAM.
                    if (backend === "cpu" && options.mmap !== false && mmapRateRatio === undefined) {
                        const ratio = await mmapRatio(() => loadSpec(pair[0]!, true, PROMPT_CONTEXT), models[0]!, perToken + perLayer * weights[0]!.layers);
                        if (ratio !== undefined) {
                            mmapRateRatio = ratio;
                            mmapMeasuredOn = typeName;
                        }
                    }
                } finally {
                    for (const model of models) await model.dispose();
                    for (const spec of pair) await rm(probeModelPath(dir, spec), {force: true});
                }
                const fit = fitDecodeRate({
                    times: weights.map((w, i) => ({layers: w.layers, bytes: w.bytes, seconds: decode[i]!})), perLayerOverheadSeconds: perLayer, perTokenOverheadSeconds: perToken,
                    ...(maxRead === undefined ? {} : {maxBytesPerSecond: maxRead})
                });
                const promptFlopsRate = promptFlopsPerSecond(pair[0]!, prompt, perBatch);
                if (widthSpec !== undefined && widthPrompt !== undefined) {
                    const factor = promptFlopsPerSecond(widthSpec, widthPrompt, perBatch) / promptFlopsRate;
                    promptWidthFactors = [{hiddenSize: widthSpec.architecture.hiddenSize, factor}, {hiddenSize: pair[0]!.architecture.hiddenSize, factor: 1}];
                    yield {type: "measured", backend, what: "prompt width", detail: `${widthSpec.architecture.hiddenSize}-wide layers process a prompt at ` +
                        `${Math.round(factor * 100)}% of the FLOP/s of ${pair[0]!.architecture.hiddenSize}-wide ones (${typeName})`};
                }
                const rates: TypeRates = {
                    decodeBytesPerSecond: fit.bytesPerSecond, promptFlopsPerSecond: promptFlopsRate,
                    decodeMethod: fit.method, ...(fit.capped ? {uncappedDecodeBytesPerSecond: fit.uncappedBytesPerSecond} : {})
                };
                types[typeName] = rates;
                yield {type: "measured", backend, what: typeName, detail: `decode ${(rates.decodeBytesPerSecond / 1e9).toFixed(1)} GB/s of weights ` +
                    `(${fit.method !== "whole" ? `${pair.map((s) => s.architecture.layers).join(" → ")} layers: ${(fit.slopeSeconds * 1e3).toFixed(1)} ms per layer, ` +
                        `${(fit.interceptSeconds * 1e3).toFixed(1)} ms per token besides${fit.method === "anchored" ? " (the free line's was negative: anchored at the overhead)" : ""}`
                        : "slope not positive: whole time of the larger model"}` +
                    `${fit.capped ? `; capped from ${(fit.uncappedBytesPerSecond / 1e9).toFixed(1)} GB/s at the memory's ${(maxRead! / 1e9).toFixed(1)}` : ""}), ` +
                    `prompt ${(rates.promptFlopsPerSecond / 1e9).toFixed(0)} GFLOP/s`};
                if (mmapMeasuredOn === typeName)
                    yield {type: "measured", backend, what: "mmap", detail: `memory-mapped decode at ${Math.round(mmapRateRatio! * 100)}% of read-into-memory (${typeName})`};
            }
            if (Object.keys(types).length === 0) throw new ProbeFailedError(backend);
            result[backend] = {
                threads, types, perTokenOverheadSeconds: perToken, perLayerOverheadSeconds: perLayer, perBatchOverheadSeconds: perBatch,
                attentionSecondsPerUnit, ...(promptWidthFactors === undefined ? {} : {promptWidthFactors}), ...(mmapRateRatio === undefined ? {} : {mmapRateRatio, mmapMeasuredOn}),
                ...(maxRead === undefined ? {} : {maxReadBytesPerSecond: maxRead})
            };
        }
        return {
            version: 1, machine: machineFingerprint(options.hardware), measuredAt: new Date().toISOString(), engine: "node-llama-cpp 3.21.1",
            seconds: (performance.now() - started) / 1000, load, backends: result
        };
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

/** Matmul FLOP/s of a prompt batch that took `seconds` on a probe model, the per-batch overhead taken off. */
function promptFlopsPerSecond(spec: ProbeModelSpec, seconds: number, perBatchSeconds: number): number {
    return 2 * probeModelWeights(spec).params * PROMPT_TOKENS / Math.max(MIN_WORK_SHARE * seconds, seconds - perBatchSeconds);
}

/** No weight type could be measured on a backend. */
export class ProbeFailedError extends R1Error {
    constructor(readonly backend: string) {
        super(`the engine probe measured no weight type on ${backend} within its time budget`, {hint: "rerun `r1 hw --probe` when the machine is less busy"});
    }
}

/** `probeEngineIter` drained. */
export async function probeEngine(options: ProbeEngineOptions): Promise<EngineProbe> {
    const iterator = probeEngineIter(options);
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return step.value;
    }
}

/**
 * Median seconds per decoded token of each model, the models taking turns (`DECODE_ROUNDS` rounds
 * of `DECODE_TOKENS` tokens each after `DECODE_WARMUP_TOKENS`), after `depth` cached positions.
 */
async function decodeInTurns(models: readonly LlamaLoadedModel[], depth = 0): Promise<number[]> {
    const tokenMs: number[][] = models.map(() => []);
    for (let round = 0; round < DECODE_ROUNDS; round++)
        for (const [i, model] of models.entries()) tokenMs[i]!.push(...await decodeTokenMs(model, depth));
    return tokenMs.map((ms) => percentile(ms, 50) / 1000);
}

/** Per-token milliseconds of one greedy decode after `depth` cached positions, warm-up tokens dropped (as `r1 bench`'s tg). */
async function decodeTokenMs(model: LlamaLoadedModel, depth: number): Promise<number[]> {
    const sequence = model.acquireSequence();
    try {
        await sequence.clearHistory();
        if (depth > 0) await sequence.evaluateWithoutGeneratingNewTokens(fillTokens(depth));
        const tokenMs = await timeTokens(sequence, 2 as Token, DECODE_WARMUP_TOKENS + DECODE_TOKENS);
        return tokenMs.slice(DECODE_WARMUP_TOKENS);
    } finally {
        model.releaseSequence(sequence);
    }
}

/** Seconds of a prompt batch of `PROMPT_TOKENS` into an empty cache: the faster of two when the first was quick. */
async function promptSeconds(model: LlamaLoadedModel): Promise<number> {
    const sequence = model.acquireSequence();
    try {
        const times: number[] = [];
        do {
            await sequence.clearHistory();
            const t0 = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(fillTokens(PROMPT_TOKENS));
            times.push((performance.now() - t0) / 1000);
        } while (times.length < 2 && times[0]! < PROMPT_SECOND_RUN_BELOW_SECONDS);
        return Math.min(...times);
    } finally {
        model.releaseSequence(sequence);
    }
}

/**
 * Decode rate memory-mapped ÷ read into memory: the mapped copy loaded beside the read one, the two
 * measured in turns, medians compared after the fixed overheads are taken off.
 */
async function mmapRatio(loadMapped: () => Promise<LlamaLoadedModel>, read: LlamaLoadedModel, overheadSeconds: number): Promise<number | undefined> {
    const mapped = await loadMapped();
    try {
        const [mappedSeconds, readSeconds] = await decodeInTurns([mapped, read]) as [number, number];
        const mappedWork = mappedSeconds - overheadSeconds;
        const readWork = readSeconds - overheadSeconds;
        return mappedWork > 0 && readWork > 0 ? readWork / mappedWork : undefined;
    } finally {
        await mapped.dispose();
    }
}

/** Token ids of the probe's 512-token generated vocabulary, skipping the special ones. */
function fillTokens(count: number): Token[] {
    return Array.from({length: count}, (_, i) => (3 + i % 500) as Token);
}

/** Greedy decode from `first`, continuing the sequence's history, each token timed (ms). */
async function timeTokens(sequence: LlamaContextSequence, first: Token, count: number): Promise<number[]> {
    const tokenMs: number[] = [];
    let last = performance.now();
    const iterator = sequence.evaluate([first], {temperature: 0, yieldEogToken: true});
    try {
        for (let i = 0; i < count; i++) {
            const step = await iterator.next();
            if (step.done === true) break;
            const now = performance.now();
            tokenMs.push(now - last);
            last = now;
        }
    } finally {
        await iterator.return();
    }
    return tokenMs;
}
