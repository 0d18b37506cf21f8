// ggml's make_q3_quants (make_qx_quants and make_qkx2_quants run four sub-blocks at a time in
// kQuantHelpers4.ts), ported from the JS reference src/quant/codecs/kQuantHelpers.ts with native f32
// arithmetic: every operation is the same float32 operation in the same order as ggml-quants.c.
// Buffers are raw pointers into this module's memory; scratch is static (one call at a time).
import {nearestInt} from "./rounding";

const GROUP_MAX_EPS: f32 = 1e-15;
const prevL = memory.data(256 * 4, 16);

/**
 * `make_q3_quants(n, nmax, x, L, do_rmse = true)`: symmetric search refined level by level;
 * writes L ∈ [0, 2·nmax−1] (bytes at `L`: the level plus nmax).
 */
export function makeQ3Quants(n: i32, nmax: i32, x: usize, L: usize): f32 {
    let max: f32 = 0, amax: f32 = 0;
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        const ax = Mathf.abs(xi);
        if (ax > amax) { amax = ax; max = xi; }
    }
    if (amax < GROUP_MAX_EPS) {
        memory.fill(L, 0, <usize>n);
        return 0;
    }
    const iscale: f32 = -<f32>nmax / max;
    let sumlx: f32 = 0, suml2: f32 = 0;
    // the signed levels, in prevL while the search runs
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        let l = nearestInt(iscale * xi);
        l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
        store<i32>(prevL + (<usize>i << 2), l);
        const w: f32 = xi * xi;
        const fl = <f32>l;
        sumlx = sumlx + w * xi * fl;
        suml2 = suml2 + w * fl * fl;
    }
    for (let itry = 0; itry < 5; itry++) {
        let changed = 0;
        for (let i = 0; i < n; i++) {
            const xi = load<f32>(x + (<usize>i << 2));
            const w: f32 = xi * xi;
            const li = load<i32>(prevL + (<usize>i << 2));
            const fli = <f32>li;
            let slx: f32 = sumlx - w * xi * fli;
            if (slx > 0) {
                let sl2: f32 = suml2 - w * fli * fli;
                let nl = nearestInt(xi * sl2 / slx);
                nl = nl < -nmax ? -nmax : nl > nmax - 1 ? nmax - 1 : nl;
                if (nl != li) {
                    const fnl = <f32>nl;
                    slx = slx + w * xi * fnl;
                    sl2 = sl2 + w * fnl * fnl;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        store<i32>(prevL + (<usize>i << 2), nl); sumlx = slx; suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    for (let i = 0; i < n; i++) store<u8>(L + <usize>i, <u8>(load<i32>(prevL + (<usize>i << 2)) + nmax));
    return suml2 > 0 ? sumlx / suml2 : 0;
}
