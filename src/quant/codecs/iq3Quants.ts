// IQ3_XXS and IQ3_S quantizers: ports of ggml's `quantize_row_iq3_xxs_impl` (grid 256) and
// `quantize_row_iq3_s_impl` (grid 512, 32-element blocks) (ggml-quants.c, MIT), float32 in ggml's
// order. Without importance weights ggml weighs by x², which llama-quantize uses for `token_embd`.
import {writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";
import {gridIQ3S, gridIQ3XXS, type IqGrid} from "./iqGridSearch.js";

const f = Math.fround;
const GROUP_MAX_EPS_IQ3_XXS = f(1e-8);
const F02 = f(0.2);
const KMAXQ = 8;

const weight = new Float32Array(32);
const waux = new Float32Array(32);
const xval = new Float32Array(32);
const L = new Int8Array(32);
const Laux = new Int8Array(32);
const scales = new Float32Array(8);
const blockSigns = new Uint8Array(4);
const onGrid = new Array<boolean>(8).fill(true);
const onGridAux = new Array<boolean>(8).fill(true);

function sigma2Of(x: Float32Array, xo: number): number {
    let s = 0;
    for (let i = 0; i < 256; i++) { const v = x[xo + i]!; s = f(s + f(v * v)); }
    return f(f(2 * s) / 256);
}

function importance(x: Float32Array, xo: number, qw: Float32Array | undefined, qo: number, sigma2: number): void {
    for (let i = 0; i < 32; i++) {
        const v = x[xo + i]!;
        weight[i] = qw === undefined ? f(v * v) : f(qw[qo + i]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
    for (let i = 0; i < 32; i++) waux[i] = f(Math.sqrt(weight[i]!));
}

function levels4(id: number, k: number, out: Int8Array): number {
    let u = 0;
    for (let i = 0; i < 4; i++) {
        let l = nearestInt(f(f(0.5) * f(f(id * xval[4 * k + i]!) - 1)));
        l = l < 0 ? 0 : l > KMAXQ - 1 ? KMAXQ - 1 : l;
        out[4 * k + i] = l;
        u |= l << (3 * i);
    }
    return u;
}

function sums(Lv: Int8Array): [number, number] {
    let sumqx = 0, sumq2 = 0;
    for (let i = 0; i < 32; i++) {
        const w = weight[i]!, q = 2 * Lv[i]! + 1;
        sumqx = f(sumqx + f(f(w * xval[i]!) * q));
        sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    return [sumqx, sumq2];
}

// The scale search of one 32-element block (8 groups of 4 on the grid); L holds the result.
// IQ3_XXS re-fits only the groups off the grid, IQ3_S all of them (its `continue` is commented out).
function searchBlock(grid: IqGrid, max: number, steps: number, startOnGrid: boolean, refitAll: boolean): number {
    let best = 0;
    let scale = f(max / (2 * KMAXQ - 1));
    onGrid.fill(startOnGrid);
    for (let is = -steps; is <= steps; is++) {
        const id = f(f(2 * KMAXQ - 1 + f(is * F02)) / max);
        const thisScale = f(1 / id);
        for (let k = 0; k < 8; k++) {
            const u = levels4(id, k, Laux);
            onGridAux[k] = true;
            if (grid.onGrid(u) < 0) {
                onGridAux[k] = false;
                grid.bestNeighbour(u, xval, 4 * k, waux, 4 * k, thisScale, Laux, 4 * k);
            }
        }
        const [sumqx, sumq2] = sums(Laux);
        if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
            scale = f(sumqx / sumq2); best = f(scale * sumqx);
            L.set(Laux);
            for (let k = 0; k < 8; k++) onGrid[k] = onGridAux[k]!;
        }
    }
    if (onGrid.some((g) => !g) && scale > 0) {
        const id = f(1 / scale);
        for (let k = 0; k < 8; k++) {
            if (!refitAll && onGrid[k]) continue;
            const u = levels4(id, k, Laux);
            let g = grid.onGrid(u);
            if (g < 0) g = grid.bestNeighbour(u, xval, 4 * k, waux, 4 * k, scale, L, 4 * k);
            for (let i = 0; i < 4; i++) L[4 * k + i] = (grid.points[4 * g + i]! - 1) >> 1;
        }
        const [sumqx, sumq2] = sums(L);
        if (sumq2 > 0) scale = f(sumqx / sumq2);
    }
    return scale;
}

function gridIndexOf(grid: IqGrid, k: number): number {
    let u = 0;
    for (let i = 0; i < 4; i++) u |= L[4 * k + i]! << (3 * i);
    const g = grid.onGrid(u);
    if (g < 0) throw new Error("IQ3 quantizer: levels off the grid (ggml aborts here too)");
    return g;
}

const q3 = new Uint8Array(104);

function quantizeIQ3_XXSRow(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array | undefined, qo: number): void {
    const grid = gridIQ3XXS();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 98, qo += 256) {
        writeHalf(y, yo, 0);
        q3.fill(0);
        let maxScale = 0;
        const sigma2 = sigma2Of(x, xo);
        for (let ib = 0; ib < 8; ib++) {
            const xb = xo + 32 * ib;
            importance(x, xb, qw, qo + 32 * ib, sigma2);
            for (let k = 0; k < 4; k++) {
                let nflip = 0, s = 0;
                for (let i = 0; i < 8; i++) {
                    const v = x[xb + 8 * k + i]!;
                    if (v >= 0) xval[8 * k + i] = v;
                    else { xval[8 * k + i] = -v; nflip++; s |= 1 << i; }
                }
                if (nflip % 2 !== 0) {
                    let imin = 0;
                    let min = f(f(weight[8 * k]! * x[xb + 8 * k]!) * x[xb + 8 * k]!);
                    for (let i = 1; i < 8; i++) {
                        const v = x[xb + 8 * k + i]!;
                        const ax = f(f(weight[8 * k + i]! * v) * v);
                        if (ax < min) { min = ax; imin = i; }
                    }
                    xval[8 * k + imin] = -xval[8 * k + imin]!;
                    s ^= 1 << imin;
                }
                blockSigns[k] = s & 127;
            }
            let max = xval[0]!;
            for (let i = 1; i < 32; i++) max = max > xval[i]! ? max : xval[i]!;
            L.fill(0);
            if (max < GROUP_MAX_EPS_IQ3_XXS) {
                scales[ib] = 0;
                continue;
            }
            let scale = searchBlock(grid, max, 15, true, false);
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) blockSigns[k] = ~blockSigns[k]! & 127;
            }
            for (let k = 0; k < 8; k++) q3[8 * ib + k] = gridIndexOf(grid, k);
            const ss = (blockSigns[0]! | (blockSigns[1]! << 7) | (blockSigns[2]! << 14) | (blockSigns[3]! << 21)) >>> 0;
            const so = 64 + 4 * ib;
            q3[so] = ss & 0xFF; q3[so + 1] = (ss >>> 8) & 0xFF; q3[so + 2] = (ss >>> 16) & 0xFF; q3[so + 3] = ss >>> 24;
            scales[ib] = scale;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) {
            y.fill(0, yo + 2, yo + 98);
            continue;
        }
        const d = f(maxScale / 31);
        writeHalf(y, yo, f(d * f(1.0125)));
        const id = f(1 / d);
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            q3[64 + 4 * ib + 3] = q3[64 + 4 * ib + 3]! | (l << 4);
        }
        y.set(q3.subarray(0, 96), yo + 2);
    }
}

function quantizeIQ3_SRow(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array | undefined, qo: number): void {
    const grid = gridIQ3S();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 110, qo += 256) {
        y.fill(0, yo, yo + 110);
        // d@0, qs[64]@2, qh[8]@66, signs[32]@74, scales[4]@106
        let maxScale = 0;
        const sigma2 = sigma2Of(x, xo);
        for (let ib = 0; ib < 8; ib++) {
            const xb = xo + 32 * ib;
            importance(x, xb, qw, qo + 32 * ib, sigma2);
            for (let k = 0; k < 4; k++) {
                let s = 0;
                for (let i = 0; i < 8; i++) {
                    const v = x[xb + 8 * k + i]!;
                    if (v >= 0) xval[8 * k + i] = v;
                    else { xval[8 * k + i] = -v; s |= 1 << i; }
                }
                blockSigns[k] = s;
            }
            let max = xval[0]!;
            for (let i = 1; i < 32; i++) max = max > xval[i]! ? max : xval[i]!;
            L.fill(0);
            if (max === 0) {
                scales[ib] = 0;
                continue;
            }
            let scale = searchBlock(grid, max, 9, false, true);
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) blockSigns[k] = ~blockSigns[k]! & 0xFF;
            }
            for (let k = 0; k < 8; k++) {
                const g = gridIndexOf(grid, k);
                y[yo + 2 + 8 * ib + k] = g & 255;
                const bit = ib * 8 + k;
                y[yo + 66 + (bit >> 3)] = y[yo + 66 + (bit >> 3)]! | ((g >> 8) << (bit % 8));
            }
            for (let k = 0; k < 4; k++) y[yo + 74 + 4 * ib + k] = blockSigns[k]!;
            scales[ib] = scale;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) continue;
        const d = f(maxScale / 31);
        writeHalf(y, yo, f(d * f(1.033)));
        const id = f(1 / d);
        for (let ib = 0; ib < 8; ib += 2) {
            let l1 = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l1 = l1 < 0 ? 0 : l1 > 15 ? 15 : l1;
            let l2 = nearestInt(f(f(0.5) * f(f(id * scales[ib + 1]!) - 1)));
            l2 = l2 < 0 ? 0 : l2 > 15 ? 15 : l2;
            y[yo + 106 + (ib >> 1)] = l1 | (l2 << 4);
        }
    }
}

export function quantizeIQ3_XXSWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    quantizeIQ3_XXSRow(x, xo, y, yo, n, qw, qo);
}

export function quantizeIQ3_XXS(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    quantizeIQ3_XXSRow(x, xo, y, yo, nBlocks * 256, undefined, 0);
}

export function quantizeIQ3_SWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    quantizeIQ3_SRow(x, xo, y, yo, n, qw, qo);
}

export function quantizeIQ3_S(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    quantizeIQ3_SRow(x, xo, y, yo, nBlocks * 256, undefined, 0);
}
