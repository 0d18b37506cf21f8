import type {Architecture} from "../catalog/index.js";

/** KV cache element types llama.cpp offers (`--cache-type-k/v`, common/arg.cpp's list); quantized ones need flash attention for V. */
export const KV_CACHE_TYPES = ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"] as const;
export type KvCacheType = typeof KV_CACHE_TYPES[number];

/** Bytes per cached element: f32 4, f16/bf16 2, the others their ggml block size over 32 elements (q8_0 34 B, q4_0 18 B, …). */
export const KV_CACHE_TYPE_BYTES: Readonly<Record<KvCacheType, number>> = {
    f32: 4, f16: 2, bf16: 2, q8_0: 34 / 32, q4_0: 18 / 32, q4_1: 20 / 32, iq4_nl: 18 / 32, q5_0: 22 / 32, q5_1: 24 / 32
};

export interface KvCacheOptions {
    /** K cache type. Defaults to `"f16"`. */
    readonly typeK?: KvCacheType;
    /** V cache type. Defaults to `typeK`. */
    readonly typeV?: KvCacheType;
    /**
     * Flash attention on. With MLA, current llama.cpp then stores only the latent K (576 per token per
     * layer) and reads V as a view of it (llama.cpp #19067); without it a separate 512-wide V is kept.
     * Defaults to `true` (node-llama-cpp's "auto" turns it on where supported).
     */
    readonly flashAttention?: boolean;
}

/**
 * KV-cache bytes one token adds to one layer. Grouped-query attention caches only the KV heads
 * (kv_heads × head_dim for K and again for V) — not hidden_size, which is what calculators that
 * ignore GQA use (5–8× too much for the distills). DeepSeek's MLA caches one compressed latent
 * (kv_lora_rank + rope dims = 576) shared by all 128 heads instead of 128 × (192 + 128).
 */
export function kvBytesPerTokenPerLayer(architecture: Architecture, options: KvCacheOptions = {}): number {
    const k = KV_CACHE_TYPE_BYTES[options.typeK ?? "f16"];
    const v = KV_CACHE_TYPE_BYTES[options.typeV ?? options.typeK ?? "f16"];
    const a = architecture;
    if (a.kind === "dense") return a.kvHeads * a.headDim * (k + v);
    if (a.kvLayout === "full") return a.heads * ((a.qkNopeHeadDim + a.qkRopeHeadDim) * k + a.vHeadDim * v);
    const latent = (a.kvLoraRank + a.qkRopeHeadDim) * k;
    return options.flashAttention === false ? latent + a.kvLoraRank * v : latent;
}

/** Whole KV cache: layers × tokens (context × parallel sequences) × bytes per token per layer. */
export function kvCacheBytes(architecture: Architecture, contextSize: number, parallelSequences = 1, options: KvCacheOptions = {}): number {
    return architecture.layers * contextSize * parallelSequences * kvBytesPerTokenPerLayer(architecture, options);
}
