// fp16/bf16 conversions exactly as ggml does them (gguf-quant-spec §3.3–§3.5).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f = Math.fround;

const SCALE_TO_INF = 2 ** 112;
const SCALE_TO_ZERO = 2 ** -110;

/**
 * fp32 → fp16 bits, IEEE round-to-nearest-even: ggml's branch-free routine (Maratyszcza FP16),
 * which is verified to equal RNE for every input; NaN → 0x7E00 | sign.
 */
export function fp32ToFp16(value: number): number {
    f32[0] = value;
    const w = u32[0]!;
    let base = f(f(Math.abs(f32[0]!) * SCALE_TO_INF) * SCALE_TO_ZERO);
    const shl1w = (w + w) >>> 0;
    const sign = w & 0x80000000;
    let bias = (shl1w & 0xFF000000) >>> 0;
    if (bias < 0x71000000) bias = 0x71000000;
    u32[0] = ((bias >>> 1) + 0x07800000) >>> 0;
    base = f(f32[0]! + base);
    f32[0] = base;
    const bits = u32[0]!;
    const expBits = (bits >>> 13) & 0x00007C00;
    const mantissaBits = bits & 0x00000FFF;
    const nonsign = expBits + mantissaBits;
    return ((sign >>> 16) | (shl1w > 0xFF000000 ? 0x7E00 : nonsign)) & 0xFFFF;
}

function fp16BitsToFp32(h: number): number {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1F;
    const mant = h & 0x3FF;
    if (exp === 0) return sign * mant * 2 ** -24;
    if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
    return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** fp16 bits → fp32 value for all 65536 bit patterns (exact, §3.4). */
export const FP16_TO_FP32: Float32Array = (() => {
    const t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = fp16BitsToFp32(h);
    // keep -0.0 exact
    t[0x8000] = -0;
    return t;
})();

/** fp16 bits → number. */
export function fp16ToFp32(h: number): number {
    return FP16_TO_FP32[h & 0xFFFF]!;
}

/** fp32 → bf16 bits, `ggml_compute_fp32_to_bf16` (RNE; NaN keeps quiet). */
export function fp32ToBf16(value: number): number {
    f32[0] = value;
    const u = u32[0]!;
    if ((u & 0x7FFFFFFF) > 0x7F800000) return ((u >>> 16) | 0x40) & 0xFFFF;
    return ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16) & 0xFFFF;
}

/** bf16 bits → number. */
export function bf16ToFp32(h: number): number {
    u32[0] = (h & 0xFFFF) << 16;
    return f32[0]!;
}

/** Reads a little-endian fp16 at `o`. */
export function readHalf(b: Uint8Array, o: number): number {
    return FP16_TO_FP32[b[o]! | (b[o + 1]! << 8)]!;
}

/** Writes `value` as a little-endian fp16 at `o`; returns the fp16 value as fp32. */
export function writeHalf(b: Uint8Array, o: number, value: number): number {
    const h = fp32ToFp16(value);
    b[o] = h & 0xFF;
    b[o + 1] = h >>> 8;
    return FP16_TO_FP32[h]!;
}
