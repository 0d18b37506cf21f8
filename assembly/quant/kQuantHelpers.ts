// ggml's k-quant scale searches (make_qx_quants, make_qkx2_quants), ported from the JS reference
// src/quant/codecs/kQuantHelpers.ts with native f32 arithmetic: every operation is the same
// float32 operation in the same order as ggml-quants.c, so no rounding step is needed.
// Buffers are raw pointers into this module's memory; scratch is static (one call at a time).
import {nearestInt} from "./rounding";

const GROUP_MAX_EPS: f32 = 1e-15;
const F01: f32 = 0.1;
const prevL = memory.data(256 * 4, 16);
const xm = memory.data(256 * 4, 16);

/** `make_qx_quants(n, nmax, x, L, rmse_type = 1, NULL)`: L[i] ∈ [0, 2·nmax−1] (bytes at `L`). */
export function makeQxQuants(n: i32, nmax: i32, x: usize, L: usize): f32 {
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
    const fnmax = <f32>nmax;
    let iscale: f32 = -fnmax / max;
    let sumlx: f32 = 0, suml2: f32 = 0;
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        let l = nearestInt(iscale * xi);
        l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
        store<u8>(L + <usize>i, <u8>(l + nmax));
        const w: f32 = xi * xi;
        const fl = <f32>l;
        sumlx = sumlx + w * xi * fl;
        suml2 = suml2 + w * fl * fl;
    }
    let scale: f32 = suml2 != 0 ? sumlx / suml2 : 0;
    let best: f32 = scale * sumlx;
    // A candidate with the same levels as the one before has the same sums, and accepting it again
    // would set the same state, so it is skipped (exact, as in the JS reference).
    for (let is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -(fnmax + F01 * <f32>is) / max;
        let changed = is == -9;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(iscale * load<f32>(x + (<usize>i << 2)));
            l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
            const p = prevL + (<usize>i << 2);
            if (load<i32>(p) != l) { store<i32>(p, l); changed = true; }
        }
        if (!changed) continue;
        sumlx = 0; suml2 = 0;
        for (let i = 0; i < n; i++) {
            const xi = load<f32>(x + (<usize>i << 2));
            const fl = <f32>load<i32>(prevL + (<usize>i << 2));
            const w: f32 = xi * xi;
            sumlx = sumlx + w * xi * fl;
            suml2 = suml2 + w * fl * fl;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (let i = 0; i < n; i++) store<u8>(L + <usize>i, <u8>(nmax + load<i32>(prevL + (<usize>i << 2))));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/** Second result of {@link makeQkx2Quants} (`*the_min`). */
export let qkx2TheMin: f32 = 0;

/** `make_qkx2_quants`: asymmetric (scale, min) search; writes L ∈ [0, nmax] (bytes), Laux is scratch. */
export function makeQkx2Quants(n: i32, nmax: i32, x: usize, weights: usize, L: usize, Laux: usize,
    rmin: f32, rdelta: f32, nstep: i32, useMad: bool): f32 {
    let min = load<f32>(x), max = min;
    let sumW = load<f32>(weights);
    let sumX: f32 = sumW * min;
    for (let i = 1; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        if (xi < min) min = xi;
        if (xi > max) max = xi;
        const w = load<f32>(weights + (<usize>i << 2));
        sumW = sumW + w;
        sumX = sumX + w * xi;
    }
    if (min > 0) min = 0;
    if (max == min) {
        memory.fill(L, 0, <usize>n);
        qkx2TheMin = -min;
        return 0;
    }
    const fnmax = <f32>nmax;
    let iscale: f32 = fnmax / (max - min);
    let scale: f32 = <f32>1 / iscale;
    let bestError: f32 = 0;
    for (let i = 0; i < n; i++) store<f32>(xm + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - min);
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        let l = nearestInt(iscale * load<f32>(xm + (<usize>i << 2)));
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        store<u8>(L + <usize>i, <u8>l);
        let diff: f32 = scale * <f32>l + min - xi;
        diff = useMad ? Mathf.abs(diff) : diff * diff;
        bestError = bestError + load<f32>(weights + (<usize>i << 2)) * diff;
    }
    for (let is = 0; is <= nstep; is++) {
        // `min` moves to the best candidate's min, so the range is recomputed (as in ggml)
        iscale = (rmin + rdelta * <f32>is + fnmax) / (max - min);
        // a step with the same levels as the one before gives the same error, which cannot beat the best
        let changed = is == 0;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(iscale * load<f32>(xm + (<usize>i << 2)));
            l = l < 0 ? 0 : l > nmax ? nmax : l;
            if (<i32>load<u8>(Laux + <usize>i) != l) { store<u8>(Laux + <usize>i, <u8>l); changed = true; }
        }
        if (!changed) continue;
        let sumL: f32 = 0, sumL2: f32 = 0, sumXL: f32 = 0;
        for (let i = 0; i < n; i++) {
            const l = <f32>load<u8>(Laux + <usize>i);
            const wl: f32 = load<f32>(weights + (<usize>i << 2)) * l;
            sumL = sumL + wl;
            sumL2 = sumL2 + wl * l;
            sumXL = sumXL + wl * load<f32>(x + (<usize>i << 2));
        }
        const D: f32 = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            let thisScale: f32 = (sumW * sumXL - sumX * sumL) / D;
            let thisMin: f32 = (sumL2 * sumX - sumL * sumXL) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            // a float32 sum of non-negative terms never decreases: stop once it reaches the best
            let curError: f32 = 0;
            for (let i = 0; i < n && curError < bestError; i++) {
                let diff: f32 = thisScale * <f32>load<u8>(Laux + <usize>i) + thisMin - load<f32>(x + (<usize>i << 2));
                diff = useMad ? Mathf.abs(diff) : diff * diff;
                curError = curError + load<f32>(weights + (<usize>i << 2)) * diff;
            }
            if (curError < bestError) {
                memory.copy(L, Laux, <usize>n);
                bestError = curError;
                scale = thisScale;
                min = thisMin;
                for (let i = 0; i < n; i++) store<f32>(xm + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - min);
            }
        }
    }
    qkx2TheMin = -min;
    return scale;
}

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
