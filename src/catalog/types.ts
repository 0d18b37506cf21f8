import type {GgmlType} from "../gguf/GgmlType.js";

/** llama.cpp architecture names the family uses (`general.architecture`). */
export type ArchitectureName = "qwen2" | "llama" | "qwen3" | "deepseek2";

/** Dense decoder (Qwen2.5, Llama 3, Qwen3 bases of the distills). */
export interface DenseArchitecture {
    readonly kind: "dense";
    readonly arch: "qwen2" | "llama" | "qwen3";
    readonly layers: number;
    readonly hiddenSize: number;
    readonly heads: number;
    readonly kvHeads: number;
    readonly headDim: number;
    readonly ffnSize: number;
    readonly vocabSize: number;
    readonly maxContext: number;
    readonly ropeTheta: number;
    readonly rmsNormEps: number;
    readonly ropeScaling?: {readonly type: "llama3" | "yarn", readonly factor: number, readonly originalContext: number};
    /** Qwen2 has q/k/v biases. */
    readonly attentionBias: boolean;
    /** Qwen3 normalizes q and k per head (`attn_q_norm`, `attn_k_norm`). */
    readonly qkNorm: boolean;
    readonly tiedEmbeddings: boolean;
}

/** DeepSeek-V3 (R1) Mixture of Experts with Multi-head Latent Attention. */
export interface MoeArchitecture {
    readonly kind: "moe";
    readonly arch: "deepseek2";
    readonly layers: number;
    readonly hiddenSize: number;
    readonly heads: number;
    readonly qLoraRank: number;
    readonly kvLoraRank: number;
    readonly qkNopeHeadDim: number;
    readonly qkRopeHeadDim: number;
    readonly vHeadDim: number;
    /** FFN size of the leading dense layers. */
    readonly ffnSize: number;
    readonly denseLayers: number;
    readonly experts: number;
    readonly expertsUsed: number;
    readonly sharedExperts: number;
    readonly expertFfnSize: number;
    readonly vocabSize: number;
    readonly maxContext: number;
    readonly ropeTheta: number;
    readonly rmsNormEps: number;
    readonly ropeScaling: {readonly type: "yarn", readonly factor: number, readonly originalContext: number, readonly yarnLogMultiplier: number};
    readonly expertWeightsScale: number;
    readonly tiedEmbeddings: false;
    /**
     * How llama.cpp caches K/V: `mla` (current files: one 576-wide latent) or `full` (legacy files
     * with `attn_kv_b`: every head's 192-wide K and 128-wide V). Defaults to `mla`.
     */
    readonly kvLayout?: "mla" | "full";
}

export type Architecture = DenseArchitecture | MoeArchitecture;

/** DeepSeek-published pass@1 scores (%), `undefined` where not reported. */
export interface PublishedScores {
    readonly aime2024: number;
    readonly math500?: number;
    readonly gpqaDiamond: number;
    readonly liveCodeBench: number;
    readonly codeforcesRating?: number;
    /** Which model card and protocol the numbers come from (January and 0528 cards differ). */
    readonly source: string;
}

export interface Variant {
    /** Stable id, e.g. `deepseek-r1-distill-qwen-14b`. */
    readonly id: string;
    /** Display name as DeepSeek publishes it. */
    readonly name: string;
    /** Ollama-style names that resolve to this variant (`deepseek-r1:14b`). */
    readonly aliases: readonly string[];
    /** Whether this is a distilled dense model rather than R1 itself. */
    readonly distilled: boolean;
    /** What it is built on: shown so nobody mistakes a 7B distill for "R1". */
    readonly baseModel: string;
    readonly architecture: Architecture;
    /** Published parameter count (the shapes reproduce it; a test checks). */
    readonly parameters: number;
    readonly license: string;
    readonly scores: PublishedScores;
    /** Quant names offered for this variant, best quality first. */
    readonly quants: readonly string[];
    /** Hugging Face repo and file stem of its GGUF builds. */
    readonly downloads: VariantDownloads;
    /** Where the architecture numbers were read. */
    readonly configSource: string;
}

export interface VariantDownloads {
    /** Repo for the standard llama.cpp file types. */
    readonly repo: string;
    /** File stem: `<stem>-<QUANT>.gguf`. */
    readonly stem: string;
    /** Repo for quants the main repo does not publish (e.g. IQ4_XS at bartowski). */
    readonly altRepo?: string;
    /** Quants only `altRepo` has. */
    readonly altQuants?: readonly string[];
    /** Layout of big files: folder per quant, split every ~50 GB. */
    readonly layout: "single" | "folder-per-quant";
    /** Known split-part counts per quant (the rest are computed from the size). */
    readonly knownParts?: Readonly<Record<string, number>>;
    /** Folder names omit the model stem (unsloth R1-0528). */
    readonly bareFolders?: boolean;
}

/** One tensor of a model file: llama.cpp name, shape in ggml `ne` order, type. */
export interface TensorSpec {
    readonly name: string;
    readonly shape: readonly number[];
    readonly type: GgmlType;
}
