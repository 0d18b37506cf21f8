// IQ1_S and IQ1_M quantizers: ports of ggml's `quantize_row_iq1_s_impl` and
// `quantize_row_iq1_m_impl` with `iq1_find_best_neighbour2` (ggml-quants.c, MIT), float32 in
// ggml's order. Each block's values are split into the three levels −1, 0, +1 (shifted by ±Δ)
// by an exhaustive search over the two boundaries of the sorted values.
import {writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";
import {gridIQ1, type IqGrid} from "./iqGridSearch.js";

import {NonFiniteWeightsError} from "./NonFiniteWeightsError.js";

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;
const GROUP_MAX_EPS_IQ1_S = f(1e-12);
const GROUP_MAX_EPS_IQ1_M = f(1e-7);
const DELTA = f(0.125);
const X_P = Float32Array.of(f(-1 + DELTA), DELTA, f(1 + DELTA));
const X_M = Float32Array.of(f(-1 - DELTA), -DELTA, f(1 - DELTA));

const weight = new Float32Array(32);
const L = new Int8Array(32);
const idx = new Int32Array(32);
const sumx = new Float32Array(33);
const sumw = new Float32Array(33);
const scales = new Float32Array(16);
const shifts = new Int8Array(16);
const index = new Uint16Array(4);

function sigma2Of(x: Float32Array, xo: number): number {
    let s = 0;
    for (let i = 0; i < 256; i++) { const v = x[xo + i]!; s = f(s + f(v * v)); }
    return f(f(2 * s) / 256);
}

function importance(x: Float32Array, xo: number, n: number, qw: Float32Array | undefined, qo: number, sigma2: number): void {
    for (let i = 0; i < n; i++) {
        const v = x[xo + i]!;
        weight[i] = qw === undefined ? f(v * v) : f(qw[qo + i]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
}

// qsort of (value, index) pairs by value: glibc's qsort is a merge sort for arrays this small, so
// equal values keep their order; insertion sort is stable too.
function sortIndices(x: Float32Array, xo: number, n: number): void {
    for (let j = 0; j < n; j++) {
        const v = x[xo + j]!;
        let k = j;
        while (k > 0 && x[xo + idx[k - 1]!]! > v) { idx[k] = idx[k - 1]!; k--; }
        idx[k] = j;
    }
}

/** `iq1_find_best_neighbour2`: the neighbour nearest in weighted distance with levels xg[·]; writes L. */
function bestNeighbour2(grid: IqGrid, u: number, x: Float32Array, xo: number, wo: number, scale: number, xg: Float32Array, lo: number): number {
    const list = grid.neighbours(u);
    const p = grid.points;
    let best = FLT_MAX, gridIndex = -1;
    for (let j = 0; j < list.length; j++) {
        const o = list[j]! * 8;
        let d2 = 0;
        for (let i = 0; i < 8; i++) {
            const q = xg[(p[o + i]! - 1) >> 1]!;
            const diff = f(f(scale * q) - x[xo + i]!);
            d2 = f(d2 + f(f(weight[wo + i]! * diff) * diff));
        }
        if (d2 < best) { best = d2; gridIndex = list[j]!; }
    }
    if (gridIndex < 0) throw new NonFiniteWeightsError();
    for (let i = 0; i < 8; i++) L[lo + i] = (p[gridIndex * 8 + i]! - 1) >> 1;
    return gridIndex;
}

function packedLevels(k: number): number {
    let u = 0;
    for (let j = 0; j < 8; j++) u |= L[8 * k + j]! << (2 * j);
    return u;
}

function quantizeIQ1_SRow(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const grid = gridIQ1();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 50, qo += 256) {
        y.fill(0, yo, yo + 50); // d@0, qs[32]@2, qh u16[8]@34
        let maxScale = 0;
        const sigma2 = sigma2Of(x, xo);
        for (let ib = 0; ib < 8; ib++) {
            const xb = xo + 32 * ib;
            importance(x, xb, 32, qw, qo + 32 * ib, sigma2);
            let max = Math.abs(x[xb]!);
            for (let i = 1; i < 32; i++) { const a = Math.abs(x[xb + i]!); max = max > a ? max : a; }
            if (max < GROUP_MAX_EPS_IQ1_S) {
                scales[ib] = 0; shifts[ib] = 1;
                continue;
            }
            sortIndices(x, xb, 32);
            sumx[0] = 0; sumw[0] = 0;
            for (let j = 0; j < 32; j++) {
                const i = idx[j]!;
                sumx[j + 1] = f(sumx[j]! + f(weight[i]! * x[xb + i]!));
                sumw[j + 1] = f(sumw[j]! + weight[i]!);
            }
            let bestScore = -FLT_MAX, scale = max, besti1 = -1, besti2 = -1, bestShift = 0;
            for (let i1 = 0; i1 <= 32; i1++) {
                for (let i2 = i1; i2 <= 32; i2++) {
                    const a = f(sumx[i1]! - sumx[0]!), b = f(sumx[i2]! - sumx[i1]!), c = f(sumx[32]! - sumx[i2]!);
                    const wa = f(sumw[i1]! - sumw[0]!), wb = f(sumw[i2]! - sumw[i1]!), wc = f(sumw[32]! - sumw[i2]!);
                    let sumqx = f(f(f(a * X_P[0]!) + f(b * X_P[1]!)) + f(c * X_P[2]!));
                    let sumq2 = f(f(f(f(wa * X_P[0]!) * X_P[0]!) + f(f(wb * X_P[1]!) * X_P[1]!)) + f(f(wc * X_P[2]!) * X_P[2]!));
                    if (sumq2 > 0 && f(sumqx * sumqx) > f(bestScore * sumq2)) {
                        scale = f(sumqx / sumq2); bestScore = f(scale * sumqx);
                        besti1 = i1; besti2 = i2; bestShift = 1;
                    }
                    sumqx = f(f(f(a * X_M[0]!) + f(b * X_M[1]!)) + f(c * X_M[2]!));
                    sumq2 = f(f(f(f(wa * X_M[0]!) * X_M[0]!) + f(f(wb * X_M[1]!) * X_M[1]!)) + f(f(wc * X_M[2]!) * X_M[2]!));
                    if (sumq2 > 0 && f(sumqx * sumqx) > f(bestScore * sumq2)) {
                        scale = f(sumqx / sumq2); bestScore = f(scale * sumqx);
                        besti1 = i1; besti2 = i2; bestShift = -1;
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestShift === 0) {
                scales[ib] = 0; shifts[ib] = 1;
                continue;
            }
            for (let j = 0; j < besti1; j++) L[idx[j]!] = 0;
            for (let j = besti1; j < besti2; j++) L[idx[j]!] = 1;
            for (let j = besti2; j < 32; j++) L[idx[j]!] = 2;
            if (scale < 0) {
                for (let j = 0; j < 32; j++) L[j] = 2 - L[j]!;
                scale = -scale; bestShift = -bestShift;
            }
            let allOnGrid = true;
            const xx = bestShift === 1 ? X_P : X_M;
            for (let k = 0; k < 4; k++) {
                const u = packedLevels(k);
                let g = grid.onGrid(u);
                if (g < 0) {
                    allOnGrid = false;
                    g = bestNeighbour2(grid, u, x, xb + 8 * k, 8 * k, scale, xx, 8 * k);
                }
                index[k] = g;
            }
            if (!allOnGrid) {
                let sqx = 0, sq2 = 0;
                for (let k = 0; k < 4; k++) {
                    for (let j = 0; j < 8; j++) {
                        const w = weight[8 * k + j]!, q = xx[(grid.points[index[k]! * 8 + j]! - 1) >> 1]!;
                        sqx = f(sqx + f(f(w * q) * x[xb + 8 * k + j]!));
                        sq2 = f(sq2 + f(f(w * q) * q));
                    }
                }
                if (sqx > 0 && sq2 > 0) scale = f(sqx / sq2);
            }
            let h = 0;
            for (let k = 0; k < 4; k++) {
                y[yo + 2 + 4 * ib + k] = index[k]! & 255;
                h |= (index[k]! >> 8) << (3 * k);
            }
            y[yo + 34 + 2 * ib] = h & 0xFF;
            y[yo + 35 + 2 * ib] = h >> 8;
            scales[ib] = scale;
            shifts[ib] = bestShift;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) continue;
        const d = f(maxScale / 15);
        writeHalf(y, yo, f(d * f(1.125)));
        const id = f(1 / d);
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            if (shifts[ib] === -1) l |= 8;
            y[yo + 35 + 2 * ib] = y[yo + 35 + 2 * ib]! | (l << 4);
        }
    }
}

const sqx4 = new Float32Array(4);
const sq24 = new Float32Array(4);
const mid4x = new Float32Array(4);
const mid4w = new Float32Array(4);
const MASKS = [0x00, 0x80, 0x08, 0x88];
const half = new Uint8Array(2);

// adds element i (of value v, weight w) at level `lvl` to the four (first-half, second-half) shift combinations
function accumulate(sx: Float32Array, s2: Float32Array, i: number, w: number, v: number, lvl: number): void {
    const p = X_P[lvl]!, m = X_M[lvl]!;
    const px = f(f(w * p) * v), mx = f(f(w * m) * v), p2 = f(f(w * p) * p), m2 = f(f(w * m) * m);
    if (i < 8) {
        sx[0] = f(sx[0]! + px); sx[1] = f(sx[1]! + px); sx[2] = f(sx[2]! + mx); sx[3] = f(sx[3]! + mx);
        s2[0] = f(s2[0]! + p2); s2[1] = f(s2[1]! + p2); s2[2] = f(s2[2]! + m2); s2[3] = f(s2[3]! + m2);
    } else {
        sx[0] = f(sx[0]! + px); sx[2] = f(sx[2]! + px); sx[1] = f(sx[1]! + mx); sx[3] = f(sx[3]! + mx);
        s2[0] = f(s2[0]! + p2); s2[2] = f(s2[2]! + p2); s2[1] = f(s2[1]! + m2); s2[3] = f(s2[3]! + m2);
    }
}

const first4x = new Float32Array(4);
const first4w = new Float32Array(4);

function quantizeIQ1_MRow(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array | undefined, qo: number): void {
    const grid = gridIQ1();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 56, qo += 256) {
        y.fill(0, yo, yo + 56); // qs[32]@0, qh[16]@32, scales[8]@48
        let maxScale = 0;
        const sigma2 = sigma2Of(x, xo);
        for (let ib = 0; ib < 16; ib++) {
            const xb = xo + 16 * ib;
            importance(x, xb, 16, qw, qo + 16 * ib, sigma2);
            let max = Math.abs(x[xb]!);
            for (let i = 1; i < 16; i++) { const a = Math.abs(x[xb + i]!); max = max > a ? max : a; }
            if (max < GROUP_MAX_EPS_IQ1_M) {
                scales[ib] = 0; shifts[ib] = 0;
                continue;
            }
            sortIndices(x, xb, 16);
            let bestScore = -FLT_MAX, scale = max, besti1 = -1, besti2 = -1, bestK = -1;
            // ggml sums each (i1, i2) from scratch in sorted order: level 0 for j < i1, 1 up to i2, 2
            // after. The sums after the first range depend only on i1, after the second only grow
            // with i2, so they are carried along: the same float32 additions in the same order.
            first4x.fill(0); first4w.fill(0);
            for (let i1 = 0; i1 <= 16; i1++) {
                if (i1 > 0) { const i = idx[i1 - 1]!; accumulate(first4x, first4w, i, weight[i]!, x[xb + i]!, 0); }
                mid4x.set(first4x); mid4w.set(first4w);
                for (let i2 = i1; i2 <= 16; i2++) {
                    if (i2 > i1) { const i = idx[i2 - 1]!; accumulate(mid4x, mid4w, i, weight[i]!, x[xb + i]!, 1); }
                    sqx4.set(mid4x); sq24.set(mid4w);
                    for (let j = i2; j < 16; j++) { const i = idx[j]!; accumulate(sqx4, sq24, i, weight[i]!, x[xb + i]!, 2); }
                    for (let k = 0; k < 4; k++) {
                        if (sq24[k]! > 0 && f(sqx4[k]! * sqx4[k]!) > f(bestScore * sq24[k]!)) {
                            scale = f(sqx4[k]! / sq24[k]!); bestScore = f(scale * sqx4[k]!);
                            besti1 = i1; besti2 = i2; bestK = k;
                        }
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestK < 0) {
                scales[ib] = 0; shifts[ib] = 0;
                continue;
            }
            for (let j = 0; j < besti1; j++) L[idx[j]!] = 0;
            for (let j = besti1; j < besti2; j++) L[idx[j]!] = 1;
            for (let j = besti2; j < 16; j++) L[idx[j]!] = 2;
            if (scale < 0) {
                for (let j = 0; j < 16; j++) L[j] = 2 - L[j]!;
                scale = -scale;
                bestK = 3 - bestK;
            }
            let allOnGrid = true;
            for (let k = 0; k < 2; k++) {
                const xx = (k === 0 ? bestK < 2 : bestK % 2 === 0) ? X_P : X_M;
                const u = packedLevels(k);
                let g = grid.onGrid(u);
                if (g < 0) {
                    allOnGrid = false;
                    g = bestNeighbour2(grid, u, x, xb + 8 * k, 8 * k, scale, xx, 8 * k);
                }
                index[k] = g;
            }
            if (!allOnGrid) {
                let sqx = 0, sq2 = 0;
                for (let k = 0; k < 2; k++) {
                    const xx = (k === 0 ? bestK < 2 : bestK % 2 === 0) ? X_P : X_M;
                    for (let j = 0; j < 8; j++) {
                        const w = weight[8 * k + j]!, q = xx[(grid.points[index[k]! * 8 + j]! - 1) >> 1]!;
                        sqx = f(sqx + f(f(w * q) * x[xb + 8 * k + j]!));
                        sq2 = f(sq2 + f(f(w * q) * q));
                    }
                }
                if (sqx > 0 && sq2 > 0) scale = f(sqx / sq2);
            }
            y[yo + 2 * ib] = index[0]! & 255;
            y[yo + 2 * ib + 1] = index[1]! & 255;
            y[yo + 32 + ib] = (index[0]! >> 8) | ((index[1]! >> 8) << 4);
            scales[ib] = scale;
            shifts[ib] = bestK;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) continue;
        let d = f(maxScale / 15);
        const id = f(1 / d);
        let sqx = 0, sq2 = 0;
        const sc = [0, 0, 0, 0];
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            sc[ib >> 2] = sc[ib >> 2]! | (l << (3 * (ib % 4)));
            y[yo + 32 + ib] = y[yo + 32 + ib]! | MASKS[shifts[ib]!]!;
            const xb = xo + 16 * ib;
            importance(x, xb, 16, qw, qo + 16 * ib, sigma2);
            for (let k = 0; k < 2; k++) {
                const xx = (k === 0 ? shifts[ib]! < 2 : shifts[ib]! % 2 === 0) ? X_P : X_M;
                const g = y[yo + 2 * ib + k]! + ((y[yo + 32 + ib]! << (8 - 4 * k)) & 0x700);
                for (let j = 0; j < 8; j++) {
                    const w = weight[8 * k + j]!;
                    const q = f(xx[(grid.points[g * 8 + j]! - 1) >> 1]! * (2 * l + 1));
                    sqx = f(sqx + f(f(w * q) * x[xb + 8 * k + j]!));
                    sq2 = f(sq2 + f(f(w * q) * q));
                }
            }
        }
        if (sq2 > 0) d = f(sqx / sq2);
        writeHalf(half, 0, f(d * f(1.1125)));
        const bits = half[0]! | (half[1]! << 8);
        sc[0] = sc[0]! | ((bits & 0x000f) << 12);
        sc[1] = sc[1]! | ((bits & 0x00f0) << 8);
        sc[2] = sc[2]! | ((bits & 0x0f00) << 4);
        sc[3] = sc[3]! | (bits & 0xf000);
        for (let j = 0; j < 4; j++) { y[yo + 48 + 2 * j] = sc[j]! & 0xFF; y[yo + 49 + 2 * j] = (sc[j]! >> 8) & 0xFF; }
    }
}

export function quantizeIQ1_SWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    quantizeIQ1_SRow(x, xo, y, yo, n, qw, qo);
}

export function quantizeIQ1_MWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    quantizeIQ1_MRow(x, xo, y, yo, n, qw, qo);
}

/** IQ1_M without importance weights (ggml weighs by x²; llama-quantize runs it so only for `token_embd` / `output`). */
export function quantizeIQ1_M(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    quantizeIQ1_MRow(x, xo, y, yo, nBlocks * 256, undefined, 0);
}
