import type {Architecture} from "../catalog/index.js";
import {typeRates, type BackendProbe} from "./engineProbe.js";
import type {AmountsByType} from "./modelWeights.js";

/**
 * Seconds one generated token spends on these weights on a probed backend: the larger of
 * reading the bytes at the fastest rate the engine reached (memory bandwidth) and working
 * through each type at its own measured rate (dequantize and dot), `rateFactor` scaling the
 * rates (the measured memory-mapped ÷ in-memory ratio when the weights are mmapped).
 */
export function probedWeightSeconds(amounts: AmountsByType, probe: BackendProbe, rateFactor = 1): number {
    let bytes = 0;
    let perType = 0;
    for (const [type, amount] of Object.entries(amounts)) {
        bytes += amount.bytes;
        perType += amount.bytes / (typeRates(probe, type).decodeBytesPerSecond * rateFactor);
    }
    return Math.max(bytes / (fastestDecodeRate(probe) * rateFactor), perType);
}

/** The fastest weight-read rate the probe saw on this backend: the memory bandwidth the engine reaches. */
export function fastestDecodeRate(probe: BackendProbe): number {
    return Math.max(...Object.values(probe.types).map((r) => r.decodeBytesPerSecond));
}

/** Matmul seconds of one prompt micro-batch of `tokens` over these weights on a probed backend. */
export function probedPromptSeconds(amounts: AmountsByType, tokens: number, probe: BackendProbe): number {
    let seconds = 0;
    for (const [type, amount] of Object.entries(amounts)) seconds += 2 * amount.params * tokens / typeRates(probe, type).promptFlopsPerSecond;
    return seconds;
}

/**
 * Attention units per layer for one token at `depth` cached positions: query heads × positions ×
 * the width each head attends over (head_dim for GQA; the 512-wide latent plus rope part for MLA).
 */
export function attentionUnitsPerLayer(architecture: Architecture, depth: number): number {
    const width = architecture.kind === "dense" ? architecture.headDim : architecture.kvLoraRank + architecture.qkRopeHeadDim;
    return architecture.heads * width * Math.max(0, depth);
}

/**
 * Prompt FLOP/s at `hiddenSize` ÷ at the rate models' width, from the probe's points: linear in
 * log(width) between them, the nearest point's factor outside (1 without points: older probes).
 */
export function promptWidthFactor(probe: BackendProbe, hiddenSize: number): number {
    const points = [...(probe.promptWidthFactors ?? [])].sort((a, b) => a.hiddenSize - b.hiddenSize);
    if (points.length === 0) return 1;
    if (hiddenSize <= points[0]!.hiddenSize) return points[0]!.factor;
    if (hiddenSize >= points.at(-1)!.hiddenSize) return points.at(-1)!.factor;
    const upper = points.findIndex((p) => p.hiddenSize >= hiddenSize);
    const lo = points[upper - 1]!, hi = points[upper]!;
    const t = Math.log(hiddenSize / lo.hiddenSize) / Math.log(hi.hiddenSize / lo.hiddenSize);
    return lo.factor + t * (hi.factor - lo.factor);
}

/** Adds amounts per type (`scale` for the active share of routed experts). */
export function addAmounts(into: Record<string, {bytes: number, params: number}>, amounts: AmountsByType, scale = 1): void {
    for (const [type, amount] of Object.entries(amounts)) {
        const previous = into[type] ?? {bytes: 0, params: 0};
        into[type] = {bytes: previous.bytes + amount.bytes * scale, params: previous.params + amount.params * scale};
    }
}

/**
 * Seconds to a reasoning model's answer: the prompt at prompt speed, then the reasoning and the
 * answer one token at a time, each token as slow as its depth makes it. `secondsPerTokenAt(d)` is
 * the model's time per token at depth d; it is linear in d, so the mean over the generated tokens
 * is its value at the middle depth.
 */
export function secondsToAnswer(options: {promptTokens: number, promptTokensPerSecond: number, generatedTokens: number,
    secondsPerTokenAt: (depth: number) => number}): number {
    const {promptTokens, generatedTokens} = options;
    const prompt = promptTokens > 0 ? promptTokens / options.promptTokensPerSecond : 0;
    return prompt + generatedTokens * options.secondsPerTokenAt(promptTokens + generatedTokens / 2);
}
