import {existsSync} from "node:fs";
import os from "node:os";
import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {GgmlType} from "../gguf/GgmlType.js";
import {machineFingerprint, type BackendProbe, type EngineProbe, type SpeedBackend, type TypeRates} from "../plan/index.js";
import type {HardwareProfile} from "../hardware/index.js";
import {loadModel} from "../engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../engine/embedded/LlamaLoadedModel.js";
import {R1Error} from "../util/R1Error.js";
import {probeModelPath, probeModelSpecs, probeModelWeights, writeProbeModel, type ProbeModelSpec} from "./probeModels.js";
import {percentile} from "./stats.js";

/**
 * The probe's measuring budget: the "≤ 60 s in all" (writing the models, once per
 * R1_HOME, comes on top). Types not reached in time fall back to the nearest measured one.
 */
export const DEFAULT_PROBE_BUDGET_SECONDS = 60;
/** Decoded tokens per measurement after `DECODE_WARMUP_TOKENS`; the median per-token time counts (stalls do not). */
const DECODE_TOKENS = 16;
const DECODE_WARMUP_TOKENS = 3;
/** Prompt tokens per prompt measurement: one micro-batch, well inside the context (a prompt filling its context runs slower). */
const PROMPT_TOKENS = 256;
const PROMPT_CONTEXT = 1024;
/** Positions cached before the depth measurement. Defaults to this. */
const ATTENTION_DEPTH = 1536;
/**
 * Work (time minus the modelled overheads) is counted as at least this share of a measured time:
 * a stall in the overhead runs can make the subtraction near zero or negative, and a rate from
 * that would be absurd. The clamp gives a conservative (low) rate instead.
 */
const MIN_WORK_SHARE = 0.1;

export interface ProbeEngineOptions {
    readonly hardware: HardwareProfile;
    /** Where probe models are cached (`<r1Home>/cache/probe/`). */
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
 * present — the CPU, and the GPU its runtime uses — with small synthetic models written once into
 * the cache: per weight type the bytes/s decode reaches at batch 1 and the FLOP/s of a prompt
 * batch, the fixed and per-layer overheads per token, the cost of attention per cached position,
 * and (CPU) memory-mapped against read-into-memory decode. Returns the `EngineProbe` the planner
 * reads (the caller saves it). Timing assertions are not made here: a busy machine measures low.
 */
export async function* probeEngineIter(options: ProbeEngineOptions): AsyncGenerator<ProbeEngineEvent, EngineProbe, void> {
    const specs = options.specs ?? probeModelSpecs(options.types);
    const depth = options.attentionDepth ?? ATTENTION_DEPTH;
    for (const spec of specs) {
        const file = probeModelPath(options.r1Home, spec);
        if (existsSync(file)) continue;
        yield {type: "writing", model: spec.name};
        await writeProbeModel(spec, file);
    }
    const load = {average: os.loadavg()[0] ?? 0, cores: os.availableParallelism()};
    const started = performance.now();
    const budgetMs = (options.budgetSeconds ?? DEFAULT_PROBE_BUDGET_SECONDS) * 1000;
    const overBudget = () => performance.now() - started > budgetMs;
    const {getLlamaRuntime} = await import("../engine/embedded/getLlamaRuntime.js");
    const llama = await getLlamaRuntime();
    const backends: SpeedBackend[] = ["cpu", ...(llama.gpu === false ? [] : [llama.gpu as SpeedBackend])];
    const result: Partial<Record<SpeedBackend, BackendProbe>> = {};
    let threads = 0;
    for (const backend of backends) {
        const load = (spec: ProbeModelSpec, mmap: boolean, contextSize: number) => loadModel({
            path: probeModelPath(options.r1Home, spec), contextSize, gpuLayers: backend === "cpu" ? 0 : "max", mmap,
            ...(options.threads === undefined ? {} : {threads: options.threads}), ...(options.signal === undefined ? {} : {signal: options.signal})
        });
        // Overheads: t(L) = perToken + L × perLayer on models whose weights are negligible.
        const overheadSpecs = specs.filter((s) => s.role === "overhead");
        const overheadTimes: {layers: number, decode: number, prompt: number}[] = [];
        for (const spec of overheadSpecs) {
            const model = await load(spec, false, PROMPT_CONTEXT);
            try {
                threads = model.info.threads ?? threads;
                overheadTimes.push({layers: spec.architecture.layers, decode: await decodeSeconds(model, 0), prompt: await promptSeconds(model)});
            } finally {
                await model.dispose();
            }
        }
        const [few, many] = overheadTimes as [typeof overheadTimes[0], typeof overheadTimes[0]];
        const perLayer = Math.max(0, (many.decode - few.decode) / (many.layers - few.layers));
        const perToken = Math.max(0, few.decode - perLayer * few.layers);
        const perBatch = few.prompt;
        yield {type: "measured", backend, what: "overheads", detail: `${(perToken * 1e3).toFixed(2)} ms per token + ${(perLayer * 1e6).toFixed(1)} µs per layer`};

        // Attention: decode at depth 0 and at ATTENTION_DEPTH on a 1536-wide, 12-head model.
        let attentionSecondsPerUnit = 0;
        const attentionSpec = specs.find((s) => s.role === "attention")!;
        if (!overBudget()) {
            const model = await load(attentionSpec, false, depth + 2 * (DECODE_TOKENS + DECODE_WARMUP_TOKENS) + 8);
            try {
                const shallow = await decodeSeconds(model, 0);
                const deep = await decodeSeconds(model, depth);
                const a = attentionSpec.architecture;
                attentionSecondsPerUnit = Math.max(0, (deep - shallow) / (a.layers * a.heads * a.headDim * depth));
                yield {type: "measured", backend, what: "attention", detail: `${((deep - shallow) * 1e3).toFixed(2)} ms more per token at depth ${depth}`};
            } finally {
                await model.dispose();
            }
        }

        // Weight rates per type.
        const types: Record<string, TypeRates> = {};
        let mmapRateRatio: number | undefined;
        let mmapMeasuredOn: string | undefined;
        for (const spec of specs.filter((s) => s.role === "rate")) {
            const typeName = GgmlType[spec.type]!;
            if (overBudget() && Object.keys(types).length > 0) {
                yield {type: "skipped", backend, what: typeName, reason: "over the probe's time budget; the nearest measured type stands in"};
                continue;
            }
            const weights = probeModelWeights(spec);
            const model = await load(spec, false, PROMPT_CONTEXT);
            let decode: number, prompt: number;
            try {
                decode = await decodeSeconds(model, 0);
                prompt = await promptSeconds(model);
            } finally {
                await model.dispose();
            }
            const decodeWork = Math.max(MIN_WORK_SHARE * decode, decode - perToken - perLayer * weights.layers);
            const promptWork = Math.max(MIN_WORK_SHARE * prompt, prompt - perBatch);
            const rates: TypeRates = {decodeBytesPerSecond: weights.bytes / decodeWork, promptFlopsPerSecond: 2 * weights.params * PROMPT_TOKENS / promptWork};
            types[typeName] = rates;
            yield {type: "measured", backend, what: typeName, detail: `decode ${(rates.decodeBytesPerSecond / 1e9).toFixed(1)} GB/s of weights, ` +
                `prompt ${(rates.promptFlopsPerSecond / 1e9).toFixed(0)} GFLOP/s`};
            // Memory-mapped against read into memory, once, alternated on the first type whose decode
            // work stands out from the overheads (else the next type tries).
            // Measured even over budget: it decides how r1 loads every model that fits in RAM.
            if (backend === "cpu" && options.mmap !== false && mmapRateRatio === undefined) {
                const ratio = await mmapRatio(() => load(spec, true, PROMPT_CONTEXT), () => load(spec, false, PROMPT_CONTEXT),
                    perToken + perLayer * weights.layers);
                if (ratio !== undefined) {
                    mmapRateRatio = ratio;
                    mmapMeasuredOn = typeName;
                    yield {type: "measured", backend, what: "mmap", detail: `memory-mapped decode at ${Math.round(ratio * 100)}% of read-into-memory (${typeName})`};
                }
            }
        }
        if (Object.keys(types).length === 0) throw new ProbeFailedError(backend);
        result[backend] = {
            threads, types, perTokenOverheadSeconds: perToken, perLayerOverheadSeconds: perLayer, perBatchOverheadSeconds: perBatch,
            attentionSecondsPerUnit, ...(mmapRateRatio === undefined ? {} : {mmapRateRatio, mmapMeasuredOn})
        };
    }
    return {
        version: 1, machine: machineFingerprint(options.hardware), measuredAt: new Date().toISOString(), engine: "node-llama-cpp 3.21.1",
        seconds: (performance.now() - started) / 1000, load, backends: result
    };
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

/** Median seconds per decoded token after `depth` cached positions (greedy, one token at a time, as `r1 bench`'s tg). */
async function decodeSeconds(model: LlamaLoadedModel, depth: number): Promise<number> {
    const sequence = model.acquireSequence();
    try {
        await sequence.clearHistory();
        if (depth > 0) await sequence.evaluateWithoutGeneratingNewTokens(fillTokens(depth));
        const tokenMs = await timeTokens(sequence, 2 as Token, DECODE_WARMUP_TOKENS + DECODE_TOKENS);
        return percentile(tokenMs.slice(DECODE_WARMUP_TOKENS), 50) / 1000;
    } finally {
        model.releaseSequence(sequence);
    }
}

/** Faster of two prompt batches (after one warm-up) of `PROMPT_TOKENS` into an empty cache, seconds. */
async function promptSeconds(model: LlamaLoadedModel): Promise<number> {
    const sequence = model.acquireSequence();
    try {
        const times: number[] = [];
        for (let run = 0; run < 3; run++) {
            await sequence.clearHistory();
            const t0 = performance.now();
            await sequence.evaluateWithoutGeneratingNewTokens(fillTokens(PROMPT_TOKENS));
            if (run > 0) times.push((performance.now() - t0) / 1000);
        }
        return Math.min(...times);
    } finally {
        model.releaseSequence(sequence);
    }
}

/**
 * Decode rate memory-mapped ÷ read into memory: both loaded at once, measured in turns (three
 * each), medians compared after the fixed overheads are taken off.
 */
async function mmapRatio(loadMapped: () => Promise<LlamaLoadedModel>, loadRead: () => Promise<LlamaLoadedModel>,
    overheadSeconds: number): Promise<number | undefined> {
    const mapped = await loadMapped();
    try {
        const read = await loadRead();
        try {
            const m: number[] = [], r: number[] = [];
            for (let round = 0; round < 3; round++) {
                m.push(await decodeSeconds(mapped, 0));
                r.push(await decodeSeconds(read, 0));
            }
            const mappedWork = percentile(m, 50) - overheadSeconds;
            const readWork = percentile(r, 50) - overheadSeconds;
            return mappedWork > 0 && readWork > 0 ? readWork / mappedWork : undefined;
        } finally {
            await read.dispose();
        }
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
