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

const LauxA = new Uint8Array(32);
const LauxB = new Uint8Array(32);
const xmA = new Float32Array(32);
const xmB = new Float32Array(32);

/** Results of {@link makeQkx2QuantsPair}. */
export const qkx2Pair = {scaleA: 0, minA: 0, scaleB: 0, minB: 0};

/**
 * {@link makeQkx2Quants} for two independent sub-blocks at once, in lock step. Same float32
 * operations in the same order per sub-block, so the same results; interleaving the two
 * float32 accumulation chains hides their latency (each `Math.fround` step costs ~3 round
 * trips through the FPU), which is what bounds this search in JavaScript.
 */
export function makeQkx2QuantsPair(n: number, nmax: number, x: Float32Array, xoA: number, xoB: number, wA: Float32Array, wB: Float32Array,
    L: Uint8Array, loA: number, loB: number, rmin: number, rdelta: number, nstep: number, useMad: boolean): void {
    let minA = x[xoA]!, maxA = minA, minB = x[xoB]!, maxB = minB;
    let sumWA = wA[0]!, sumWB = wB[0]!;
    let sumXA = f(sumWA * minA), sumXB = f(sumWB * minB);
    for (let i = 1; i < n; i++) {
        const a = x[xoA + i]!, b = x[xoB + i]!;
        if (a < minA) minA = a;
        if (a > maxA) maxA = a;
        if (b < minB) minB = b;
        if (b > maxB) maxB = b;
        const wa = wA[i]!, wb = wB[i]!;
        sumWA = f(sumWA + wa);
        sumXA = f(sumXA + f(wa * a));
        sumWB = f(sumWB + wb);
        sumXB = f(sumXB + f(wb * b));
    }
    if ((minA > 0 ? 0 : minA) === maxA || (minB > 0 ? 0 : minB) === maxB) {
        // a constant (or all-positive-equal) sub-block: rare, take the plain path for both
        qkx2Pair.scaleA = makeQkx2Quants(n, nmax, x, xoA, wA, L, loA, LauxA, rmin, rdelta, nstep, useMad);
        qkx2Pair.minA = qkx2Result.theMin;
        qkx2Pair.scaleB = makeQkx2Quants(n, nmax, x, xoB, wB, L, loB, LauxB, rmin, rdelta, nstep, useMad);
        qkx2Pair.minB = qkx2Result.theMin;
        return;
    }
    if (minA > 0) minA = 0;
    if (minB > 0) minB = 0;
    let iscaleA = f(nmax / f(maxA - minA)), iscaleB = f(nmax / f(maxB - minB));
    let scaleA = f(1 / iscaleA), scaleB = f(1 / iscaleB);
    let bestA = 0, bestB = 0;
    for (let i = 0; i < n; i++) { xmA[i] = x[xoA + i]! - minA; xmB[i] = x[xoB + i]! - minB; }
    for (let i = 0; i < n; i++) {
        const a = x[xoA + i]!, b = x[xoB + i]!;
        let la = nearestInt(f(iscaleA * xmA[i]!));
        la = la < 0 ? 0 : la > nmax ? nmax : la;
        L[loA + i] = la;
        let lb = nearestInt(f(iscaleB * xmB[i]!));
        lb = lb < 0 ? 0 : lb > nmax ? nmax : lb;
        L[loB + i] = lb;
        let da = f(f(f(scaleA * la) + minA) - a);
        da = useMad ? Math.abs(da) : f(da * da);
        let db = f(f(f(scaleB * lb) + minB) - b);
        db = useMad ? Math.abs(db) : f(db * db);
        bestA = f(bestA + f(wA[i]! * da));
        bestB = f(bestB + f(wB[i]! * db));
    }
    for (let is = 0; is <= nstep; is++) {
        const step = f(f(rmin + f(rdelta * is)) + nmax);
        iscaleA = f(step / f(maxA - minA));
        iscaleB = f(step / f(maxB - minB));
        let changedA = is === 0, changedB = is === 0;
        for (let i = 0; i < n; i++) {
            const va = f(iscaleA * xmA[i]!), vb = f(iscaleB * xmB[i]!);
            let la = va > -4194303 && va < 4194303 ? f(va + 12582912) - 12582912 : nearestInt(va);
            la = la < 0 ? 0 : la > nmax ? nmax : la;
            let lb = vb > -4194303 && vb < 4194303 ? f(vb + 12582912) - 12582912 : nearestInt(vb);
            lb = lb < 0 ? 0 : lb > nmax ? nmax : lb;
            if (LauxA[i] !== la) { LauxA[i] = la; changedA = true; }
            if (LauxB[i] !== lb) { LauxB[i] = lb; changedB = true; }
        }
        if (!changedA && !changedB) continue;
        let sLA = 0, sL2A = 0, sXLA = 0, sLB = 0, sL2B = 0, sXLB = 0;
        if (changedA && changedB) {
            for (let i = 0; i < n; i++) {
                const la = LauxA[i]!, lb = LauxB[i]!;
                const wla = f(wA[i]! * la), wlb = f(wB[i]! * lb);
                sLA = f(sLA + wla);
                sLB = f(sLB + wlb);
                sL2A = f(sL2A + f(wla * la));
                sL2B = f(sL2B + f(wlb * lb));
                sXLA = f(sXLA + f(wla * x[xoA + i]!));
                sXLB = f(sXLB + f(wlb * x[xoB + i]!));
            }
        } else if (changedA) {
            for (let i = 0; i < n; i++) {
                const la = LauxA[i]!, wla = f(wA[i]! * la);
                sLA = f(sLA + wla);
                sL2A = f(sL2A + f(wla * la));
                sXLA = f(sXLA + f(wla * x[xoA + i]!));
            }
        } else {
            for (let i = 0; i < n; i++) {
                const lb = LauxB[i]!, wlb = f(wB[i]! * lb);
                sLB = f(sLB + wlb);
                sL2B = f(sL2B + f(wlb * lb));
                sXLB = f(sXLB + f(wlb * x[xoB + i]!));
            }
        }
        let activeA = false, activeB = false, tsA = 0, tmA = 0, tsB = 0, tmB = 0;
        if (changedA) {
            const D = f(f(sumWA * sL2A) - f(sLA * sLA));
            if (D > 0) {
                activeA = true;
                tsA = f(f(f(sumWA * sXLA) - f(sumXA * sLA)) / D);
                tmA = f(f(f(sL2A * sumXA) - f(sLA * sXLA)) / D);
                if (tmA > 0) { tmA = 0; tsA = f(sXLA / sL2A); }
            }
        }
        if (changedB) {
            const D = f(f(sumWB * sL2B) - f(sLB * sLB));
            if (D > 0) {
                activeB = true;
                tsB = f(f(f(sumWB * sXLB) - f(sumXB * sLB)) / D);
                tmB = f(f(f(sL2B * sumXB) - f(sLB * sXLB)) / D);
                if (tmB > 0) { tmB = 0; tsB = f(sXLB / sL2B); }
            }
        }
        // Error sums only grow (non-negative terms), so a sum that reaches the best has lost.
        let ceA = 0, ceB = 0, i = 0;
        if (activeA && activeB) {
            for (; i < n && ceA < bestA && ceB < bestB; i++) {
                let da = f(f(f(tsA * LauxA[i]!) + tmA) - x[xoA + i]!);
                da = useMad ? Math.abs(da) : f(da * da);
                let db = f(f(f(tsB * LauxB[i]!) + tmB) - x[xoB + i]!);
                db = useMad ? Math.abs(db) : f(db * db);
                ceA = f(ceA + f(wA[i]! * da));
                ceB = f(ceB + f(wB[i]! * db));
            }
        }
        if (activeA) {
            for (let k = i; k < n && ceA < bestA; k++) {
                let da = f(f(f(tsA * LauxA[k]!) + tmA) - x[xoA + k]!);
                da = useMad ? Math.abs(da) : f(da * da);
                ceA = f(ceA + f(wA[k]! * da));
            }
            if (ceA < bestA) {
                for (let k = 0; k < n; k++) L[loA + k] = LauxA[k]!;
                bestA = ceA; scaleA = tsA; minA = tmA;
                for (let k = 0; k < n; k++) xmA[k] = x[xoA + k]! - minA;
            }
        }
        if (activeB) {
            for (let k = i; k < n && ceB < bestB; k++) {
                let db = f(f(f(tsB * LauxB[k]!) + tmB) - x[xoB + k]!);
                db = useMad ? Math.abs(db) : f(db * db);
                ceB = f(ceB + f(wB[k]! * db));
            }
            if (ceB < bestB) {
                for (let k = 0; k < n; k++) L[loB + k] = LauxB[k]!;
                bestB = ceB; scaleB = tsB; minB = tmB;
                for (let k = 0; k < n; k++) xmB[k] = x[xoB + k]! - minB;
            }
        }
    }
    qkx2Pair.scaleA = scaleA; qkx2Pair.minA = -minA;
    qkx2Pair.scaleB = scaleB; qkx2Pair.minB = -minB;
}

const prevLB = new Int32Array(32);

/** Results of {@link makeQxQuantsPair}. */
export const qxPair = {scaleA: 0, scaleB: 0};

/**
 * {@link makeQxQuants} for two independent groups at once (same operations per group, so the
 * same results), interleaving their float32 accumulation chains.
 */
export function makeQxQuantsPair(n: number, nmax: number, x: Float32Array, xoA: number, xoB: number, L: Uint8Array, loA: number, loB: number): void {
    let maxA = 0, amaxA = 0, maxB = 0, amaxB = 0;
    for (let i = 0; i < n; i++) {
        const a = Math.abs(x[xoA + i]!), b = Math.abs(x[xoB + i]!);
        if (a > amaxA) { amaxA = a; maxA = x[xoA + i]!; }
        if (b > amaxB) { amaxB = b; maxB = x[xoB + i]!; }
    }
    if (amaxA < GROUP_MAX_EPS || amaxB < GROUP_MAX_EPS) {
        qxPair.scaleA = makeQxQuants(n, nmax, x, xoA, L, loA);
        qxPair.scaleB = makeQxQuants(n, nmax, x, xoB, L, loB);
        return;
    }
    let iscaleA = f(-nmax / maxA), iscaleB = f(-nmax / maxB);
    let sumlxA = 0, suml2A = 0, sumlxB = 0, suml2B = 0;
    for (let i = 0; i < n; i++) {
        const a = x[xoA + i]!, b = x[xoB + i]!;
        let la = nearestInt(f(iscaleA * a));
        la = la < -nmax ? -nmax : la > nmax - 1 ? nmax - 1 : la;
        L[loA + i] = la + nmax;
        let lb = nearestInt(f(iscaleB * b));
        lb = lb < -nmax ? -nmax : lb > nmax - 1 ? nmax - 1 : lb;
        L[loB + i] = lb + nmax;
        const wa = f(a * a), wb = f(b * b);
        sumlxA = f(sumlxA + f(f(wa * a) * la));
        sumlxB = f(sumlxB + f(f(wb * b) * lb));
        suml2A = f(suml2A + f(f(wa * la) * la));
        suml2B = f(suml2B + f(f(wb * lb) * lb));
    }
    let scaleA = suml2A !== 0 ? f(sumlxA / suml2A) : 0, scaleB = suml2B !== 0 ? f(sumlxB / suml2B) : 0;
    let bestA = f(scaleA * sumlxA), bestB = f(scaleB * sumlxB);
    for (let is = -9; is <= 9; is++) {
        if (is === 0) continue;
        const step = f(nmax + f(F01 * is));
        iscaleA = f(-step / maxA);
        iscaleB = f(-step / maxB);
        let changedA = is === -9, changedB = is === -9;
        for (let i = 0; i < n; i++) {
            let la = nearestInt(f(iscaleA * x[xoA + i]!));
            la = la < -nmax ? -nmax : la > nmax - 1 ? nmax - 1 : la;
            if (prevL[i] !== la) { prevL[i] = la; changedA = true; }
            let lb = nearestInt(f(iscaleB * x[xoB + i]!));
            lb = lb < -nmax ? -nmax : lb > nmax - 1 ? nmax - 1 : lb;
            if (prevLB[i] !== lb) { prevLB[i] = lb; changedB = true; }
        }
        if (!changedA && !changedB) continue;
        sumlxA = 0; suml2A = 0; sumlxB = 0; suml2B = 0;
        if (changedA && changedB) {
            for (let i = 0; i < n; i++) {
                const a = x[xoA + i]!, b = x[xoB + i]!, la = prevL[i]!, lb = prevLB[i]!;
                const wa = f(a * a), wb = f(b * b);
                sumlxA = f(sumlxA + f(f(wa * a) * la));
                sumlxB = f(sumlxB + f(f(wb * b) * lb));
                suml2A = f(suml2A + f(f(wa * la) * la));
                suml2B = f(suml2B + f(f(wb * lb) * lb));
            }
        } else if (changedA) {
            for (let i = 0; i < n; i++) {
                const a = x[xoA + i]!, la = prevL[i]!, wa = f(a * a);
                sumlxA = f(sumlxA + f(f(wa * a) * la));
                suml2A = f(suml2A + f(f(wa * la) * la));
            }
        } else {
            for (let i = 0; i < n; i++) {
                const b = x[xoB + i]!, lb = prevLB[i]!, wb = f(b * b);
                sumlxB = f(sumlxB + f(f(wb * b) * lb));
                suml2B = f(suml2B + f(f(wb * lb) * lb));
            }
        }
        if (changedA && suml2A > 0 && f(sumlxA * sumlxA) > f(bestA * suml2A)) {
            for (let i = 0; i < n; i++) L[loA + i] = nmax + prevL[i]!;
            scaleA = f(sumlxA / suml2A);
            bestA = f(scaleA * sumlxA);
        }
        if (changedB && suml2B > 0 && f(sumlxB * sumlxB) > f(bestB * suml2B)) {
            for (let i = 0; i < n; i++) L[loB + i] = nmax + prevLB[i]!;
            scaleB = f(sumlxB / suml2B);
            bestB = f(scaleB * sumlxB);
        }
    }
    qxPair.scaleA = scaleA;
    qxPair.scaleB = scaleB;
}
