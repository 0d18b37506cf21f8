import {findVariant, resolveModelName, VARIANTS, type Variant} from "../catalog/index.js";
import type {BenchmarkName} from "./EvalProblem.js";

/** DeepSeek's published pass@1 for the variant a model name denotes, for the side-by-side report. */
export interface PublishedScore {
    variant: string;
    /** Quant of the served file when the name tells it (`Q4_K_M`), else absent. */
    quant?: string;
    /** pass@1 in percent. */
    score: number;
    /** Model card and protocol the score comes from. */
    source: string;
}

/** The catalog variant (and quant) a model name denotes: an r1 name, an Ollama alias or a served file name. */
export function variantOf(model: string): {variant: Variant, quant?: string} | undefined {
    try {
        const resolved = resolveModelName(model);
        return {variant: resolved.variant, quant: resolved.quant};
    } catch {
        // not a catalog name; try the weaker matches below
    }
    const exact = findVariant(model);
    if (exact !== undefined) return {variant: exact};
    // A served file name ("DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf"): the longest variant id inside it.
    const lower = model.toLowerCase();
    const inside = [...VARIANTS].sort((a, b) => b.id.length - a.id.length).find((v) => lower.includes(v.id));
    return inside === undefined ? undefined : {variant: inside};
}

/**
 * The published score of `model` (an r1 name, an Ollama alias or a file name) on `benchmark`;
 * `undefined` when the model is not a known R1 variant or DeepSeek did not report that benchmark.
 */
export function publishedScore(model: string, benchmark: BenchmarkName | undefined): PublishedScore | undefined {
    if (benchmark === undefined) return undefined;
    const found = variantOf(model);
    if (found === undefined) return undefined;
    const score = benchmark === "aime2024" ? found.variant.scores.aime2024 : found.variant.scores.math500;
    if (score === undefined) return undefined;
    return {variant: found.variant.name, score, source: found.variant.scores.source, ...(found.quant === undefined ? {} : {quant: found.quant})};
}
