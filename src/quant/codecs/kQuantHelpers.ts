// The scale-search helpers of ggml's k-quants (gguf-quant-spec §5.4–§5.6), float32 step by step.
import {nearestInt} from "./rounding.js";

const f = Math.fround;
const GROUP_MAX_EPS = f(1e-15);
const F01 = f(0.1);
const prevL = new Int32Array(256);

/** `make_qx_quants(n, nmax, x, L, rmse_type = 1, NULL)`; L[i] ∈ [0, 2·nmax−1]. */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number): number {
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
        const w = f(xi * xi);
        sumlx = f(sumlx + f(f(w * xi) * l));
        suml2 = f(suml2 + f(f(w * l) * l));
    }
    let scale = suml2 !== 0 ? f(sumlx / suml2) : 0;
    let best = f(scale * sumlx);
    // A candidate with the same levels as the previous one has the same sums, and accepting it
    // again would set the same state, so it is skipped (exact, and most candidates repeat).
    for (let is = -9; is <= 9; is++) {
        if (is === 0) continue;
        iscale = f(-f(nmax + f(F01 * is)) / max);
        let changed = is === -9;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(f(iscale * x[xo + i]!));
            l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
            if (prevL[i] !== l) { prevL[i] = l; changed = true; }
        }
        if (!changed) continue;
        sumlx = 0; suml2 = 0;
        for (let i = 0; i < n; i++) {
            const xi = x[xo + i]!;
            const l = prevL[i]!;
            const w = f(xi * xi);
            sumlx = f(sumlx + f(f(w * xi) * l));
            suml2 = f(suml2 + f(f(w * l) * l));
        }
        if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
            for (let i = 0; i < n; i++) L[lo + i] = nmax + prevL[i]!;
            scale = f(sumlx / suml2);
            best = f(scale * sumlx);
        }
    }
    return scale;
}

/** `make_q3_quants(n, nmax, x, L, do_rmse = true)`; L is signed during the search (Int8Array). */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
    let max = 0, amax = 0;
    for (let i = 0; i < n; i++) {
        const ax = Math.abs(x[xo + i]!);
        if (ax > amax) { amax = ax; max = x[xo + i]!; }
    }
    if (amax < GROUP_MAX_EPS) {
        L.fill(0, lo, lo + n);
        return 0;
    }
    const iscale = f(-nmax / max);
    let sumlx = 0, suml2 = 0;
    for (let i = 0; i < n; i++) {
        const xi = x[xo + i]!;
        let l = nearestInt(f(iscale * xi));
        l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
        L[lo + i] = l;
        const w = f(xi * xi);
        sumlx = f(sumlx + f(f(w * xi) * l));
        suml2 = f(suml2 + f(f(w * l) * l));
    }
    for (let itry = 0; itry < 5; itry++) {
        let changed = 0;
        for (let i = 0; i < n; i++) {
            const xi = x[xo + i]!;
            const w = f(xi * xi);
            const li = L[lo + i]!;
            let slx = f(sumlx - f(f(w * xi) * li));
            if (slx > 0) {
                let sl2 = f(suml2 - f(f(w * li) * li));
                let nl = nearestInt(f(f(xi * sl2) / slx));
                nl = nl < -nmax ? -nmax : nl > nmax - 1 ? nmax - 1 : nl;
                if (nl !== li) {
                    slx = f(slx + f(f(w * xi) * nl));
                    sl2 = f(sl2 + f(f(w * nl) * nl));
                    if (sl2 > 0 && f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2)) {
                        L[lo + i] = nl; sumlx = slx; suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (changed === 0) break;
    }
    for (let i = 0; i < n; i++) L[lo + i] = L[lo + i]! + nmax;
    return suml2 > 0 ? f(sumlx / suml2) : 0;
}

const xm = new Float32Array(256);

/** Second result of {@link makeQkx2Quants} (`*the_min`), to avoid an allocation per call. */
export const qkx2Result = {theMin: 0};

/** `make_qkx2_quants`: asymmetric (scale, min) search; writes L ∈ [0, nmax]. */
export function makeQkx2Quants(n: number, nmax: number, x: Float32Array, xo: number, weights: Float32Array,
    L: Uint8Array, lo: number, Laux: Uint8Array, rmin: number, rdelta: number, nstep: number, useMad: boolean): number {
    let min = x[xo]!, max = x[xo]!;
    let sumW = weights[0]!;
    let sumX = f(sumW * x[xo]!);
    for (let i = 1; i < n; i++) {
        const xi = x[xo + i]!;
        if (xi < min) min = xi;
        if (xi > max) max = xi;
        const w = weights[i]!;
        sumW = f(sumW + w);
        sumX = f(sumX + f(w * xi));
    }
    if (min > 0) min = 0;
    if (max === min) {
        L.fill(0, lo, lo + n);
        qkx2Result.theMin = -min;
        return 0;
    }
    let iscale = f(nmax / f(max - min));
    let scale = f(1 / iscale);
    let bestError = 0;
    for (let i = 0; i < n; i++) xm[i] = x[xo + i]! - min;
    for (let i = 0; i < n; i++) {
        const xi = x[xo + i]!;
        let l = nearestInt(f(iscale * xm[i]!));
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        L[lo + i] = l;
        let diff = f(f(f(scale * l) + min) - xi);
        diff = useMad ? Math.abs(diff) : f(diff * diff);
        bestError = f(bestError + f(weights[i]! * diff));
    }
    for (let is = 0; is <= nstep; is++) {
        // `min` moves to the best candidate's min, so the range is recomputed (as in ggml)
        iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
        // A step that yields the same levels as the one before gives the same error, which can
        // not beat the best (it was already compared), so it is skipped: same bytes, less work.
        let changed = is === 0;
        for (let i = 0; i < n; i++) {
            const v = f(iscale * xm[i]!);
            let l = v > -4194303 && v < 4194303 ? f(v + 12582912) - 12582912 : nearestInt(v);
            l = l < 0 ? 0 : l > nmax ? nmax : l;
            if (Laux[i] !== l) { Laux[i] = l; changed = true; }
        }
        if (!changed) continue;
        let sumL = 0, sumL2 = 0, sumXL = 0;
        for (let i = 0; i < n; i++) {
            const l = Laux[i]!;
            const wl = f(weights[i]! * l);
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
            // The error is a float32 sum of non-negative terms, so it never decreases: once it
            // reaches the best error this candidate has lost, and the rest need not be summed.
            let curError = 0;
            for (let i = 0; i < n && curError < bestError; i++) {
                let diff = f(f(f(thisScale * Laux[i]!) + thisMin) - x[xo + i]!);
                diff = useMad ? Math.abs(diff) : f(diff * diff);
                curError = f(curError + f(weights[i]! * diff));
            }
            if (curError < bestError) {
                for (let i = 0; i < n; i++) L[lo + i] = Laux[i]!;
                bestError = curError;
                scale = thisScale;
                min = thisMin;
                for (let i = 0; i < n; i++) xm[i] = x[xo + i]! - min;
            }
        }
    }
    qkx2Result.theMin = -min;
    return scale;
}
