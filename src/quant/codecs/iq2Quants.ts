// IQ2_XXS, IQ2_XS and IQ2_S quantizers: ports of ggml's `quantize_row_iq2_xxs_impl`,
// `quantize_row_iq2_xs_impl` and `quantize_row_iq2_s_impl` (ggml-quants.c, MIT), every float op
// float32-rounded in ggml's order. One row at a time, with the row's importance weights.
import {writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";
import {gridIQ2S, gridIQ2XS, gridIQ2XXS, type IqGrid} from "./iqGridSearch.js";
import {makeQpQuants} from "./weightedHelpers.js";

const f = Math.fround;
const GROUP_MAX_EPS = f(1e-15);
const GROUP_MAX_EPS_IQ2_S = f(1e-8);
const F01 = f(0.1);
const KMAXQ = 3;

const weight = new Float32Array(32);
const waux = new Float32Array(32);
const xval = new Float32Array(32);
const L = new Int8Array(32);
const Lu8 = new Uint8Array(L.buffer);
const Laux = new Int8Array(32);
const scales = new Float32Array(16);
const blockSigns = new Uint8Array(4);
const onGrid = [true, true];
const onGridAux = [true, true];

function blockSigma2(x: Float32Array, xo: number, factor2: boolean): number {
    let s = 0;
    for (let i = 0; i < 256; i++) { const v = x[xo + i]!; s = f(s + f(v * v)); }
    return factor2 ? f(f(2 * s) / 256) : f(s / 256);
}

function importance(x: Float32Array, xo: number, qw: Float32Array | undefined, qo: number, n: number, sigma2: number): void {
    for (let i = 0; i < n; i++) {
        const v = x[xo + i]!;
        weight[i] = qw === undefined ? f(f(f(0.25) * sigma2) + f(v * v)) : f(qw[qo + i]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
    for (let i = 0; i < n; i++) waux[i] = f(Math.sqrt(weight[i]!));
}

// |x| into xval with sign bits per group of 8; with `evenSigns` an odd count of negatives flips
// the least important element back (IQ2_XXS/XS store 7 sign bits and imply the 8th by parity).
function absWithSigns(x: Float32Array, xo: number, groups: number, evenSigns: boolean): void {
    for (let k = 0; k < groups; k++) {
        let nflip = 0, s = 0;
        for (let i = 0; i < 8; i++) {
            const v = x[xo + 8 * k + i]!;
            if (v >= 0) xval[8 * k + i] = v;
            else { xval[8 * k + i] = -v; nflip++; s |= 1 << i; }
        }
        if (evenSigns && nflip % 2 !== 0) {
            let imin = 0;
            let min = f(f(weight[8 * k]! * x[xo + 8 * k]!) * x[xo + 8 * k]!);
            for (let i = 1; i < 8; i++) {
                const v = x[xo + 8 * k + i]!;
                const ax = f(f(weight[8 * k + i]! * v) * v);
                if (ax < min) { min = ax; imin = i; }
            }
            xval[8 * k + imin] = -xval[8 * k + imin]!;
            s ^= 1 << imin;
        }
        blockSigns[k] = evenSigns ? s & 127 : s;
    }
}

// Levels of 8 values at inverse scale id: nearest_int(0.5·(id·x − 1)) clamped to [0, kMaxQ−1], packed 2 bits each.
function levels8(id: number, k: number, out: Int8Array): number {
    let u = 0;
    for (let i = 0; i < 8; i++) {
        let l = nearestInt(f(f(0.5) * f(f(id * xval[8 * k + i]!) - 1)));
        l = l < 0 ? 0 : l > KMAXQ - 1 ? KMAXQ - 1 : l;
        out[8 * k + i] = l;
        u |= l << (2 * i);
    }
    return u;
}

function packedLevels(k: number): number {
    let u = 0;
    for (let i = 0; i < 8; i++) u |= L[8 * k + i]! << (2 * i);
    return u;
}

function weightedSums(n: number, Lv: Int8Array): [number, number] {
    let sumqx = 0, sumq2 = 0;
    for (let i = 0; i < n; i++) {
        const w = weight[i]!, q = 2 * Lv[i]! + 1;
        sumqx = f(sumqx + f(f(w * xval[i]!) * q));
        sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    return [sumqx, sumq2];
}

function gridIndexOf(grid: IqGrid, k: number): number {
    const g = grid.onGrid(packedLevels(k));
    if (g < 0) throw new Error("IQ2 quantizer: levels off the grid (ggml aborts here too)");
    return g;
}

function putU32(y: Uint8Array, o: number, v: number): void {
    y[o] = v & 0xFF; y[o + 1] = (v >>> 8) & 0xFF; y[o + 2] = (v >>> 16) & 0xFF; y[o + 3] = (v >>> 24) & 0xFF;
}

const q2xxs = new Uint32Array(16);

export function quantizeIQ2_XXSWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const grid = gridIQ2XXS();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 66, qo += 256) {
        writeHalf(y, yo, 0);
        q2xxs.fill(0);
        let maxScale = 0;
        const sigma2 = blockSigma2(x, xo, false);
        for (let ib = 0; ib < 8; ib++) {
            const xb = xo + 32 * ib;
            importance(x, xb, qw, qo + 32 * ib, 32, sigma2);
            absWithSigns(x, xb, 4, true);
            let max = xval[0]!;
            for (let i = 1; i < 32; i++) max = max > xval[i]! ? max : xval[i]!;
            if (max < GROUP_MAX_EPS) {
                scales[ib] = 0;
                L.fill(0);
                continue;
            }
            let scale = makeQpQuants(32, KMAXQ + 1, xval, Lu8, weight);
            const effMax = f(scale * KMAXQ);
            if (effMax <= 0) {
                scales[ib] = 0;
                L.fill(0);
                continue;
            }
            let best = 0;
            for (let is = -6; is <= 6; is++) {
                const id = f(f(2 * KMAXQ - 1 + f(is * F01)) / effMax);
                const thisScale = f(1 / id);
                for (let k = 0; k < 4; k++) {
                    const u = levels8(id, k, Laux);
                    if (grid.onGrid(u) < 0) grid.bestNeighbour(u, xval, 8 * k, waux, 8 * k, thisScale, Laux, 8 * k);
                }
                const [sumqx, sumq2] = weightedSums(32, Laux);
                if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
                    scale = f(sumqx / sumq2); best = f(scale * sumqx);
                    L.set(Laux);
                }
            }
            if (scale > 0) {
                const id = f(1 / scale);
                for (let k = 0; k < 4; k++) {
                    const u = levels8(id, k, Laux);
                    let g = grid.onGrid(u);
                    if (g < 0) g = grid.bestNeighbour(u, xval, 8 * k, waux, 8 * k, scale, L, 8 * k);
                    for (let i = 0; i < 8; i++) L[8 * k + i] = (grid.points[8 * g + i]! - 1) >> 1;
                }
                const [sumqx, sumq2] = weightedSums(32, L);
                if (sumq2 > 0) scale = f(sumqx / sumq2);
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) blockSigns[k] = ~blockSigns[k]! & 127;
            }
            for (let k = 0; k < 4; k++) {
                const g = gridIndexOf(grid, k);
                q2xxs[2 * ib] = (q2xxs[2 * ib]! | (g << (8 * k))) >>> 0;
                q2xxs[2 * ib + 1] = (q2xxs[2 * ib + 1]! | (blockSigns[k]! << (7 * k))) >>> 0;
            }
            scales[ib] = scale;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) {
            y.fill(0, yo + 2, yo + 66);
            continue;
        }
        const d = f(maxScale / 31);
        writeHalf(y, yo, d);
        const id = f(1 / d);
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            q2xxs[2 * ib + 1] = (q2xxs[2 * ib + 1]! | (l << 28)) >>> 0;
        }
        for (let j = 0; j < 16; j++) putU32(y, yo + 2 + 4 * j, q2xxs[j]!);
    }
}

// IQ2_XS and IQ2_S: 16-element blocks, search over 19 scales, re-fit of groups off the grid.
// Returns the block's scale, or NaN for a block below the threshold (L all zero).
function searchBlock16(grid: IqGrid, maxEps: number): number {
    let max = xval[0]!;
    for (let i = 1; i < 16; i++) max = max > xval[i]! ? max : xval[i]!;
    L.fill(0, 0, 16);
    if (max < maxEps) return Number.NaN; // an all-zero block: no scale
    let best = 0;
    let scale = f(max / (2 * KMAXQ - 1));
    onGrid[0] = onGrid[1] = true;
    for (let is = -9; is <= 9; is++) {
        const id = f(f(2 * KMAXQ - 1 + f(is * F01)) / max);
        const thisScale = f(1 / id);
        for (let k = 0; k < 2; k++) {
            const u = levels8(id, k, Laux);
            onGridAux[k] = true;
            if (grid.onGrid(u) < 0) {
                onGridAux[k] = false;
                grid.bestNeighbour(u, xval, 8 * k, waux, 8 * k, thisScale, Laux, 8 * k);
            }
        }
        const [sumqx, sumq2] = weightedSums(16, Laux);
        if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
            scale = f(sumqx / sumq2); best = f(scale * sumqx);
            for (let i = 0; i < 16; i++) L[i] = Laux[i]!;
            onGrid[0] = onGridAux[0]!; onGrid[1] = onGridAux[1]!;
        }
    }
    if ((!onGrid[0] || !onGrid[1]) && scale > 0) {
        const id = f(1 / scale);
        for (let k = 0; k < 2; k++) {
            if (onGrid[k]) continue;
            const u = levels8(id, k, L);
            if (grid.onGrid(u) < 0) grid.bestNeighbour(u, xval, 8 * k, waux, 8 * k, scale, L, 8 * k);
        }
        const [sumqx, sumq2] = weightedSums(16, L);
        if (sumq2 > 0) scale = f(sumqx / sumq2);
    }
    return scale;
}

const q2xs = new Uint16Array(32);

export function quantizeIQ2_XSWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const grid = gridIQ2XS();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 74, qo += 256) {
        writeHalf(y, yo, 0);
        q2xs.fill(0);
        y.fill(0, yo + 66, yo + 74);
        let maxScale = 0;
        const sigma2 = blockSigma2(x, xo, false);
        for (let ib = 0; ib < 16; ib++) {
            const xb = xo + 16 * ib;
            importance(x, xb, qw, qo + 16 * ib, 16, sigma2);
            absWithSigns(x, xb, 2, true);
            let scale = searchBlock16(grid, GROUP_MAX_EPS);
            if (Number.isNaN(scale)) {
                scales[ib] = 0;
                continue;
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 2; k++) blockSigns[k] = ~blockSigns[k]! & 127;
            }
            for (let k = 0; k < 2; k++) q2xs[2 * ib + k] = gridIndexOf(grid, k) | (blockSigns[k]! << 9);
            scales[ib] = scale;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) {
            y.fill(0, yo + 2, yo + 66);
            continue;
        }
        const d = f(maxScale / 31);
        writeHalf(y, yo, d);
        const id = f(1 / d);
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            if (ib % 2 === 0) y[yo + 66 + (ib >> 1)] = l;
            else y[yo + 66 + (ib >> 1)] = y[yo + 66 + (ib >> 1)]! | (l << 4);
        }
        for (let j = 0; j < 32; j++) { y[yo + 2 + 2 * j] = q2xs[j]! & 0xFF; y[yo + 3 + 2 * j] = q2xs[j]! >> 8; }
    }
}

function quantizeIQ2_SRow(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array | undefined, qo: number): void {
    const grid = gridIQ2S();
    for (let ibl = 0; ibl < n / 256; ibl++, xo += 256, yo += 82, qo += 256) {
        y.fill(0, yo, yo + 82);
        let maxScale = 0;
        const sigma2 = blockSigma2(x, xo, true);
        for (let ib = 0; ib < 16; ib++) {
            const xb = xo + 16 * ib;
            importance(x, xb, qw, qo + 16 * ib, 16, sigma2);
            absWithSigns(x, xb, 2, false);
            let scale = searchBlock16(grid, GROUP_MAX_EPS_IQ2_S);
            if (Number.isNaN(scale)) {
                scales[ib] = 0;
                continue;
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 2; k++) blockSigns[k] = ~blockSigns[k]! & 0xFF;
            }
            for (let k = 0; k < 2; k++) {
                const g = gridIndexOf(grid, k);
                const i8 = 2 * ib + k;
                y[yo + 2 + i8] = g & 255;
                y[yo + 66 + (i8 >> 2)] = y[yo + 66 + (i8 >> 2)]! | ((g >> 8) << (2 * (i8 % 4)));
                y[yo + 2 + 32 + i8] = blockSigns[k]!;
            }
            scales[ib] = scale;
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale === 0) continue;
        const d = f(maxScale / 31);
        writeHalf(y, yo, f(d * f(0.9875)));
        const id = f(1 / d);
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(f(f(0.5) * f(f(id * scales[ib]!) - 1)));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            if (ib % 2 === 0) y[yo + 74 + (ib >> 1)] = l;
            else y[yo + 74 + (ib >> 1)] = y[yo + 74 + (ib >> 1)]! | (l << 4);
        }
    }
}

export function quantizeIQ2_SWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    quantizeIQ2_SRow(x, xo, y, yo, n, qw, qo);
}

/** IQ2_S without importance weights (ggml: weight = σ²/4 + x²), as llama-quantize runs it for `token_embd`. */
export function quantizeIQ2_S(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    quantizeIQ2_SRow(x, xo, y, yo, nBlocks * 256, undefined, 0);
}
