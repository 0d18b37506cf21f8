// The scale searches ggml's quantizers run with importance weights (ggml-quants.c `make_qx_quants`
// with `qw`, `make_qkx3_quants`, `make_qp_quants`), ported from the JS reference
// src/quant/codecs/weightedHelpers.ts in native f32: the same float32 operations in the same order.
// Buffers are raw pointers into this module's memory; scratch is static (one call at a time).
import {nearestInt} from "./rounding";

const GROUP_MAX_EPS: f32 = 1e-15;
const F01: f32 = 0.1;

/**
 * `make_qx_quants(n, nmax, x, L, rmse_type = 1, qw)`: symmetric scale search weighted by the f32s at
 * `qw`; writes L ∈ [0, 2·nmax−1] (bytes at `L`: the level plus nmax).
 */
export function makeQxQuantsW(n: i32, nmax: i32, x: usize, L: usize, qw: usize): f32 {
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
        const w = load<f32>(qw + (<usize>i << 2));
        const fl = <f32>l;
        sumlx = sumlx + w * xi * fl;
        suml2 = suml2 + w * fl * fl;
    }
    let scale: f32 = suml2 != 0 ? sumlx / suml2 : 0;
    let best: f32 = scale * sumlx;
    for (let is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -(fnmax + F01 * <f32>is) / max;
        sumlx = 0; suml2 = 0;
        for (let i = 0; i < n; i++) {
            const xi = load<f32>(x + (<usize>i << 2));
            let l = nearestInt(iscale * xi);
            l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
            const w = load<f32>(qw + (<usize>i << 2));
            const fl = <f32>l;
            sumlx = sumlx + w * xi * fl;
            suml2 = suml2 + w * fl * fl;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (let i = 0; i < n; i++) {
                let l = nearestInt(iscale * load<f32>(x + (<usize>i << 2)));
                l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
                store<u8>(L + <usize>i, <u8>(nmax + l));
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/** Second result of {@link makeQkx3Quants} (`*the_min`). */
export let qkx3TheMin: f32 = 0;
const Laux3 = memory.data(32, 16);

/**
 * `make_qkx3_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, use_mad = false)`
 * with weights (the only way the imatrix paths call it); L ∈ [0, nmax] (bytes), n ≤ 32. One block at a
 * time (Q4_1, Q5_1); the k-quants run four sub-blocks at once with kQuantHelpers4.ts's makeQkx3Quants4.
 */
export function makeQkx3Quants(n: i32, nmax: i32, x: usize, w: usize, L: usize, rmin: f32, rdelta: f32, nstep: i32): f32 {
    let min = load<f32>(x), max = min;
    let sumW = load<f32>(w);
    let sumX: f32 = sumW * min;
    for (let i = 1; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        if (xi < min) min = xi;
        if (xi > max) max = xi;
        const wi = load<f32>(w + (<usize>i << 2));
        sumW = sumW + wi;
        sumX = sumX + wi * xi;
    }
    if (min > 0) min = 0;
    if (max <= min) {
        memory.fill(L, 0, <usize>n);
        qkx3TheMin = -min;
        return 0;
    }
    const fnmax = <f32>nmax;
    let iscale: f32 = fnmax / (max - min);
    let scale: f32 = <f32>1 / iscale;
    let bestMad: f32 = 0;
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        let l = nearestInt(iscale * (xi - min));
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        store<u8>(L + <usize>i, <u8>l);
        let diff: f32 = scale * <f32>l + min - xi;
        diff = diff * diff;
        bestMad = bestMad + load<f32>(w + (<usize>i << 2)) * diff;
    }
    if (nstep < 1) {
        qkx3TheMin = -min;
        return scale;
    }
    for (let is = 0; is <= nstep; is++) {
        iscale = (rmin + rdelta * <f32>is + fnmax) / (max - min);
        // The same levels as the step before give the same sums, scale, min and error, which was
        // already compared (and, if accepted, is the best now): skipping it is exact (as in the JS).
        let changed = is == 0;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(iscale * (load<f32>(x + (<usize>i << 2)) - min));
            l = l < 0 ? 0 : l > nmax ? nmax : l;
            if (<i32>load<u8>(Laux3 + <usize>i) != l) { store<u8>(Laux3 + <usize>i, <u8>l); changed = true; }
        }
        if (!changed) continue;
        let sumL: f32 = 0, sumL2: f32 = 0, sumXL: f32 = 0;
        for (let i = 0; i < n; i++) {
            const l = <f32>load<u8>(Laux3 + <usize>i);
            const wl: f32 = load<f32>(w + (<usize>i << 2)) * l;
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
            let mad: f32 = 0;
            for (let i = 0; i < n; i++) {
                let diff: f32 = thisScale * <f32>load<u8>(Laux3 + <usize>i) + thisMin - load<f32>(x + (<usize>i << 2));
                diff = diff * diff;
                mad = mad + load<f32>(w + (<usize>i << 2)) * diff;
            }
            if (mad < bestMad) {
                memory.copy(L, Laux3, <usize>n);
                bestMad = mad;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    qkx3TheMin = -min;
    return scale;
}

/**
 * `make_qp_quants(n, nmax, x, L, quant_weights)`: scale search for non-negative x (scales, mins);
 * L ∈ [0, nmax] (bytes).
 */
export function makeQpQuants(n: i32, nmax: i32, x: usize, L: usize, qw: usize): f32 {
    let max: f32 = 0;
    for (let i = 0; i < n; i++) { const xi = load<f32>(x + (<usize>i << 2)); max = max > xi ? max : xi; }
    if (max < GROUP_MAX_EPS) {
        memory.fill(L, 0, <usize>n);
        return 0;
    }
    const fnmax = <f32>nmax;
    let iscale: f32 = fnmax / max;
    for (let i = 0; i < n; i++) store<u8>(L + <usize>i, <u8>nearestInt(iscale * load<f32>(x + (<usize>i << 2))));
    const scale: f32 = <f32>1 / iscale;
    let bestMse: f32 = 0;
    for (let i = 0; i < n; i++) {
        const diff: f32 = load<f32>(x + (<usize>i << 2)) - scale * <f32>load<u8>(L + <usize>i);
        bestMse = bestMse + load<f32>(qw + (<usize>i << 2)) * diff * diff;
    }
    for (let is = -4; is <= 4; is++) {
        if (is == 0) continue;
        const iscaleIs: f32 = (F01 * <f32>is + fnmax) / max;
        const scaleIs: f32 = <f32>1 / iscaleIs;
        let mse: f32 = 0;
        for (let i = 0; i < n; i++) {
            const xi = load<f32>(x + (<usize>i << 2));
            let l = nearestInt(iscaleIs * xi);
            l = l < nmax ? l : nmax;
            const diff: f32 = xi - scaleIs * <f32>l;
            mse = mse + load<f32>(qw + (<usize>i << 2)) * diff * diff;
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = iscaleIs;
        }
    }
    let sumlx: f32 = 0, suml2: f32 = 0;
    for (let i = 0; i < n; i++) {
        const xi = load<f32>(x + (<usize>i << 2));
        let l = nearestInt(iscale * xi);
        l = l < nmax ? l : nmax;
        store<u8>(L + <usize>i, <u8>l);
        const w = load<f32>(qw + (<usize>i << 2));
        const fl = <f32>l;
        sumlx = sumlx + w * xi * fl;
        suml2 = suml2 + w * fl * fl;
    }
    for (let itry = 0; itry < 5; itry++) {
        let changed = 0;
        for (let i = 0; i < n; i++) {
            const w = load<f32>(qw + (<usize>i << 2)), xi = load<f32>(x + (<usize>i << 2));
            const li = <i32>load<u8>(L + <usize>i);
            const fli = <f32>li;
            let slx: f32 = sumlx - w * xi * fli;
            let sl2: f32 = suml2 - w * fli * fli;
            if (slx > 0 && sl2 > 0) {
                let nl = nearestInt(xi * sl2 / slx);
                nl = nl < nmax ? nl : nmax;
                if (nl != li) {
                    const fnl = <f32>nl;
                    slx = slx + w * xi * fnl;
                    sl2 = sl2 + w * fnl * fnl;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        store<u8>(L + <usize>i, <u8>nl); sumlx = slx; suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    return suml2 > 0 ? sumlx / suml2 : 0;
}
