import {allVariants, type Variant} from "../catalog/index.js";
import type {HardwareProfile} from "../hardware/index.js";
import type {Calibration} from "./calibration.js";
import type {EngineProbe} from "./engineProbe.js";
import type {KvCacheType} from "./kvCache.js";
import {planModel} from "./planModel.js";
import {typicalReasoningLength, type RecordedReasoningLengths} from "./reasoningLength.js";
import {subjectVariant, type ModelPlan} from "./types.js";

/** Quants `r1 plan` lists per variant when not asked for all: the useful steps, not every file. */
export const TABLE_QUANTS_DENSE = ["Q8_0", "Q6_K", "Q4_K_M", "Q3_K_M"] as const;
export const TABLE_QUANTS_MOE = ["Q4_K_M", "IQ4_XS", "UD-Q2_K_XL", "UD-IQ1_S"] as const;

// Points subtracted from a variant's AIME 2024 score to rank its quants against other variants.
// A heuristic ordering, not a measurement: K-quants ≥ Q5 are within noise of the original;
// Q3/Q2 lose noticeably on dense models; the 671B tolerates low bits better (Unsloth).
const QUANT_PENALTY: Readonly<Record<string, number>> = {
    F16: 0, Q8_0: 0, Q6_K: 0, Q5_K_M: 0.5, Q4_K_M: 1, IQ4_XS: 1.5, Q3_K_M: 4, Q2_K: 10,
    "UD-Q2_K_XL": 3, "UD-IQ2_XXS": 5, "UD-IQ1_M": 8, "UD-IQ1_S": 10
};

/** A rough quality score for ranking candidates: AIME 2024 pass@1 minus a per-quant penalty. */
export function qualityScore(variant: Variant, quant: string): number {
    return variant.scores.aime2024 - (QUANT_PENALTY[quant] ?? 10);
}

/** `qualityScore` of a plan; a file that is no catalog variant ranks last. */
function planQuality(plan: ModelPlan): number {
    const variant = subjectVariant(plan.subject);
    return variant === undefined ? -Infinity : qualityScore(variant, plan.quant);
}

export interface PlanAllOptions {
    readonly hardware: HardwareProfile;
    /** Defaults to 8192. */
    readonly contextSize?: number;
    /** Every quant of every variant instead of the table's selection. Defaults to `false`. */
    readonly allQuants?: boolean;
    /** Only these quants (variants that lack all of them are skipped). Defaults to the table's selection. */
    readonly quants?: readonly string[];
    /** Only these variants. Defaults to all. */
    readonly variants?: readonly Variant[];
    /** Defaults to `"f16"`. */
    readonly kvCacheType?: KvCacheType;
    /** Defaults to `1`. */
    readonly parallelSequences?: number;
    /** See `PlanModelOptions.expertOffload`. Defaults to `false`. */
    readonly expertOffload?: boolean;
    readonly calibration?: Calibration;
    /** See `PlanSettings.probe`. */
    readonly probe?: EngineProbe;
    /** Tokens already in the context when generating. Defaults to `0`. */
    readonly depth?: number;
    /** `r1 eval`'s recorded lengths for the time to an answer. Defaults to the published figures. */
    readonly recordedReasoning?: RecordedReasoningLengths;
}

export interface PlanRecommendation {
    /** Best quality among the usable (≥ 30 tok/s) candidates. */
    readonly bestUsable?: ModelPlan;
    /** Best quality among what fits in memory (GPU, RAM or both; not streamed from disk). */
    readonly bestThatRuns?: ModelPlan;
    /** One or two sentences for people. */
    readonly summary: string;
}

export interface PlanAllResult {
    readonly candidates: readonly ModelPlan[];
    readonly recommendation: PlanRecommendation;
}

/** Plans every variant × (sensible) quant on one machine and recommends one. Pure and fast (< 0.5 s). */
export function planAll(options: PlanAllOptions): PlanAllResult {
    const candidates: ModelPlan[] = [];
    for (const variant of options.variants ?? allVariants()) {
        const quants = options.quants !== undefined ? options.quants.filter((q) => variant.quants.includes(q))
            : options.allQuants === true ? variant.quants
                : (variant.architecture.kind === "moe" ? TABLE_QUANTS_MOE : TABLE_QUANTS_DENSE).filter((q) => variant.quants.includes(q));
        for (const quant of quants) {
            candidates.push(planModel({
                variant, quant, hardware: options.hardware, contextSize: options.contextSize, calibration: options.calibration,
                reasoningLength: typicalReasoningLength(variant, options.recordedReasoning),
                ...(options.probe === undefined ? {} : {probe: options.probe}),
                ...(options.depth === undefined ? {} : {depth: options.depth}),
                ...(options.kvCacheType === undefined ? {} : {kvCacheType: options.kvCacheType}),
                ...(options.parallelSequences === undefined ? {} : {parallelSequences: options.parallelSequences}),
                ...(options.expertOffload === undefined ? {} : {expertOffload: options.expertOffload})
            }));
        }
    }
    return {candidates, recommendation: recommend(candidates)};
}

/** Picks the best-quality usable candidate and the best-quality one that runs at all. */
export function recommend(candidates: readonly ModelPlan[]): PlanRecommendation {
    const best = (list: ModelPlan[]): ModelPlan | undefined => list.reduce<ModelPlan | undefined>((b, p) => {
        if (b === undefined) return p;
        const d = planQuality(p) - planQuality(b);
        return d > 0 || (d === 0 && p.predicted.generationTokensPerSecond > b.predicted.generationTokensPerSecond) ? p : b;
    }, undefined);
    const bestUsable = best(candidates.filter((p) => p.verdict === "usable"));
    const bestThatRuns = best(candidates.filter((p) => p.fits && p.verdict !== "too-slow" && p.placement !== "disk"));
    const name = (p: ModelPlan): string => {
        const rate = p.predicted.generationTokensPerSecond;
        return `${p.model}:${p.quant} (~${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} tok/s, ${p.placement === "gpu" ? "on GPU" : p.placement === "cpu" ? "in RAM" : "GPU + RAM"})`;
    };
    let summary: string;
    if (bestUsable === undefined && bestThatRuns === undefined) summary = "Nothing in the R1 family fits in this machine's memory.";
    else if (bestUsable === undefined) summary = `Nothing is usably fast (≥ 30 tok/s) here; the best that fits is ${name(bestThatRuns!)}.`;
    else if (bestThatRuns === undefined || bestThatRuns === bestUsable) summary = `Use ${name(bestUsable)}.`;
    else summary = `Use ${name(bestUsable)}. Higher quality that fits but is slower: ${name(bestThatRuns)}.`;
    return {...(bestUsable === undefined ? {} : {bestUsable}), ...(bestThatRuns === undefined ? {} : {bestThatRuns}), summary};
}
