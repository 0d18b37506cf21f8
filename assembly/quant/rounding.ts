// ggml's integer rounding helpers, matching src/quant/codecs/rounding.ts bit for bit.

/** `nearest_int`: f32 add of 1.5·2^23, then the low mantissa bits (exactly C's bit trick, in and out of range). */
// @ts-ignore: decorator
@inline export function nearestInt(v: f32): i32 {
    const t: f32 = v + 12582912.0;
    return (reinterpret<i32>(t) & 0x007FFFFF) - 0x00400000;
}

/**
 * JavaScript's ToInt32 (what `v & 0xFF` does to the reference's doubles): NaN and ±∞ give 0, other
 * values wrap modulo 2^32. WebAssembly's own float→int conversions trap or saturate instead.
 * Inlined: the codecs call it per weight, and in range (always, for finite blocks) it is one truncation.
 */
// @ts-ignore: decorator
@inline export function jsToInt32(v: f64): i32 {
    if (v > -2147483649.0 && v < 2147483648.0) return <i32>v;
    return jsToInt32Wrapped(v);
}

// ToInt32 outside i32's range (and NaN, which fails both range tests).
function jsToInt32Wrapped(v: f64): i32 {
    if (!isFinite(v)) return 0;
    return <i32><i64>(trunc(v) % 4294967296.0);
}

/** C `roundf` as the reference computes it (half away from zero, in f64). */
// @ts-ignore: decorator
@inline export function roundf(v: f64): f64 {
    return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}
