import type {Architecture} from "../catalog/index.js";

/** KV cache element types llama.cpp offers (`--cache-type-k/v`); quantized ones need flash attention for V. */
export type KvCacheType = "f16" | "q8_0" | "q4_0";

/** Bytes per cached element: f16 = 2; q8_0 = 34 B per 32; q4_0 = 18 B per 32 (ggml block sizes). */
export const KV_CACHE_TYPE_BYTES: Readonly<Record<KvCacheType, number>> = {f16: 2, q8_0: 34 / 32, q4_0: 18 / 32};

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
