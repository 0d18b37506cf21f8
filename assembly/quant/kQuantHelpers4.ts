// Four independent sub-blocks at once: ggml's make_qkx2_quants, make_qkx3_quants and make_qx_quants
// with each of the four f32x4 lanes running one sub-block's search. Every lane performs exactly the
// scalar version's float32 operations in the same order (sums stay per lane, in index order), so
// the results are bit-identical with the JS references (src/quant/codecs/kQuantHelpers.ts,
// weightedHelpers.ts). Where the scalar code branches per sub-block, the lanes compute both sides
// and select; the scalar code's shortcuts (skipping a step whose levels did not change, stopping an
// error sum once it reaches the best) are left out, which is exact for the reasons given there (the
// same levels give the same outcome; a float32 sum of non-negative terms never decreases).
//
// Inputs are transposed: element i of the four sub-blocks is the v128 at `x4 + 16·i` (lane k =
// sub-block k), likewise the weights `w4`. Levels come back transposed as i32 lanes in `L4`.

const L4aux = memory.data(32 * 16, 16);
const x4 = memory.data(32 * 16, 16);
const w4 = memory.data(32 * 16, 16);
const L4 = memory.data(32 * 16, 16);
const xm4 = memory.data(32 * 16, 16);

/** Per-lane results of the last call: `scale` (the return value) and `*the_min`. */
export const qkScale4 = memory.data(16, 16);
export const qkTheMin4 = memory.data(16, 16);

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 4); }

/** nearest_int on four lanes: the f32 add of 1.5·2^23, then the low mantissa bits. */
// @ts-ignore: decorator
@inline function nearestInt4(v: v128): v128 {
    const t = f32x4.add(v, f32x4.splat(12582912.0));
    return i32x4.sub(v128.and(t, i32x4.splat(0x007FFFFF)), i32x4.splat(0x00400000));
}

// @ts-ignore: decorator
@inline function clamp4(l: v128, lo: i32, hi: i32): v128 {
    return i32x4.min_s(i32x4.max_s(l, i32x4.splat(lo)), i32x4.splat(hi));
}

/** min/max the way the scalar code writes them (`if (xi < min) min = xi`): NaN never replaces. */
// @ts-ignore: decorator
@inline function minLt(xi: v128, min: v128): v128 { return v128.bitselect(xi, min, f32x4.lt(xi, min)); }
// @ts-ignore: decorator
@inline function maxGt(xi: v128, max: v128): v128 { return v128.bitselect(xi, max, f32x4.gt(xi, max)); }

/**
 * `make_qkx2_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, use_mad)` on four
 * sub-blocks (n ≤ 32). Results in {@link qkScale4} / {@link qkTheMin4}, levels in `L4`.
 */
export function makeQkx2Quants4(n: i32, nmax: i32, x4: usize, w4: usize, L4: usize, rmin: f32, rdelta: f32, nstep: i32, useMad: bool): void {
    let min = v128.load(x4), max = min;
    let sumW = v128.load(w4);
    const sumX = sumXW(n, x4, w4, sumW);
    for (let i = 1; i < n; i++) {
        const xi = v128.load(at(x4, i));
        min = minLt(xi, min);
        max = maxGt(xi, max);
        sumW = f32x4.add(sumW, v128.load(at(w4, i)));
    }
    const zero = f32x4.splat(0);
    min = v128.bitselect(zero, min, f32x4.gt(min, zero));
    const degenerate = f32x4.eq(max, min);
    const min0 = min;
    const fnmax = f32x4.splat(<f32>nmax);
    let iscale = f32x4.div(fnmax, f32x4.sub(max, min));
    let scale = f32x4.div(f32x4.splat(1), iscale);
    let bestError = zero;
    for (let i = 0; i < n; i++) v128.store(at(xm4, i), f32x4.sub(v128.load(at(x4, i)), min));
    for (let i = 0; i < n; i++) {
        const l = clamp4(nearestInt4(f32x4.mul(iscale, v128.load(at(xm4, i)))), 0, nmax);
        v128.store(at(L4, i), l);
        let diff = f32x4.sub(f32x4.add(f32x4.mul(scale, f32x4.convert_i32x4_s(l)), min), v128.load(at(x4, i)));
        diff = useMad ? f32x4.abs(diff) : f32x4.mul(diff, diff);
        bestError = f32x4.add(bestError, f32x4.mul(v128.load(at(w4, i)), diff));
    }
    for (let is = 0; is <= nstep; is++) {
        iscale = f32x4.div(f32x4.splat(rmin + rdelta * <f32>is + <f32>nmax), f32x4.sub(max, min));
        for (let i = 0; i < n; i++) v128.store(at(L4aux, i), clamp4(nearestInt4(f32x4.mul(iscale, v128.load(at(xm4, i)))), 0, nmax));
        let sumL = zero, sumL2 = zero, sumXL = zero;
        for (let i = 0; i < n; i++) {
            const l = f32x4.convert_i32x4_s(v128.load(at(L4aux, i)));
            const wl = f32x4.mul(v128.load(at(w4, i)), l);
            sumL = f32x4.add(sumL, wl);
            sumL2 = f32x4.add(sumL2, f32x4.mul(wl, l));
            sumXL = f32x4.add(sumXL, f32x4.mul(wl, v128.load(at(x4, i))));
        }
        const D = f32x4.sub(f32x4.mul(sumW, sumL2), f32x4.mul(sumL, sumL));
        const dPos = f32x4.gt(D, zero);
        if (!v128.any_true(dPos)) continue;
        let thisScale = f32x4.div(f32x4.sub(f32x4.mul(sumW, sumXL), f32x4.mul(sumX, sumL)), D);
        let thisMin = f32x4.div(f32x4.sub(f32x4.mul(sumL2, sumX), f32x4.mul(sumL, sumXL)), D);
        const minPos = f32x4.gt(thisMin, zero);
        thisMin = v128.bitselect(zero, thisMin, minPos);
        thisScale = v128.bitselect(f32x4.div(sumXL, sumL2), thisScale, minPos);
        let curError = zero;
        for (let i = 0; i < n; i++) {
            let diff = f32x4.sub(f32x4.add(f32x4.mul(thisScale, f32x4.convert_i32x4_s(v128.load(at(L4aux, i)))), thisMin), v128.load(at(x4, i)));
            diff = useMad ? f32x4.abs(diff) : f32x4.mul(diff, diff);
            curError = f32x4.add(curError, f32x4.mul(v128.load(at(w4, i)), diff));
        }
        const take = v128.and(dPos, f32x4.lt(curError, bestError));
        if (!v128.any_true(take)) continue;
        for (let i = 0; i < n; i++) v128.store(at(L4, i), v128.bitselect(v128.load(at(L4aux, i)), v128.load(at(L4, i)), take));
        bestError = v128.bitselect(curError, bestError, take);
        scale = v128.bitselect(thisScale, scale, take);
        min = v128.bitselect(thisMin, min, take);
        for (let i = 0; i < n; i++) v128.store(at(xm4, i), f32x4.sub(v128.load(at(x4, i)), min));
    }
    finish(n, L4, degenerate, scale, min, min0);
}

// Σ w·x per lane in index order, starting from w[0]·x[0] (make_qkx*_quants' sum_x).
// @ts-ignore: decorator
@inline function sumXW(n: i32, x4: usize, w4: usize, w0: v128): v128 {
    let s = f32x4.mul(w0, v128.load(x4));
    for (let i = 1; i < n; i++) s = f32x4.add(s, f32x4.mul(v128.load(at(w4, i)), v128.load(at(x4, i))));
    return s;
}

// Degenerate lanes (the scalar early return) get levels 0, scale 0 and -min as it was then.
function finish(n: i32, L4: usize, degenerate: v128, scale: v128, min: v128, min0: v128): void {
    if (v128.any_true(degenerate)) {
        for (let i = 0; i < n; i++) v128.store(at(L4, i), v128.andnot(v128.load(at(L4, i)), degenerate));
    }
    v128.store(qkScale4, v128.andnot(scale, degenerate));
    v128.store(qkTheMin4, f32x4.neg(v128.bitselect(min0, min, degenerate)));
}

/**
 * `make_qkx3_quants(n, nmax, x, weights, L, &the_min, Laux, rmin, rdelta, nstep, use_mad = false)`
 * with weights on four sub-blocks (n ≤ 32, nstep ≥ 1). Results as {@link makeQkx2Quants4}'s.
 */
export function makeQkx3Quants4(n: i32, nmax: i32, x4: usize, w4: usize, L4: usize, rmin: f32, rdelta: f32, nstep: i32): void {
    let min = v128.load(x4), max = min;
    let sumW = v128.load(w4);
    const sumX = sumXW(n, x4, w4, sumW);
    for (let i = 1; i < n; i++) {
        const xi = v128.load(at(x4, i));
        min = minLt(xi, min);
        max = maxGt(xi, max);
        sumW = f32x4.add(sumW, v128.load(at(w4, i)));
    }
    const zero = f32x4.splat(0);
    min = v128.bitselect(zero, min, f32x4.gt(min, zero));
    const degenerate = f32x4.le(max, min);
    const min0 = min;
    const fnmax = f32x4.splat(<f32>nmax);
    let iscale = f32x4.div(fnmax, f32x4.sub(max, min));
    let scale = f32x4.div(f32x4.splat(1), iscale);
    let bestMad = zero;
    for (let i = 0; i < n; i++) {
        const xi = v128.load(at(x4, i));
        const l = clamp4(nearestInt4(f32x4.mul(iscale, f32x4.sub(xi, min))), 0, nmax);
        v128.store(at(L4, i), l);
        let diff = f32x4.sub(f32x4.add(f32x4.mul(scale, f32x4.convert_i32x4_s(l)), min), xi);
        diff = f32x4.mul(diff, diff);
        bestMad = f32x4.add(bestMad, f32x4.mul(v128.load(at(w4, i)), diff));
    }
    for (let is = 0; is <= nstep; is++) {
        iscale = f32x4.div(f32x4.splat(rmin + rdelta * <f32>is + <f32>nmax), f32x4.sub(max, min));
        for (let i = 0; i < n; i++) {
            v128.store(at(L4aux, i), clamp4(nearestInt4(f32x4.mul(iscale, f32x4.sub(v128.load(at(x4, i)), min))), 0, nmax));
        }
        let sumL = zero, sumL2 = zero, sumXL = zero;
        for (let i = 0; i < n; i++) {
            const l = f32x4.convert_i32x4_s(v128.load(at(L4aux, i)));
            const wl = f32x4.mul(v128.load(at(w4, i)), l);
            sumL = f32x4.add(sumL, wl);
            sumL2 = f32x4.add(sumL2, f32x4.mul(wl, l));
            sumXL = f32x4.add(sumXL, f32x4.mul(wl, v128.load(at(x4, i))));
        }
        const D = f32x4.sub(f32x4.mul(sumW, sumL2), f32x4.mul(sumL, sumL));
        const dPos = f32x4.gt(D, zero);
        if (!v128.any_true(dPos)) continue;
        let thisScale = f32x4.div(f32x4.sub(f32x4.mul(sumW, sumXL), f32x4.mul(sumX, sumL)), D);
        let thisMin = f32x4.div(f32x4.sub(f32x4.mul(sumL2, sumX), f32x4.mul(sumL, sumXL)), D);
        const minPos = f32x4.gt(thisMin, zero);
        thisMin = v128.bitselect(zero, thisMin, minPos);
        thisScale = v128.bitselect(f32x4.div(sumXL, sumL2), thisScale, minPos);
        let mad = zero;
        for (let i = 0; i < n; i++) {
            let diff = f32x4.sub(f32x4.add(f32x4.mul(thisScale, f32x4.convert_i32x4_s(v128.load(at(L4aux, i)))), thisMin), v128.load(at(x4, i)));
            diff = f32x4.mul(diff, diff);
            mad = f32x4.add(mad, f32x4.mul(v128.load(at(w4, i)), diff));
        }
        const take = v128.and(dPos, f32x4.lt(mad, bestMad));
        if (!v128.any_true(take)) continue;
        for (let i = 0; i < n; i++) v128.store(at(L4, i), v128.bitselect(v128.load(at(L4aux, i)), v128.load(at(L4, i)), take));
        bestMad = v128.bitselect(mad, bestMad, take);
        scale = v128.bitselect(thisScale, scale, take);
        min = v128.bitselect(thisMin, min, take);
    }
    finish(n, L4, degenerate, scale, min, min0);
}

/** Four sub-blocks of n f32s, `strideBytes` apart from `src`, transposed into n v128s at `dst`. */
export function transpose4(src: usize, strideBytes: usize, n: i32, dst: usize): void {
    for (let i = 0; i < n; i++) {
        const p = src + (<usize>i << 2);
        v128.store(at(dst, i), f32x4(load<f32>(p), load<f32>(p + strideBytes), load<f32>(p + 2 * strideBytes), load<f32>(p + 3 * strideBytes)));
    }
}

/** The transposed i32 levels back to four runs of n bytes, `strideBytes` apart from `L`. */
export function untransposeLevels4(L4: usize, n: i32, L: usize, strideBytes: usize): void {
    for (let i = 0; i < n; i++) {
        const v = v128.load(at(L4, i)), p = L + <usize>i;
        store<u8>(p, <u8>i32x4.extract_lane(v, 0));
        store<u8>(p + strideBytes, <u8>i32x4.extract_lane(v, 1));
        store<u8>(p + 2 * strideBytes, <u8>i32x4.extract_lane(v, 2));
        store<u8>(p + 3 * strideBytes, <u8>i32x4.extract_lane(v, 3));
    }
}

/** Q4_K/Q5_K's sub-block weights on four lanes: av_x + |x|, av_x = √(Σx²/32), Σ in index order. */
export function k4Weights4(x4: usize, w4: usize): void {
    let sumX2 = f32x4.splat(0);
    for (let i = 0; i < 32; i++) { const v = v128.load(at(x4, i)); sumX2 = f32x4.add(sumX2, f32x4.mul(v, v)); }
    const avX = f32x4.sqrt(f32x4.div(sumX2, f32x4.splat(32)));
    for (let i = 0; i < 32; i++) v128.store(at(w4, i), f32x4.add(avX, f32x4.abs(v128.load(at(x4, i)))));
}

/** Q2_K's sub-block weights on four lanes: |x|. */
export function absWeights4(x4: usize, n: i32, w4: usize): void {
    for (let i = 0; i < n; i++) v128.store(at(w4, i), f32x4.abs(v128.load(at(x4, i))));
}


/** Which weights make_qkx2_quants gets: Q4_K/Q5_K's av_x + |x| (n = 32), or Q2_K's |x|. */
export const enum Qkx2Weights { K4, Abs }

/**
 * make_qkx2_quants on `nSub` (a multiple of 4) consecutive sub-blocks of n f32s at x: levels as bytes
 * at `L + n·j`, scale j and min j as f32s at `scales` / `mins`.
 */
export function qkx2SubBlocks(x: usize, nSub: i32, n: i32, nmax: i32, weights: Qkx2Weights, L: usize, scales: usize, mins: usize,
    rmin: f32, rdelta: f32, nstep: i32, useMad: bool): void {
    const stride = <usize>n << 2;
    for (let j = 0; j < nSub; j += 4) {
        transpose4(x + <usize>j * stride, stride, n, x4);
        if (weights == Qkx2Weights.K4) k4Weights4(x4, w4);
        else absWeights4(x4, n, w4);
        makeQkx2Quants4(n, nmax, x4, w4, L4, rmin, rdelta, nstep, useMad);
        untransposeLevels4(L4, n, L + <usize>(j * n), <usize>n);
        v128.store(scales + (<usize>j << 2), v128.load(qkScale4));
        v128.store(mins + (<usize>j << 2), v128.load(qkTheMin4));
    }
}

/**
 * make_qkx3_quants on `nSub` (a multiple of 4) consecutive sub-blocks of n f32s at x with their
 * weights at `w` (n·nSub f32s): levels, scales and mins as {@link qkx2SubBlocks}'s.
 */
export function qkx3SubBlocks(x: usize, w: usize, nSub: i32, n: i32, nmax: i32, L: usize, scales: usize, mins: usize,
    rmin: f32, rdelta: f32, nstep: i32): void {
    const stride = <usize>n << 2;
    for (let j = 0; j < nSub; j += 4) {
        transpose4(x + <usize>j * stride, stride, n, x4);
        transpose4(w + <usize>j * stride, stride, n, w4);
        makeQkx3Quants4(n, nmax, x4, w4, L4, rmin, rdelta, nstep);
        untransposeLevels4(L4, n, L + <usize>(j * n), <usize>n);
        v128.store(scales + (<usize>j << 2), v128.load(qkScale4));
        v128.store(mins + (<usize>j << 2), v128.load(qkTheMin4));
    }
}

const GROUP_MAX_EPS: f32 = 1e-15;
const F01: f32 = 0.1;

/**
 * `make_qx_quants(n, nmax, x, L, rmse_type = 1, qw)` on four sub-blocks (n ≤ 32): weights x² when
 * `squares` (ggml's qw = NULL), else `w4`. Levels (the level plus nmax; 0 for an all-tiny lane) in
 * `L4`, the scales in {@link qkScale4}.
 */
export function makeQxQuants4(n: i32, nmax: i32, x4: usize, w4: usize, squares: bool, L4: usize): void {
    const zero = f32x4.splat(0);
    let max = zero, amax = zero;
    for (let i = 0; i < n; i++) {
        const xi = v128.load(at(x4, i));
        const ax = f32x4.abs(xi);
        const more = f32x4.gt(ax, amax);
        amax = v128.bitselect(ax, amax, more);
        max = v128.bitselect(xi, max, more);
    }
    const degenerate = f32x4.lt(amax, f32x4.splat(GROUP_MAX_EPS));
    const fnmax = <f32>nmax;
    let iscale = f32x4.div(f32x4.splat(-fnmax), max);
    let sumlx = zero, suml2 = zero;
    for (let i = 0; i < n; i++) {
        const xi = v128.load(at(x4, i));
        const l = clamp4(nearestInt4(f32x4.mul(iscale, xi)), -nmax, nmax - 1);
        v128.store(at(L4, i), i32x4.add(l, i32x4.splat(nmax)));
        const w = squares ? f32x4.mul(xi, xi) : v128.load(at(w4, i));
        const fl = f32x4.convert_i32x4_s(l);
        sumlx = f32x4.add(sumlx, f32x4.mul(f32x4.mul(w, xi), fl));
        suml2 = f32x4.add(suml2, f32x4.mul(f32x4.mul(w, fl), fl));
    }
    let scale = v128.bitselect(f32x4.div(sumlx, suml2), zero, f32x4.ne(suml2, zero));
    let best = f32x4.mul(scale, sumlx);
    for (let is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = f32x4.div(f32x4.splat(-(fnmax + F01 * <f32>is)), max);
        sumlx = zero; suml2 = zero;
        for (let i = 0; i < n; i++) {
            const xi = v128.load(at(x4, i));
            const l = clamp4(nearestInt4(f32x4.mul(iscale, xi)), -nmax, nmax - 1);
            v128.store(at(L4aux, i), l);
            const w = squares ? f32x4.mul(xi, xi) : v128.load(at(w4, i));
            const fl = f32x4.convert_i32x4_s(l);
            sumlx = f32x4.add(sumlx, f32x4.mul(f32x4.mul(w, xi), fl));
            suml2 = f32x4.add(suml2, f32x4.mul(f32x4.mul(w, fl), fl));
        }
        const take = v128.and(f32x4.gt(suml2, zero), f32x4.gt(f32x4.mul(sumlx, sumlx), f32x4.mul(best, suml2)));
        if (!v128.any_true(take)) continue;
        const off = i32x4.splat(nmax);
        for (let i = 0; i < n; i++) v128.store(at(L4, i), v128.bitselect(i32x4.add(v128.load(at(L4aux, i)), off), v128.load(at(L4, i)), take));
        scale = v128.bitselect(f32x4.div(sumlx, suml2), scale, take);
        best = v128.bitselect(f32x4.mul(scale, sumlx), best, take);
    }
    if (v128.any_true(degenerate)) {
        for (let i = 0; i < n; i++) v128.store(at(L4, i), v128.andnot(v128.load(at(L4, i)), degenerate));
    }
    v128.store(qkScale4, v128.andnot(scale, degenerate));
}

/**
 * make_qx_quants on `nSub` (a multiple of 4) consecutive sub-blocks of n f32s at x, weighted by the
 * f32s at `w` (n·nSub, beside x) or, when `w` is 0, by x²: levels as bytes at `L + n·j`, scale j at `scales`.
 */
export function qxSubBlocks(x: usize, w: usize, nSub: i32, n: i32, nmax: i32, L: usize, scales: usize): void {
    const stride = <usize>n << 2;
    for (let j = 0; j < nSub; j += 4) {
        transpose4(x + <usize>j * stride, stride, n, x4);
        if (w != 0) transpose4(w + <usize>j * stride, stride, n, w4);
        makeQxQuants4(n, nmax, x4, w4, w == 0, L4);
        untransposeLevels4(L4, n, L + <usize>(j * n), <usize>n);
        v128.store(scales + (<usize>j << 2), v128.load(qkScale4));
    }
}
