// Q8_0 with 128-bit SIMD, four weights a lane group, giving exactly the scalar port's bytes (index.ts
// `quantizeQ8_0`, ggml's `quantize_row_q8_0_ref`): the block maximum of |x| is order-free once no
// NaN is in it (a NaN makes the scalar chain's result depend on its position), and the rounding is
// C `roundf` done exactly in f32 (trunc, then ±1 when the exact fractional part is ≥ ½). Blocks the
// lanes cannot reproduce — a NaN in the block, or a scale whose inverse overflows to ∞ (the scalar
// path then writes ToInt32(±∞ or NaN) = 0 where saturation would give ±127) — return false, for the
// scalar code to do.
import {writeHalf} from "./float16";

// @ts-ignore: decorator
@inline function roundAway(v: v128): v128 {
    const t = f32x4.trunc(v);
    const frac = f32x4.sub(v, t); // exact: v's own low bits
    const one = v128.or(v128.and(v, f32x4.splat(-0.0)), f32x4.splat(1.0));
    return f32x4.add(t, v128.and(one, f32x4.ge(f32x4.abs(frac), f32x4.splat(0.5))));
}

// 16 weights from x → their int8 levels (ToInt32 & 0xFF: the low byte of each i32 lane) at y.
// @ts-ignore: decorator
@inline function levels16(x: usize, y: usize, id: v128): void {
    const q0 = i32x4.trunc_sat_f32x4_s(roundAway(f32x4.mul(v128.load(x), id)));
    const q1 = i32x4.trunc_sat_f32x4_s(roundAway(f32x4.mul(v128.load(x, 16), id)));
    const q2 = i32x4.trunc_sat_f32x4_s(roundAway(f32x4.mul(v128.load(x, 32), id)));
    const q3 = i32x4.trunc_sat_f32x4_s(roundAway(f32x4.mul(v128.load(x, 48), id)));
    const lo = i8x16.shuffle(q0, q1, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
    const hi = i8x16.shuffle(q2, q3, 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
    v128.store(y, i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}

/** One Q8_0 block (32 floats at x → 34 bytes at y); false, with nothing written, when the scalar path must do it. */
export function quantizeQ8_0BlockSimd(x: usize, y: usize): bool {
    let m = f32x4.abs(v128.load(x));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 16)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 32)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 48)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 64)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 80)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 96)));
    m = f32x4.max(m, f32x4.abs(v128.load(x, 112)));
    m = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    m = f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
    const amax = f32x4.extract_lane(m, 0);
    if (amax != amax) return false;
    const d: f32 = amax / 127;
    const id: f32 = d != 0 ? <f32>1 / d : 0;
    if (id == Infinity) return false;
    writeHalf(y, d);
    const idv = f32x4.splat(id);
    levels16(x, y + 2, idv);
    levels16(x + 64, y + 18, idv);
    return true;
}
