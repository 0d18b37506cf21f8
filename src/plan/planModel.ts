import {DEFAULT_QUANT, findQuantOption, UnknownQuantError, type Architecture, type Variant} from "../catalog/index.js";
import {evaluateLayout, type Evaluation} from "./evaluateLayout.js";
import {candidateLayouts} from "./layouts.js";
import {modelWeights, type ModelWeights} from "./modelWeights.js";
import {createPlanContext, type PlanContext, type PlanSettings} from "./planContext.js";
import {publishedReasoningLength} from "./reasoningLength.js";
import {MIN_RUNNABLE_TOKENS_PER_SECOND, SLOW_TOKENS_PER_SECOND, USABLE_TOKENS_PER_SECOND} from "./speedConstants.js";
import {secondsToAnswer} from "./speedModel.js";
import {subjectVariant, type ModelPlan, type Placement, type PlanSubject, type TimeToAnswer, type Verdict} from "./types.js";

export type {PlanSettings} from "./planContext.js";

export interface PlanModelOptions extends PlanSettings {
    readonly variant: Variant;
    /** Quant name. Defaults to `Q4_K_M`. */
    readonly quant?: string;
}

/**
 * Plans one catalog variant × quant on a machine: memory per device (weights per layer, KV cache
 * for the context with GQA/MLA and the cache type, compute buffers, OS/driver reserves), the
 * placement (all on GPU; MoE experts in RAM with attention on GPU; partial offload; several GPUs;
 * RAM; memory-mapped from disk as the last resort), how to load the weights, and the predicted
 * speeds. Pure: no I/O.
 */
export function planModel(options: PlanModelOptions): ModelPlan {
    const {variant} = options;
    const known = findQuantOption(options.quant ?? DEFAULT_QUANT);
    if (known === undefined || !variant.quants.includes(known.name)) throw new UnknownQuantError(options.quant ?? "", variant.quants);
    return planWeights({
        ...options, subject: {kind: "catalog", variant}, architecture: variant.architecture, weights: modelWeights(variant, known.name),
        quant: known.name, qualityNote: known.qualityNote
    });
}

export interface PlanWeightsOptions extends PlanSettings {
    readonly subject: PlanSubject;
    readonly architecture: Architecture;
    /** Per-layer weights: `modelWeights()` for the catalog, `modelWeightsFromGguf()` for a file. */
    readonly weights: ModelWeights;
    /** Quant label. */
    readonly quant: string;
    readonly qualityNote: string;
}

/** Plans given weights (a catalog variant's or a real file's): the layouts, the fastest that fits, and the plan. Pure. */
export function planWeights(options: PlanWeightsOptions): ModelPlan {
    const ctx = createPlanContext(options.subject, options.architecture, options.weights, options);
    const evaluations = candidateLayouts(ctx, options.gpuLayers, options.expertOffload ?? false).map((layout) => evaluateLayout(ctx, layout)).filter((e) => e.fits);
    const inMemory = evaluations.filter((e) => !e.usesDisk);
    const pool = inMemory.length > 0 ? inMemory : evaluations;
    const best = pool.reduce<Evaluation | undefined>((b, e) => b === undefined || e.generation > b.generation ? e : b, undefined);
    const gpuCouldHold = evaluations.some((e) => e.layout.gpuLayerCount > 0 && !e.usesDisk);
    const reasoning = options.reasoningLength ?? (subjectVariant(options.subject) === undefined ? undefined : publishedReasoningLength(subjectVariant(options.subject)!));
    return toPlan(ctx, options, best, gpuCouldHold, reasoning);
}

/** The verdict for a predicted generation speed (tokens/s), given whether the model fits at all. */
export function verdictFor(generationTokensPerSecond: number, fits: boolean): Verdict {
    if (!fits) return "does-not-fit";
    if (generationTokensPerSecond < MIN_RUNNABLE_TOKENS_PER_SECOND) return "too-slow";
    if (generationTokensPerSecond >= USABLE_TOKENS_PER_SECOND) return "usable";
    if (generationTokensPerSecond >= SLOW_TOKENS_PER_SECOND) return "slow";
    return "technically-runs";
}

function placementOf(ctx: PlanContext, best: Evaluation, forced: number | undefined, gpuCouldHold: boolean): {placement: Placement, detail: string} {
    const {layout} = best;
    const n = ctx.architecture.layers;
    const gpuCount = best.devices.filter((d) => d.kind === "gpu").length;
    const onGpus = gpuCount > 1 ? ` over ${gpuCount} GPUs` : "";
    if (best.usesDisk) return {placement: "disk", detail: "weights memory-mapped; part re-read from disk every token"};
    if (layout.gpuLayerCount === 0) {
        return {placement: "cpu", detail: ctx.hardware.gpus.length === 0 || forced !== undefined ? "in RAM"
            : gpuCouldHold ? "in RAM (faster than offloading for a model this small)" : "in RAM (not one layer fits the GPU)"};
    }
    if (layout.gpuLayerCount === n && layout.outputOnGpu && layout.cpuMoeLayers === 0) return {placement: "gpu", detail: `all ${n + 1} layers on GPU${onGpus}`};
    if (layout.cpuMoeLayers > 0) return {placement: "partial", detail: `attention on GPU${onGpus}; experts of ${layout.cpuMoeLayers}/${n} layers in RAM`};
    return {placement: "partial", detail: `${layout.gpuLayerCount}/${n + 1} layers on GPU${onGpus}, rest in RAM`};
}

function toPlan(ctx: PlanContext, options: PlanWeightsOptions, best: Evaluation | undefined, gpuCouldHold: boolean,
    reasoning: {tokens: number, source: string} | undefined): ModelPlan {
    const n = ctx.architecture.layers;
    const notes: string[] = [];
    const model = ctx.subject.kind === "catalog" ? ctx.subject.variant.id : subjectVariant(ctx.subject)?.id ?? ctx.subject.name;
    const base = {model, subject: ctx.subject, architecture: ctx.architecture, quant: options.quant, contextSize: ctx.contextSize, qualityNote: options.qualityNote};
    if (best === undefined) {
        notes.push(options.gpuLayers === undefined ? "not even the KV cache and compute buffers fit in memory" : `${options.gpuLayers} GPU layers do not fit`);
        const weightsBytes = ctx.weights.fileBytes;
        const kv = ctx.kvPerLayer * n;
        return {
            ...base, placement: "none", placementDetail: "does not fit", gpuLayers: 0, cpuMoeLayers: 0, fits: false,
            memory: {weightsBytes, kvCacheBytes: kv, computeBytes: 0, totalBytes: weightsBytes + kv, fileBytes: ctx.weights.fileBytes},
            devices: [],
            predicted: {generationTokensPerSecond: 0, depth: ctx.depth, promptTokensPerSecond: 0, rooflineTokensPerSecond: 0,
                bytesPerToken: 0, overheadSeconds: 0, computeEfficiency: 0, calibrated: ctx.calibrated, source: ctx.calibrated ? "calibration" : "defaults"},
            loading: {mmap: true, mlock: false, reason: "nothing to load: it does not fit"},
            verdict: "does-not-fit", notes
        };
    }
    const {placement, detail} = placementOf(ctx, best, options.gpuLayers, gpuCouldHold);
    const {layout} = best;
    const verdict = verdictFor(best.generation, true);
    if (verdict === "too-slow") notes.push(`fits only by streaming from disk at ~${best.generation.toFixed(3)} tok/s: a reasoning chain would take days`);
    if (best.source === "defaults" && ctx.hardware.source === "detected")
        notes.push("unprobed: speeds come from default efficiency factors; `r1 plan --probe` (or `r1 hw --probe`) measures this machine with the engine");
    else if (best.source === "defaults" && ctx.hardware.ram.bandwidthSource === "assumed") notes.push("RAM bandwidth is assumed; `r1 hw --probe` measures it");
    const weightsBytes = best.devices.reduce((s, d) => s + d.weightsBytes, 0);
    const kvCacheBytes = best.devices.reduce((s, d) => s + d.kvCacheBytes, 0);
    const computeBytes = best.devices.reduce((s, d) => s + d.computeBytes, 0);
    const timeToAnswer = reasoning === undefined || verdict === "too-slow" ? undefined : answerTime(best, reasoning);
    if (timeToAnswer !== undefined && reasoning!.tokens > ctx.contextSize)
        notes.push(`a typical reasoning chain (${reasoning!.tokens.toLocaleString("en-US")} tokens) needs a context above ${ctx.contextSize.toLocaleString("en-US")}: it would be cut short (-c)`);
    return {
        ...base, placement, placementDetail: detail,
        gpuLayers: layout.gpuLayerCount + (layout.outputOnGpu ? 1 : 0),
        cpuMoeLayers: layout.cpuMoeLayers,
        fits: true,
        memory: {weightsBytes, kvCacheBytes, computeBytes, totalBytes: weightsBytes + kvCacheBytes + computeBytes, fileBytes: ctx.weights.fileBytes},
        devices: best.devices,
        predicted: {
            generationTokensPerSecond: best.generation, depth: ctx.depth, promptTokensPerSecond: best.prompt, rooflineTokensPerSecond: best.roofline,
            bytesPerToken: best.bytesPerToken, overheadSeconds: best.overhead,
            computeEfficiency: ctx.efficiency[best.backend].computeEfficiency, calibrated: ctx.calibrated, source: best.source
        },
        loading: best.loading,
        ...(timeToAnswer === undefined ? {} : {timeToAnswer}),
        verdict,
        notes
    };
}

/** A short question's wait: its generated tokens (thinking + answer) at the speed each depth allows. */
function answerTime(best: Evaluation, reasoning: {tokens: number, source: string}): TimeToAnswer {
    const promptTokens = 0;
    const seconds = secondsToAnswer({
        promptTokens, promptTokensPerSecond: best.prompt, generatedTokens: reasoning.tokens,
        secondsPerTokenAt: best.secondsPerTokenAt
    });
    return {reasoningTokens: reasoning.tokens, answerTokens: 0, promptTokens, seconds, source: reasoning.source};
}
