import {LlamaFileType} from "../gguf/LlamaFileType.js";

/** A quantization r1 offers: a plain llama.cpp file type or a dynamic (per-tensor recipe) mix. */
export interface QuantOption {
    /** Name as used in file names and on the command line (`Q4_K_M`, `UD-IQ1_S`). */
    readonly name: string;
    readonly kind: "standard" | "dynamic";
    /** `general.file_type` of a standard quant; for a dynamic one, the recipe decides. */
    readonly fileType?: LlamaFileType;
    /** Name of the `src/quant` recipe (`findQuantRecipe`) that reproduces a dynamic quant's layout. */
    readonly recipe?: string;
    /** Quality relative to full precision, in words. */
    readonly qualityNote: string;
    /** Rank for sorting and picking "best quality": higher is closer to the original. */
    readonly qualityRank: number;
}

// Quality notes: llama-quantize's own option table (tools/quantize/quantize.cpp QUANT_OPTIONS,
// perplexity increase on Llama-3-8B over F16), plus Unsloth's notes for the dynamic R1 quants
// (unsloth.ai/blog/deepseekr1-dynamic). Perplexity is a proxy: reasoning chains are long and
// small per-token errors compound, so the low-bit rows warrant an `r1 eval` before trusting them.
const options: readonly QuantOption[] = [
    {name: "F16", kind: "standard", fileType: LlamaFileType.MOSTLY_F16, qualityRank: 100,
        qualityNote: "full precision (+0.0020 ppl @ Mistral-7B)"},
    {name: "Q8_0", kind: "standard", fileType: LlamaFileType.MOSTLY_Q8_0, qualityRank: 90,
        qualityNote: "practically lossless (+0.0026 ppl @ Llama-3-8B)"},
    {name: "Q6_K", kind: "standard", fileType: LlamaFileType.MOSTLY_Q6_K, qualityRank: 80,
        qualityNote: "near-lossless (+0.0217 ppl @ Llama-3-8B)"},
    {name: "Q5_K_M", kind: "standard", fileType: LlamaFileType.MOSTLY_Q5_K_M, qualityRank: 70,
        qualityNote: "very small loss (+0.0569 ppl @ Llama-3-8B)"},
    {name: "Q4_K_M", kind: "standard", fileType: LlamaFileType.MOSTLY_Q4_K_M, qualityRank: 60,
        qualityNote: "small loss, the usual default (+0.1754 ppl @ Llama-3-8B)"},
    {name: "IQ4_XS", kind: "standard", fileType: LlamaFileType.MOSTLY_IQ4_XS, qualityRank: 55,
        qualityNote: "close to Q4_K_M, ~8% smaller (4.25 bpw non-linear)"},
    {name: "Q3_K_M", kind: "standard", fileType: LlamaFileType.MOSTLY_Q3_K_M, qualityRank: 40,
        qualityNote: "noticeable loss (+0.6569 ppl @ Llama-3-8B)"},
    {name: "Q2_K", kind: "standard", fileType: LlamaFileType.MOSTLY_Q2_K, qualityRank: 20,
        qualityNote: "large loss on dense models (+3.5199 ppl @ Llama-3-8B); MoE tolerates it better"},
    {name: "UD-Q2_K_XL", kind: "dynamic", recipe: "ud-2.51", qualityRank: 35,
        qualityNote: "Unsloth dynamic 2.5-bit experts, attention kept at 4–6 bits; good for its size"},
    {name: "UD-IQ2_XXS", kind: "dynamic", recipe: "ud-2.22", qualityRank: 30,
        qualityNote: "Unsloth dynamic 2.06-bit experts (imatrix); usable reasoning per Unsloth"},
    {name: "UD-IQ1_M", kind: "dynamic", recipe: "ud-1.73", qualityRank: 15,
        qualityNote: "Unsloth dynamic 1.73-bit (imatrix); degraded, occasional repetition"},
    {name: "UD-IQ1_S", kind: "dynamic", recipe: "ud-1.58", qualityRank: 10,
        qualityNote: "Unsloth dynamic 1.58-bit (imatrix); the smallest that still reasons, expect errors"}
];

const byName = new Map(options.map((o) => [o.name.toUpperCase(), o]));

/** Every quant option r1 knows, best quality first. */
export function allQuantOptions(): readonly QuantOption[] {
    return options;
}

/** Looks a quant up by name, case-insensitively (`q4_k_m`, `ud-iq1_s`); `undefined` when unknown. */
export function findQuantOption(name: string): QuantOption | undefined {
    return byName.get(name.toUpperCase());
}
