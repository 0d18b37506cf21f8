import {MIN_WORK_SHARE} from "./fitDecodeRate.js";

/** One timed prompt micro-batch on a probe model, and the work in it. */
export interface PromptTime {
    /** Seconds for the micro-batch (the fastest of its runs). */
    readonly seconds: number;
    /** Matmul FLOPs: 2 per weight per prompt token (every 2-D weight but the token embeddings). */
    readonly flops: number;
    /**
     * Attention units of the batch: layers × query heads × head width × Σ positions attended
     * (T(T+1)/2 for T tokens into an empty cache).
     */
    readonly attentionUnits: number;
}

export interface PromptRatesFit {
    /** Matmul FLOP/s of the rate model's type. */
    readonly flopsPerSecond: number;
    /** Seconds per attention unit while processing a prompt (everything in a layer besides its matmuls, by head). */
    readonly attentionSecondsPerUnit: number;
}

/**
 * Splits prompt time into matmuls and the rest of each layer, from two models of one weight type:
 * a wide rate model whose time is mostly matmul work, and an attention model (many heads, tiny
 * FFN) whose time is mostly the rest — QK and PV, softmax, norms, rope, activations, all of which
 * grow with the heads. Each time is `perBatch + flops ÷ F + units × c`; two equations give F and c.
 * A prompt rate measured on one width and applied per FLOP to another was off by a third between
 * the 7B's and the 1.5B's widths (bench/RESULTS.md): their matmuls share a rate, the rest does not
 * shrink with the weights. When noise makes c negative it is 0 (all time is matmul); matmul work
 * is never less than `MIN_WORK_SHARE` of the rate model's time.
 */
export function fitPromptRates(options: {perBatchSeconds: number, rate: PromptTime, attention: PromptTime}): PromptRatesFit {
    const a = Math.max(0, options.perBatchSeconds);
    const r = options.rate, m = options.attention;
    const tr = Math.max(0, r.seconds - a), tm = Math.max(0, m.seconds - a);
    if (!(r.flops > 0) || !(tr > 0)) throw new RangeError("a prompt rate needs a rate model with matmul work and a positive time");
    const det = m.flops * r.attentionUnits - r.flops * m.attentionUnits;
    let inverseRate = det !== 0 ? (tm * r.attentionUnits - tr * m.attentionUnits) / det : tr / r.flops;
    let perUnit = det !== 0 ? (m.flops * tr - r.flops * tm) / det : 0;
    if (!(perUnit >= 0)) {
        perUnit = 0;
        inverseRate = tr / r.flops;
    }
    const floor = MIN_WORK_SHARE * tr / r.flops;
    if (!(inverseRate >= floor)) {
        inverseRate = floor;
        perUnit = r.attentionUnits > 0 ? Math.max(0, (tr - r.flops * inverseRate) / r.attentionUnits) : 0;
    }
    return {flopsPerSecond: 1 / inverseRate, attentionSecondsPerUnit: perUnit};
}

/** FLOP/s of another type's rate model, its attention costed at the fitted per-unit rate. */
export function promptFlopsPerSecond(options: {perBatchSeconds: number, time: PromptTime, attentionSecondsPerUnit: number}): number {
    const t = Math.max(0, options.time.seconds - Math.max(0, options.perBatchSeconds));
    const work = Math.max(MIN_WORK_SHARE * t, t - options.time.attentionUnits * options.attentionSecondsPerUnit);
    if (!(options.time.flops > 0) || !(work > 0)) throw new RangeError("a prompt rate needs matmul work and a positive time");
    return options.time.flops / work;
}
