import {GgufMetadata} from "../gguf/GgufMetadata.js";
import {LlamaFileType} from "../gguf/LlamaFileType.js";
import type {Variant} from "./types.js";

export interface VariantGgufMetadataOptions {
    /** `general.file_type` to write. Defaults to `LlamaFileType.MOSTLY_F16` (the source precision of `variantTensors`). */
    readonly fileType?: LlamaFileType;
}

// Pre-tokenizer ids llama.cpp recognizes for these vocabularies (llama-vocab.cpp): the R1 Qwen
// distills got their own id because their tokenizer.json differs from Qwen2.5's.
const PRE_TOKENIZER: Record<Variant["architecture"]["arch"], string> = {
    qwen2: "deepseek-r1-qwen", llama: "llama-bpe", qwen3: "qwen2", deepseek2: "deepseek-v3"
};

/**
 * The architecture and tokenizer-kind keys llama.cpp needs to load the variant, with the value
 * types its type-strict loader expects (gguf-quant-spec §1.7; deepseek2 values from R1 GGUF load
 * logs, r1-family.md §6). Not included: `tokenizer.ggml.tokens` / `token_type` / `merges`
 * (vocabSize entries; a synthetic model must add its own) and the chat template.
 */
export function variantGgufMetadata(variant: Variant, options: VariantGgufMetadataOptions = {}): GgufMetadata {
    const a = variant.architecture;
    const p = a.arch;
    const m = new GgufMetadata();
    m.setString("general.architecture", p);
    m.setString("general.name", variant.name);
    m.setUint32(`${p}.vocab_size`, a.vocabSize);
    m.setUint32(`${p}.context_length`, a.maxContext);
    m.setUint32(`${p}.embedding_length`, a.hiddenSize);
    m.setUint32(`${p}.block_count`, a.layers);
    m.setUint32(`${p}.feed_forward_length`, a.ffnSize);
    m.setUint32(`${p}.attention.head_count`, a.heads);
    m.setFloat32(`${p}.rope.freq_base`, a.ropeTheta);
    m.setFloat32(`${p}.attention.layer_norm_rms_epsilon`, a.rmsNormEps);
    if (a.kind === "dense") {
        m.setUint32(`${p}.attention.head_count_kv`, a.kvHeads);
        if (a.arch === "llama") m.setUint32(`${p}.rope.dimension_count`, a.headDim);
        if (a.arch === "qwen3") {
            m.setUint32(`${p}.attention.key_length`, a.headDim);
            m.setUint32(`${p}.attention.value_length`, a.headDim);
        }
        // Llama 3.1 scaling travels as the rope_freqs tensor; only yarn needs keys.
        if (a.ropeScaling?.type === "yarn") {
            m.setString(`${p}.rope.scaling.type`, "yarn");
            m.setFloat32(`${p}.rope.scaling.factor`, a.ropeScaling.factor);
            m.setUint32(`${p}.rope.scaling.original_context_length`, a.ropeScaling.originalContext);
        }
    } else {
        // MLA layout: one shared latent "head" of kv_lora_rank + rope dims.
        m.setUint32(`${p}.attention.head_count_kv`, 1);
        m.setUint32(`${p}.attention.q_lora_rank`, a.qLoraRank);
        m.setUint32(`${p}.attention.kv_lora_rank`, a.kvLoraRank);
        m.setUint32(`${p}.attention.key_length`, a.kvLoraRank + a.qkRopeHeadDim);
        m.setUint32(`${p}.attention.value_length`, a.kvLoraRank);
        m.setUint32(`${p}.attention.key_length_mla`, a.qkNopeHeadDim + a.qkRopeHeadDim);
        m.setUint32(`${p}.attention.value_length_mla`, a.vHeadDim);
        m.setUint32(`${p}.rope.dimension_count`, a.qkRopeHeadDim);
        m.setString(`${p}.rope.scaling.type`, "yarn");
        m.setFloat32(`${p}.rope.scaling.factor`, a.ropeScaling.factor);
        m.setUint32(`${p}.rope.scaling.original_context_length`, a.ropeScaling.originalContext);
        m.setFloat32(`${p}.rope.scaling.yarn_log_multiplier`, a.ropeScaling.yarnLogMultiplier);
        m.setUint32(`${p}.leading_dense_block_count`, a.denseLayers);
        m.setUint32(`${p}.expert_feed_forward_length`, a.expertFfnSize);
        m.setUint32(`${p}.expert_count`, a.experts);
        m.setUint32(`${p}.expert_used_count`, a.expertsUsed);
        m.setUint32(`${p}.expert_shared_count`, a.sharedExperts);
        m.setFloat32(`${p}.expert_weights_scale`, a.expertWeightsScale);
        m.setBool(`${p}.expert_weights_norm`, true);
        m.setUint32(`${p}.expert_gating_func`, 2); // sigmoid
    }
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", PRE_TOKENIZER[p]);
    const [bos, eos] = specialTokens(variant);
    m.setUint32("tokenizer.ggml.bos_token_id", bos);
    m.setUint32("tokenizer.ggml.eos_token_id", eos);
    m.setUint32("general.file_type", options.fileType ?? LlamaFileType.MOSTLY_F16);
    return m;
}

// GGUF ids (r1-family.md §1): the Qwen distills' BOS is <｜begin▁of▁sentence｜> 151646, not config's 151643.
function specialTokens(variant: Variant): [number, number] {
    switch (variant.architecture.arch) {
        case "qwen2": return [151646, 151643];
        case "qwen3": return [151643, 151645];
        case "llama": return [128000, 128001];
        case "deepseek2": return [0, 1];
    }
}
