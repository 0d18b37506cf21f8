// Q2_K…Q6_K with an importance matrix: ports of ggml's `quantize_row_qX_K_impl` (the path
// `quantize_qX_K` takes when `quant_weights` is set; MIT-licensed originals). One row at a time:
// `qw[qo…]` holds the row's n per-column weights.
import {readHalf, writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";
import {makeQkx3Quants, makeQpQuants, makeQxQuantsW, qkx3Result} from "./weightedHelpers.js";
import {minK4, packQ2Q3, q3Scale, scaleK4} from "./kQuants.js";

const f = Math.fround;
const RMIN = f(-0.9), RDELTA = f(0.05);
const GROUP_MAX_EPS = f(1e-15);

const L = new Uint8Array(256);
const Li8 = new Int8Array(256);
const weight = new Float32Array(32);
const sw = new Float32Array(16);
const scales = new Float32Array(16);
const mins = new Float32Array(16);
const Ls = new Uint8Array(16);
const Lm = new Uint8Array(16);
const Ls8 = new Int8Array(16);

function sumSquares(x: Float32Array, xo: number, n: number): number {
    let s = 0;
    for (let j = 0; j < n; j++) { const v = x[xo + j]!; s = f(s + f(v * v)); }
    return s;
}

// weight[l] = qw[l]·√(σ² + x[l]²), and their float32 sum
function importance(x: Float32Array, xo: number, qw: Float32Array, qo: number, n: number, sigma2: number): number {
    let sum = 0;
    for (let l = 0; l < n; l++) {
        const v = x[xo + l]!;
        weight[l] = f(qw[qo + l]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
    for (let l = 0; l < n; l++) sum = f(sum + weight[l]!);
    return sum;
}

export function quantizeQ2_KWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 84, qo += 256) {
        const sigma2 = f(sumSquares(x, xo, 256) / 256);
        for (let j = 0; j < 16; j++) {
            sw[j] = importance(x, xo + 16 * j, qw, qo + 16 * j, 16, sigma2);
            scales[j] = makeQkx3Quants(16, 3, x, xo + 16 * j, weight, 0, L, 16 * j, RMIN, RDELTA, 36);
            mins[j] = qkx3Result.theMin;
        }
        const dm0 = makeQpQuants(16, 15, scales, Ls, sw);
        const mm0 = makeQpQuants(16, 15, mins, Lm, sw);
        writeHalf(y, yo + 80, dm0);
        writeHalf(y, yo + 82, mm0);
        const dm = readHalf(y, yo + 80), mm = readHalf(y, yo + 82);
        for (let j = 0; j < 16; j++) y[yo + j] = (Ls[j]! | (Lm[j]! << 4)) & 0xFF;
        for (let j = 0; j < 16; j++) {
            const d = f(dm * (y[yo + j]! & 0xF));
            if (d === 0) continue;
            const m = f(mm * (y[yo + j]! >> 4));
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(f(x[xo + 16 * j + ii]! + m) / d));
                L[16 * j + ii] = l < 0 ? 0 : l > 3 ? 3 : l;
            }
        }
        packQ2Q3(y, yo + 16, L);
    }
}

export function quantizeQ3_KWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 110, qo += 256) {
        const sigma2 = f(f(2 * sumSquares(x, xo, 256)) / 256);
        for (let j = 0; j < 16; j++) {
            sw[j] = importance(x, xo + 16 * j, qw, qo + 16 * j, 16, sigma2);
            scales[j] = makeQxQuantsW(16, 4, x, xo + 16 * j, Li8, 16 * j, weight, 0);
        }
        const so = yo + 96;
        y.fill(0, so, so + 12);
        const dBlock = makeQxQuantsW(16, 32, scales, 0, Ls8, 0, sw, 0);
        for (let j = 0; j < 16; j++) {
            let l = Ls8[j]!;
            if (j < 8) y[so + j] = l & 0xF;
            else y[so + j - 8] = y[so + j - 8]! | ((l & 0xF) << 4);
            l >>= 4;
            y[so + 8 + (j % 4)] = y[so + 8 + (j % 4)]! | ((l << (2 * (j >> 2))) & 0xFF);
        }
        writeHalf(y, yo + 108, dBlock);
        const dh = readHalf(y, yo + 108);
        for (let j = 0; j < 16; j++) {
            const d = f(dh * q3Scale(y, so, j));
            if (d === 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(x[xo + 16 * j + ii]! / d));
                Li8[16 * j + ii] = (l < -4 ? -4 : l > 3 ? 3 : l) + 4;
            }
        }
        y.fill(0, yo, yo + 32);
        for (let e = 0; e < 256; e++) {
            if (Li8[e]! > 3) {
                y[yo + (e & 31)] = y[yo + (e & 31)]! | (1 << (e >> 5));
                Li8[e] = Li8[e]! - 4;
            }
        }
        packQ2Q3(y, yo + 32, Li8);
    }
}

// Q4_K and Q5_K share everything but the level count and the packing of the levels.
function quantizeK4Weighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, qw: Float32Array, qo: number, nmax: number): void {
    const sigma2 = f(f(2 * sumSquares(x, xo, 256)) / 256);
    for (let j = 0; j < 8; j++) {
        sw[j] = importance(x, xo + 32 * j, qw, qo + 32 * j, 32, sigma2);
        scales[j] = makeQkx3Quants(32, nmax, x, xo + 32 * j, weight, 0, L, 32 * j, RMIN, RDELTA, 36);
        mins[j] = qkx3Result.theMin;
    }
    const dBlock = makeQpQuants(8, 63, scales, Ls, sw);
    const mBlock = makeQpQuants(8, 63, mins, Lm, sw);
    const so = yo + 4;
    for (let j = 0; j < 8; j++) {
        // Q5_K clamps to 63 (a no-op: make_qp_quants never exceeds nmax), Q4_K does not
        const ls = Math.min(63, Ls[j]!), lm = Math.min(63, Lm[j]!);
        if (j < 4) {
            y[so + j] = ls;
            y[so + j + 4] = lm;
        } else {
            y[so + j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
            y[so + j - 4] = y[so + j - 4]! | ((ls >> 4) << 6);
            y[so + j] = y[so + j]! | ((lm >> 4) << 6);
        }
    }
    writeHalf(y, yo, dBlock);
    writeHalf(y, yo + 2, mBlock);
    const d0 = readHalf(y, yo), m0 = readHalf(y, yo + 2);
    for (let j = 0; j < 8; j++) {
        const d = f(d0 * scaleK4(y, so, j));
        if (d === 0) continue;
        const dm = f(m0 * minK4(y, so, j));
        for (let ii = 0; ii < 32; ii++) {
            const l = nearestInt(f(f(x[xo + 32 * j + ii]! + dm) / d));
            L[32 * j + ii] = l < 0 ? 0 : l > nmax ? nmax : l;
        }
    }
}

export function quantizeQ4_KWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 144, qo += 256) {
        quantizeK4Weighted(x, xo, y, yo, qw, qo, 15);
        for (let g = 0; g < 4; g++) {
            for (let l = 0; l < 32; l++) y[yo + 16 + 32 * g + l] = L[64 * g + l]! | (L[64 * g + 32 + l]! << 4);
        }
    }
}

export function quantizeQ5_KWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 176, qo += 256) {
        quantizeK4Weighted(x, xo, y, yo, qw, qo, 31);
        const qh = yo + 16, ql = yo + 48;
        y.fill(0, qh, qh + 32);
        for (let g = 0; g < 4; g++) {
            for (let j = 0; j < 32; j++) {
                let l1 = L[64 * g + j]!, l2 = L[64 * g + 32 + j]!;
                if (l1 > 15) { l1 -= 16; y[qh + j] = y[qh + j]! | (1 << (2 * g)); }
                if (l2 > 15) { l2 -= 16; y[qh + j] = y[qh + j]! | (2 << (2 * g)); }
                y[ql + 32 * g + j] = l1 | (l2 << 4);
            }
        }
    }
}

export function quantizeQ6_KWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 210, qo += 256) {
        let maxScale = 0, maxAbsScale = 0;
        for (let ib = 0; ib < 16; ib++) {
            const s = scales[ib] = makeQxQuantsW(16, 32, x, xo + 16 * ib, L, 16 * ib, qw, qo + 16 * ib);
            const a = Math.abs(s);
            if (a > maxAbsScale) { maxAbsScale = a; maxScale = s; }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            y.fill(0, yo, yo + 210);
            continue;
        }
        const iscale = f(-128 / maxScale);
        writeHalf(y, yo + 208, f(1 / iscale));
        for (let ib = 0; ib < 16; ib++) y[yo + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]!))) & 0xFF;
        const d0 = readHalf(y, yo + 208);
        for (let j = 0; j < 16; j++) {
            const d = f(d0 * ((y[yo + 192 + j]! << 24) >> 24));
            if (d === 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(x[xo + 16 * j + ii]! / d));
                L[16 * j + ii] = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
            }
        }
        for (let h = 0; h < 2; h++) {
            const ql = yo + 64 * h, qh = yo + 128 + 32 * h, b = 128 * h;
            for (let l = 0; l < 32; l++) {
                const q1 = L[b + l]!, q2 = L[b + l + 32]!, q3 = L[b + l + 64]!, q4 = L[b + l + 96]!;
                y[ql + l] = (q1 & 0xF) | ((q3 & 0xF) << 4);
                y[ql + 32 + l] = (q2 & 0xF) | ((q4 & 0xF) << 4);
                y[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
            }
        }
    }
}
