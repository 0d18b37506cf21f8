import type {DenseArchitecture, MoeArchitecture, Variant} from "./types.js";

// Architecture numbers: each variant's published config.json (huggingface.co/deepseek-ai/<name>,
// read via the copies cited in ../shared/reference/r1-family.md §1–§2). head_dim is not in the
// Qwen2 configs: it is hidden_size / num_attention_heads (128 for all of them).
// Scores: DeepSeek-R1 README §4 "Distilled Model Evaluation" and "DeepSeek-R1-Evaluation"
// (January protocol: 32,768 max tokens, T 0.6, top-p 0.95, 64 samples); the 0528 rows come from
// the DeepSeek-R1-0528 model card (64K tokens, 16 samples) and are not comparable column by column.

const JANUARY = "DeepSeek-R1 README §4 (Jan 2025, pass@1, 64 samples)";
const MAY = "DeepSeek-R1-0528 model card (pass@1, 16 samples; LiveCodeBench 2408–2505)";

/** The standard llama.cpp file types offered for the dense distills, best quality first. */
export const DENSE_QUANTS = ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "IQ4_XS", "Q3_K_M", "Q2_K"] as const;

/**
 * File types offered for the 671B: plain llama.cpp ones (IQ4_XS from bartowski, the others from
 * Unsloth), then Unsloth's dynamic recipes. IQ4_XS (~360 GB) is what a 384 GB server can hold.
 */
export const MOE_QUANTS = ["Q8_0", "Q4_K_M", "IQ4_XS", "Q3_K_M", "Q2_K", "UD-Q2_K_XL", "UD-IQ2_XXS", "UD-IQ1_M", "UD-IQ1_S"] as const;

function qwen2(layers: number, hiddenSize: number, heads: number, kvHeads: number, ffnSize: number, vocabSize: number,
    ropeTheta: number, rmsNormEps: number): DenseArchitecture {
    return {
        kind: "dense", arch: "qwen2", layers, hiddenSize, heads, kvHeads, headDim: hiddenSize / heads, ffnSize, vocabSize,
        maxContext: 131072, ropeTheta, rmsNormEps, attentionBias: true, qkNorm: false, tiedEmbeddings: false
    };
}

function llama3(layers: number, hiddenSize: number, heads: number, ffnSize: number): DenseArchitecture {
    return {
        kind: "dense", arch: "llama", layers, hiddenSize, heads, kvHeads: 8, headDim: 128, ffnSize, vocabSize: 128256,
        maxContext: 131072, ropeTheta: 500000, rmsNormEps: 1e-5,
        ropeScaling: {type: "llama3", factor: 8, originalContext: 8192},
        attentionBias: false, qkNorm: false, tiedEmbeddings: false
    };
}

/** DeepSeek-V3 config (`deepseek-ai/DeepSeek-V3` inference/configs/config_671B.json; R1 config.json identical). */
const deepseekV3: MoeArchitecture = {
    kind: "moe", arch: "deepseek2", layers: 61, hiddenSize: 7168, heads: 128,
    qLoraRank: 1536, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128,
    ffnSize: 18432, denseLayers: 3, experts: 256, expertsUsed: 8, sharedExperts: 1, expertFfnSize: 2048,
    vocabSize: 129280, maxContext: 163840, ropeTheta: 10000, rmsNormEps: 1e-6,
    // yarn_log_multiplier 0.1 is what convert_hf_to_gguf writes for mscale_all_dim 1.0 (R1 GGUF load logs).
    ropeScaling: {type: "yarn", factor: 40, originalContext: 4096, yarnLogMultiplier: 0.1},
    expertWeightsScale: 2.5, tiedEmbeddings: false
};

function unsloth(stem: string, extra: Partial<Variant["downloads"]> = {}): Variant["downloads"] {
    return {repo: `unsloth/${stem}-GGUF`, stem, altRepo: `bartowski/${stem}-GGUF`, altQuants: ["IQ4_XS"], layout: "single", ...extra};
}

/** Every variant r1 knows, smallest first. */
export const VARIANTS: readonly Variant[] = [
    {
        id: "deepseek-r1-distill-qwen-1.5b", name: "DeepSeek-R1-Distill-Qwen-1.5B",
        aliases: ["deepseek-r1:1.5b", "deepseek-r1:1.5b-qwen-distill"], distilled: true,
        baseModel: "Qwen2.5-Math-1.5B (dense, distilled from R1 outputs)", license: "MIT (base Apache-2.0)",
        architecture: qwen2(28, 1536, 12, 2, 8960, 151936, 10000, 1e-6), parameters: 1_777_088_000,
        scores: {aime2024: 28.9, math500: 83.9, gpqaDiamond: 33.8, liveCodeBench: 16.9, codeforcesRating: 954, source: JANUARY},
        quants: DENSE_QUANTS, downloads: unsloth("DeepSeek-R1-Distill-Qwen-1.5B"),
        configSource: "onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX config.json (copy of deepseek-ai's)"
    },
    {
        id: "deepseek-r1-distill-qwen-7b", name: "DeepSeek-R1-Distill-Qwen-7B",
        aliases: ["deepseek-r1:7b", "deepseek-r1:7b-qwen-distill"], distilled: true,
        baseModel: "Qwen2.5-Math-7B (dense, distilled from R1 outputs)", license: "MIT (base Apache-2.0)",
        architecture: qwen2(28, 3584, 28, 4, 18944, 152064, 10000, 1e-6), parameters: 7_615_616_512,
        scores: {aime2024: 55.5, math500: 92.8, gpqaDiamond: 49.1, liveCodeBench: 37.6, codeforcesRating: 1189, source: JANUARY},
        quants: DENSE_QUANTS, downloads: unsloth("DeepSeek-R1-Distill-Qwen-7B"),
        configSource: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B config.json @916b56a (via mlfoundations-dev copy)"
    },
    {
        id: "deepseek-r1-distill-llama-8b", name: "DeepSeek-R1-Distill-Llama-8B",
        aliases: ["deepseek-r1:8b-llama-distill"], distilled: true,
        baseModel: "Llama-3.1-8B (dense, distilled from R1 outputs)", license: "MIT (base Llama 3.1 license)",
        architecture: llama3(32, 4096, 32, 14336), parameters: 8_030_261_248,
        scores: {aime2024: 50.4, math500: 89.1, gpqaDiamond: 49.0, liveCodeBench: 39.6, codeforcesRating: 1205, source: JANUARY},
        quants: DENSE_QUANTS, downloads: unsloth("DeepSeek-R1-Distill-Llama-8B"),
        configSource: "casperhansen/deepseek-r1-distill-llama-8b-awq config.json @2f96d31"
    },
    {
        id: "deepseek-r1-0528-qwen3-8b", name: "DeepSeek-R1-0528-Qwen3-8B",
        aliases: ["deepseek-r1:8b", "deepseek-r1:latest", "deepseek-r1:8b-0528-qwen3"], distilled: true,
        baseModel: "Qwen3-8B Base (dense, distilled from R1-0528's chain of thought)", license: "MIT",
        architecture: {
            kind: "dense", arch: "qwen3", layers: 36, hiddenSize: 4096, heads: 32, kvHeads: 8, headDim: 128, ffnSize: 12288,
            vocabSize: 151936, maxContext: 131072, ropeTheta: 1000000, rmsNormEps: 1e-6,
            ropeScaling: {type: "yarn", factor: 4, originalContext: 32768},
            attentionBias: false, qkNorm: true, tiedEmbeddings: false
        },
        parameters: 8_190_735_360,
        scores: {aime2024: 86.0, gpqaDiamond: 61.1, liveCodeBench: 60.5, source: MAY},
        quants: DENSE_QUANTS,
        downloads: {repo: "unsloth/DeepSeek-R1-0528-Qwen3-8B-GGUF", stem: "DeepSeek-R1-0528-Qwen3-8B", layout: "single"},
        configSource: "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B config.json (quoted in a vLLM issue; Ollama blob e6a7edc1a4d7)"
    },
    {
        id: "deepseek-r1-distill-qwen-14b", name: "DeepSeek-R1-Distill-Qwen-14B",
        aliases: ["deepseek-r1:14b", "deepseek-r1:14b-qwen-distill"], distilled: true,
        baseModel: "Qwen2.5-14B (dense, distilled from R1 outputs)", license: "MIT (base Apache-2.0)",
        architecture: qwen2(48, 5120, 40, 8, 13824, 152064, 1000000, 1e-5), parameters: 14_770_033_664,
        scores: {aime2024: 69.7, math500: 93.9, gpqaDiamond: 59.1, liveCodeBench: 53.1, codeforcesRating: 1481, source: JANUARY},
        quants: DENSE_QUANTS, downloads: unsloth("DeepSeek-R1-Distill-Qwen-14B"),
        configSource: "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B config.json @c79f47a (via neody/r1-14b-awq)"
    },
    {
        id: "deepseek-r1-distill-qwen-32b", name: "DeepSeek-R1-Distill-Qwen-32B",
        aliases: ["deepseek-r1:32b", "deepseek-r1:32b-qwen-distill"], distilled: true,
        baseModel: "Qwen2.5-32B (dense, distilled from R1 outputs)", license: "MIT (base Apache-2.0)",
        architecture: qwen2(64, 5120, 40, 8, 27648, 152064, 1000000, 1e-5), parameters: 32_763_876_352,
        scores: {aime2024: 72.6, math500: 94.3, gpqaDiamond: 62.1, liveCodeBench: 57.2, codeforcesRating: 1691, source: JANUARY},
        quants: DENSE_QUANTS, downloads: unsloth("DeepSeek-R1-Distill-Qwen-32B"),
        configSource: "XelotX/DeepSeek-R1-Distill-Qwen-32B config.json (declared duplicate of deepseek-ai's)"
    },
    {
        id: "deepseek-r1-distill-llama-70b", name: "DeepSeek-R1-Distill-Llama-70B",
        aliases: ["deepseek-r1:70b", "deepseek-r1:70b-llama-distill"], distilled: true,
        baseModel: "Llama-3.3-70B-Instruct (dense, distilled from R1 outputs)", license: "MIT (base Llama 3.3 license)",
        architecture: llama3(80, 8192, 64, 28672), parameters: 70_553_706_496,
        scores: {aime2024: 70.0, math500: 94.5, gpqaDiamond: 65.2, liveCodeBench: 57.5, codeforcesRating: 1633, source: JANUARY},
        quants: DENSE_QUANTS,
        downloads: unsloth("DeepSeek-R1-Distill-Llama-70B", {knownParts: {Q8_0: 2, Q6_K: 2}}),
        configSource: "casperhansen/deepseek-r1-distill-llama-70b-awq config.json @07a264a"
    },
    {
        id: "deepseek-r1", name: "DeepSeek-R1",
        aliases: ["deepseek-r1:671b"], distilled: false,
        baseModel: "DeepSeek-V3-Base (671B MoE, 37B active per token)", license: "MIT",
        architecture: deepseekV3, parameters: 671_026_419_200,
        scores: {aime2024: 79.8, math500: 97.3, gpqaDiamond: 71.5, liveCodeBench: 65.9, codeforcesRating: 2029, source: JANUARY},
        quants: MOE_QUANTS,
        downloads: {
            repo: "unsloth/DeepSeek-R1-GGUF", stem: "DeepSeek-R1", layout: "folder-per-quant",
            // bartowski publishes R1 from IQ1_S to Q8_0 in the same folder-per-quant layout
            // (`DeepSeek-R1-IQ3_M/DeepSeek-R1-IQ3_M-00001-of-00008.gguf`, r1-family.md §4); Unsloth has no IQ4_XS.
            altRepo: "bartowski/DeepSeek-R1-GGUF", altQuants: ["IQ4_XS"],
            knownParts: {"UD-IQ1_S": 3, "UD-IQ2_XXS": 4, "UD-Q2_K_XL": 5, Q3_K_M: 7, Q4_K_M: 9}
        },
        configSource: "deepseek-ai/DeepSeek-R1 config.json (verbatim GitHub copy); deepseek-ai/DeepSeek-V3 @9b4e978"
    },
    {
        id: "deepseek-r1-0528", name: "DeepSeek-R1-0528",
        aliases: ["deepseek-r1:671b-0528"], distilled: false,
        baseModel: "DeepSeek-V3-Base (671B MoE, 37B active; May 2025 update)", license: "MIT",
        // Same deepseek_v3 core as R1 (public test fixture for deepseek-ai/DeepSeek-R1-0528).
        architecture: deepseekV3, parameters: 671_026_419_200,
        scores: {aime2024: 91.4, gpqaDiamond: 81.0, liveCodeBench: 73.3, codeforcesRating: 1930, source: MAY},
        // Unsloth's 0528 repo has no IQ4_XS, and no other repo's 0528 layout is confirmed.
        quants: MOE_QUANTS.filter((q) => q !== "IQ4_XS"),
        downloads: {repo: "unsloth/DeepSeek-R1-0528-GGUF", stem: "DeepSeek-R1-0528", layout: "folder-per-quant", bareFolders: true},
        configSource: "deepseek-ai/DeepSeek-R1-0528 (MoE core from a public test fixture; other fields as R1)"
    }
];
