// fp16 conversions exactly as src/quant/codecs/float16.ts (and ggml) do them, in native f32.

/** fp32 → fp16 bits: ggml's branch-free routine (round to nearest even; NaN → 0x7E00 | sign). */
export function fp32ToFp16(value: f32): u32 {
    const w = reinterpret<u32>(value);
    // ×2^112 then ×2^-110, each rounded to f32 like the JS reference's Math.fround steps
    let base: f32 = (Mathf.abs(value) * reinterpret<f32>(0x77800000)) * reinterpret<f32>(0x08800000);
    const shl1w: u32 = w + w;
    const sign: u32 = w & 0x80000000;
    let bias: u32 = shl1w & 0xFF000000;
    if (bias < 0x71000000) bias = 0x71000000;
    base = reinterpret<f32>((bias >> 1) + 0x07800000) + base;
    const bits = reinterpret<u32>(base);
    const nonsign: u32 = ((bits >> 13) & 0x00007C00) + (bits & 0x00000FFF);
    return ((sign >> 16) | (shl1w > 0xFF000000 ? 0x7E00 : nonsign)) & 0xFFFF;
}

/** fp16 bits → f32, the values of the JS reference's FP16_TO_FP32 table (a NaN is the positive quiet NaN). */
export function fp16ToFp32(h: u32): f32 {
    const sign: u32 = (h & 0x8000) << 16;
    const exp: u32 = (h >> 10) & 0x1F, mant: u32 = h & 0x3FF;
    if (exp == 31) return mant == 0 ? reinterpret<f32>(sign | 0x7F800000) : reinterpret<f32>(0x7FC00000);
    if (exp == 0) {
        const v: f32 = <f32>mant * reinterpret<f32>(0x33800000); // mant · 2^-24, exact
        return sign != 0 ? -v : v;
    }
    return reinterpret<f32>(sign | ((exp + 112) << 23) | (mant << 13));
}

/** Writes `value` as a little-endian fp16 at `p`; returns the stored value as f32. */
export function writeHalf(p: usize, value: f32): f32 {
    const h = fp32ToFp16(value);
    store<u16>(p, <u16>h);
    return fp16ToFp32(h);
}

export function readHalf(p: usize): f32 {
    return fp16ToFp32(<u32>load<u16>(p));
}
