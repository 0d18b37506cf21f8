// The sub-block scale searches of Q6_K (index.ts quantizeQ6_K: `make_qx_quants(16, 32, …)` for each of
// 16 sub-blocks) four sub-blocks at a time, one per SIMD lane, each lane running exactly the scalar
// code's float32 operations in the same order (kQuantHelpers.ts makeQxQuants), so the scales and
// levels are the same bits. The scalar code skips a step whose levels repeat the last one; computing
// it changes nothing (the same sums: rejected again, or accepted again with the same scale and
// levels), so here every step is computed. A super-block with a weight that is not finite or
// |x| ≥ 2^30 (where the sums could overflow) returns false for the scalar code to do.

const X = memory.data(16 * 16, 16);   // element i of the 4 sub-blocks (lane k = sub-block k)
const LV = memory.data(16 * 16, 16);  // best levels (i32 lanes, without the +nmax offset)
const LA = memory.data(16 * 16, 16);  // this step's levels

const GROUP_MAX_EPS: f32 = 1e-15;
const F01: f32 = 0.1;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 4); }

// ggml's nearest_int of iscale·x per lane, clamped to [−32, 31]
// @ts-ignore: decorator
@inline function level(iscale: v128, xi: v128): v128 {
    const t = f32x4.add(f32x4.mul(iscale, xi), f32x4.splat(12582912.0));
    const l = i32x4.sub(v128.and(t, i32x4.splat(0x007FFFFF)), i32x4.splat(0x00400000));
    return i32x4.min_s(i32x4.max_s(l, i32x4.splat(-32)), i32x4.splat(31));
}

/** Scales (16 f32 at `scales`) and levels (bytes l + 32 at `L`, 16 per sub-block) of the 256 floats at x. */
export function q6ScalesSimd(x: usize, L: usize, scales: usize): bool {
    let bad = i32x4.splat(0);
    for (let i = 0; i < 64; i++) bad = v128.or(bad, v128.not(f32x4.lt(f32x4.abs(v128.load(x + (<usize>i << 4))), f32x4.splat(1073741824.0))));
    if (v128.any_true(bad)) return false;
    const zero = f32x4.splat(0);
    for (let g = 0; g < 4; g++) {
        const base = x + (<usize>g << 8);
        let amax = zero, max = zero;
        for (let i = 0; i < 16; i++) {
            const p = base + (<usize>i << 2);
            let v = f32x4.splat(load<f32>(p));
            v = f32x4.replace_lane(v, 1, load<f32>(p + 64));
            v = f32x4.replace_lane(v, 2, load<f32>(p + 128));
            v = f32x4.replace_lane(v, 3, load<f32>(p + 192));
            v128.store(at(X, i), v);
            const ax = f32x4.abs(v), more = f32x4.gt(ax, amax);
            amax = v128.bitselect(ax, amax, more);
            max = v128.bitselect(v, max, more);
        }
        const small = f32x4.lt(amax, f32x4.splat(GROUP_MAX_EPS));
        let iscale = f32x4.div(f32x4.splat(-32), max);
        let sumlx = zero, suml2 = zero;
        for (let i = 0; i < 16; i++) {
            const xi = v128.load(at(X, i));
            const li = level(iscale, xi);
            v128.store(at(LV, i), li);
            const w = f32x4.mul(xi, xi), fl = f32x4.convert_i32x4_s(li);
            sumlx = f32x4.add(sumlx, f32x4.mul(f32x4.mul(w, xi), fl));
            suml2 = f32x4.add(suml2, f32x4.mul(f32x4.mul(w, fl), fl));
        }
        let scale = v128.bitselect(f32x4.div(sumlx, suml2), zero, f32x4.ne(suml2, zero));
        let best = f32x4.mul(scale, sumlx);
        for (let is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = f32x4.div(f32x4.splat(-(<f32>32 + F01 * <f32>is)), max);
            sumlx = zero; suml2 = zero;
            for (let i = 0; i < 16; i++) {
                const xi = v128.load(at(X, i));
                const li = level(iscale, xi);
                v128.store(at(LA, i), li);
                const w = f32x4.mul(xi, xi), fl = f32x4.convert_i32x4_s(li);
                sumlx = f32x4.add(sumlx, f32x4.mul(f32x4.mul(w, xi), fl));
                suml2 = f32x4.add(suml2, f32x4.mul(f32x4.mul(w, fl), fl));
            }
            const accept = v128.and(f32x4.gt(suml2, zero), f32x4.gt(f32x4.mul(sumlx, sumlx), f32x4.mul(best, suml2)));
            if (!v128.any_true(accept)) continue;
            for (let i = 0; i < 16; i++) v128.store(at(LV, i), v128.bitselect(v128.load(at(LA, i)), v128.load(at(LV, i)), accept));
            scale = v128.bitselect(f32x4.div(sumlx, suml2), scale, accept);
            best = v128.bitselect(f32x4.mul(scale, sumlx), best, accept);
        }
        // an all-but-zero sub-block: levels 0 (the byte 0, not 0 + 32) and scale 0
        v128.store(scales + (<usize>g << 4), v128.bitselect(zero, scale, small));
        const Lg = L + (<usize>g << 6);
        for (let i = 0; i < 16; i++) {
            const l = v128.andnot(i32x4.add(v128.load(at(LV, i)), i32x4.splat(32)), small);
            store<u8>(Lg + <usize>i, <u8>i32x4.extract_lane(l, 0));
            store<u8>(Lg + 16 + <usize>i, <u8>i32x4.extract_lane(l, 1));
            store<u8>(Lg + 32 + <usize>i, <u8>i32x4.extract_lane(l, 2));
            store<u8>(Lg + 48 + <usize>i, <u8>i32x4.extract_lane(l, 3));
        }
    }
    return true;
}
