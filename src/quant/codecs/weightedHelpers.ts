// The scale searches ggml's quantizers run with importance weights (ggml-quants.c
// `make_qx_quants` with `qw`, `make_qkx3_quants`, `make_qp_quants`), float32 step by step.
import {nearestInt} from "./rounding.js";

const f = Math.fround;
const GROUP_MAX_EPS = f(1e-15);
const F01 = f(0.1);

/**
 * `make_qx_quants(n, nmax, x, L, rmse_type = 1, qw)`: symmetric scale search weighted by
 * `qw[qo…]`; writes L ∈ [0, 2·nmax−1] (the level plus nmax).
 */
export function makeQxQuantsW(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array | Uint8Array, lo: number,
    qw: Float32Array, qo: number): number {
    let max = 0, amax = 0;
    for (let i = 0; i < n; i++) {
        const ax = Math.abs(x[xo + i]!);
        if (ax > amax) { amax = ax; max = x[xo + i]!; }
    }
    if (amax < GROUP_MAX_EPS) {
        L.fill(0, lo, lo + n);
        return 0;
    }
    let iscale = f(-nmax / max);
    let sumlx = 0, suml2 = 0;
    for (let i = 0; i < n; i++) {
        const xi = x[xo + i]!;
        let l = nearestInt(f(iscale * xi));
        l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
        L[lo + i] = l + nmax;
        const w = qw[qo + i]!;
        sumlx = f(sumlx + f(f(w * xi) * l));
        suml2 = f(suml2 + f(f(w * l) * l));
    }
    let scale = suml2 !== 0 ? f(sumlx / suml2) : 0;
    let best = f(scale * sumlx);
    for (let is = -9; is <= 9; is++) {
        if (is === 0) continue;
        iscale = f(-f(nmax + f(F01 * is)) / max);
        sumlx = 0; suml2 = 0;
        for (let i = 0; i < n; i++) {
            const xi = x[xo + i]!;
            let l = nearestInt(f(iscale * xi));
            l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
            const w = qw[qo + i]!;
            sumlx = f(sumlx + f(f(w * xi) * l));
            suml2 = f(suml2 + f(f(w * l) * l));
        }
        if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
            for (let i = 0; i < n; i++) {
                const l = nearestInt(f(iscale * x[xo + i]!));
                L[lo + i] = nmax + (l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l);
            }
            scale = f(sumlx / suml2);
            best = f(scale * sumlx);
        }
    }
    return scale;
}

/** Second result of {@link makeQkx3Quants} (`*the_min`), to avoid an allocation per call. */
export const qkx3Result = {theMin: 0};
const Laux = new Uint8Array(32);

/**
 * `make_qkx3_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, use_mad = false)`
 * with weights (the only way the imatrix paths call it); L ∈ [0, nmax].
 */
export function makeQkx3Quants(n: number, nmax: number, x: Float32Array, xo: number, w: Float32Array, wo: number,
    L: Uint8Array, lo: number, rmin: number, rdelta: number, nstep: number): number {
    let min = x[xo]!, max = x[xo]!;
    let sumW = w[wo]!;
    let sumX = f(sumW * x[xo]!);
    for (let i = 1; i < n; i++) {
        const xi = x[xo + i]!;
        if (xi < min) min = xi;
        if (xi > max) max = xi;
        const wi = w[wo + i]!;
        sumW = f(sumW + wi);
        sumX = f(sumX + f(wi * xi));
    }
    if (min > 0) min = 0;
    if (max <= min) {
        L.fill(0, lo, lo + n);
        qkx3Result.theMin = -min;
        return 0;
    }
    let iscale = f(nmax / f(max - min));
    let scale = f(1 / iscale);
    let bestMad = 0;
    for (let i = 0; i < n; i++) {
        const xi = x[xo + i]!;
        let l = nearestInt(f(iscale * f(xi - min)));
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        L[lo + i] = l;
        let diff = f(f(f(scale * l) + min) - xi);
        diff = f(diff * diff);
        bestMad = f(bestMad + f(w[wo + i]! * diff));
    }
    if (nstep < 1) {
        qkx3Result.theMin = -min;
        return scale;
    }
    for (let is = 0; is <= nstep; is++) {
        iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
        // The same levels as the step before give the same sums, scale, min and error, which
        // was already compared (and, if accepted, is the best now): skipping it is exact.
        let changed = is === 0;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(f(iscale * f(x[xo + i]! - min)));
            l = l < 0 ? 0 : l > nmax ? nmax : l;
            if (Laux[i] !== l) { Laux[i] = l; changed = true; }
        }
        if (!changed) continue;
        let sumL = 0, sumL2 = 0, sumXL = 0;
        for (let i = 0; i < n; i++) {
            const l = Laux[i]!;
            const wl = f(w[wo + i]! * l);
            sumL = f(sumL + wl);
            sumL2 = f(sumL2 + f(wl * l));
            sumXL = f(sumXL + f(wl * x[xo + i]!));
        }
        const D = f(f(sumW * sumL2) - f(sumL * sumL));
        if (D > 0) {
            let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
            let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = f(sumXL / sumL2);
            }
            let mad = 0;
            for (let i = 0; i < n; i++) {
                let diff = f(f(f(thisScale * Laux[i]!) + thisMin) - x[xo + i]!);
                diff = f(diff * diff);
                mad = f(mad + f(w[wo + i]! * diff));
            }
            if (mad < bestMad) {
                for (let i = 0; i < n; i++) L[lo + i] = Laux[i]!;
                bestMad = mad;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    qkx3Result.theMin = -min;
    return scale;
}

/** `make_qp_quants(n, nmax, x, L, quant_weights)`: scale search for non-negative x (scales, mins); L ∈ [0, nmax]. */
export function makeQpQuants(n: number, nmax: number, x: Float32Array, L: Uint8Array, qw: Float32Array): number {
    let max = 0;
    for (let i = 0; i < n; i++) max = max > x[i]! ? max : x[i]!;
    if (max < GROUP_MAX_EPS) {
        L.fill(0, 0, n);
        return 0;
    }
    let iscale = f(nmax / max);
    for (let i = 0; i < n; i++) L[i] = nearestInt(f(iscale * x[i]!)) & 0xFF;
    const scale = f(1 / iscale);
    let bestMse = 0;
    for (let i = 0; i < n; i++) {
        const diff = f(x[i]! - f(scale * L[i]!));
        bestMse = f(bestMse + f(f(qw[i]! * diff) * diff));
    }
    for (let is = -4; is <= 4; is++) {
        if (is === 0) continue;
        const iscaleIs = f(f(f(F01 * is) + nmax) / max);
        const scaleIs = f(1 / iscaleIs);
        let mse = 0;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(f(iscaleIs * x[i]!));
            l = l < nmax ? l : nmax;
            const diff = f(x[i]! - f(scaleIs * l));
            mse = f(mse + f(f(qw[i]! * diff) * diff));
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = iscaleIs;
        }
    }
    let sumlx = 0, suml2 = 0;
    for (let i = 0; i < n; i++) {
        let l = nearestInt(f(iscale * x[i]!));
        l = l < nmax ? l : nmax;
        L[i] = l & 0xFF;
        const w = qw[i]!;
        sumlx = f(sumlx + f(f(w * x[i]!) * l));
        suml2 = f(suml2 + f(f(w * l) * l));
    }
    for (let itry = 0; itry < 5; itry++) {
        let changed = 0;
        for (let i = 0; i < n; i++) {
            const w = qw[i]!, xi = x[i]!, li = L[i]!;
            let slx = f(sumlx - f(f(w * xi) * li));
            let sl2 = f(suml2 - f(f(w * li) * li));
            if (slx > 0 && sl2 > 0) {
                let nl = nearestInt(f(f(xi * sl2) / slx));
                nl = nl < nmax ? nl : nmax;
                if (nl !== li) {
                    slx = f(slx + f(f(w * xi) * nl));
                    sl2 = f(sl2 + f(f(w * nl) * nl));
                    if (f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2)) {
                        L[i] = nl; sumlx = slx; suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (changed === 0) break;
    }
    return suml2 > 0 ? f(sumlx / suml2) : 0;
}
