// Q2_K…Q6_K: ports of ggml's `quantize_row_qX_K_ref` and `dequantize_row_qX_K`
// (gguf-quant-spec §4, §5.7–§5.11; MIT-licensed originals). 256-element super-blocks.
import {readHalf, writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";
import {makeQ3Quants, makeQkx2QuantsPair, makeQxQuantsPair, qkx2Pair, qxPair} from "./kQuantHelpers.js";

const f = Math.fround;
const F01 = f(0.1);

// Per-module scratch: each worker thread has its own copy, and no call allocates.
const L = new Uint8Array(256);
const Li8 = new Int8Array(256);
const weights = new Float32Array(32);
const weightsB = new Float32Array(32);
const scales = new Float32Array(16);
const mins = new Float32Array(16);

export function packQ2Q3(y: Uint8Array, qo: number, q: ArrayLike<number>): void {
    for (let j = 0; j < 256; j += 128) {
        for (let l = 0; l < 32; l++) {
            y[qo + j / 4 + l] = (q[j + l]! | (q[j + l + 32]! << 2) | (q[j + l + 64]! << 4) | (q[j + l + 96]! << 6)) & 0xFF;
        }
    }
}

export function quantizeQ2_K(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 84) {
        let maxScale = 0, maxMin = 0;
        for (let j = 0; j < 16; j += 2) {
            for (let l = 0; l < 16; l++) {
                weights[l] = Math.abs(x[xo + 16 * j + l]!);
                weightsB[l] = Math.abs(x[xo + 16 * j + 16 + l]!);
            }
            makeQkx2QuantsPair(16, 3, x, xo + 16 * j, xo + 16 * j + 16, weights, weightsB, L, 16 * j, 16 * j + 16, f(-0.5), F01, 15, true);
            scales[j] = qkx2Pair.scaleA; mins[j] = qkx2Pair.minA;
            scales[j + 1] = qkx2Pair.scaleB; mins[j + 1] = qkx2Pair.minB;
        }
        for (let j = 0; j < 16; j++) {
            if (scales[j]! > maxScale) maxScale = scales[j]!;
            if (mins[j]! > maxMin) maxMin = mins[j]!;
        }
        if (maxScale > 0) {
            const is = f(15 / maxScale);
            for (let j = 0; j < 16; j++) y[yo + j] = nearestInt(f(is * scales[j]!)) & 0xFF;
            writeHalf(y, yo + 80, f(maxScale / 15));
        } else {
            for (let j = 0; j < 16; j++) y[yo + j] = 0;
            writeHalf(y, yo + 80, 0);
        }
        if (maxMin > 0) {
            const im = f(15 / maxMin);
            for (let j = 0; j < 16; j++) y[yo + j] = (y[yo + j]! | (nearestInt(f(im * mins[j]!)) << 4)) & 0xFF;
            writeHalf(y, yo + 82, f(maxMin / 15));
        } else {
            writeHalf(y, yo + 82, 0);
        }
        const d = readHalf(y, yo + 80), dmin = readHalf(y, yo + 82);
        for (let j = 0; j < 16; j++) {
            const dd = f(d * (y[yo + j]! & 0xF));
            if (dd === 0) continue;
            const dm = f(dmin * (y[yo + j]! >> 4));
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(f(x[xo + 16 * j + ii]! + dm) / dd));
                L[16 * j + ii] = l < 0 ? 0 : l > 3 ? 3 : l;
            }
        }
        packQ2Q3(y, yo + 16, L);
    }
}

export function dequantizeQ2_K(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 84, oo += 256) {
        const d = readHalf(y, yo + 80), dmin = readHalf(y, yo + 82);
        for (let e = 0; e < 256; e++) {
            const h = e >> 7, k = (e >> 5) & 3, l = e & 31;
            const q = (y[yo + 16 + 32 * h + l]! >> (2 * k)) & 3;
            const s = y[yo + (e >> 4)]!;
            const dl = f(d * (s & 15)), ml = f(dmin * (s >> 4));
            out[oo + e] = f(dl * q) - ml;
        }
    }
}

export function q3Scale(y: Uint8Array, so: number, j: number): number {
    const lo = j < 8 ? y[so + j]! & 15 : y[so + j - 8]! >> 4;
    const hi = (y[so + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3;
    return (lo | (hi << 4)) - 32;
}

export function quantizeQ3_K(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 110) {
        let maxScale = 0, amax = 0;
        for (let j = 0; j < 16; j++) {
            const s = scales[j] = makeQ3Quants(16, 4, x, xo + 16 * j, Li8, 16 * j);
            const a = Math.abs(s);
            if (a > amax) { amax = a; maxScale = s; }
        }
        const so = yo + 96;
        y.fill(0, so, so + 12);
        if (maxScale !== 0) {
            const iscale = f(-32 / maxScale);
            for (let j = 0; j < 16; j++) {
                let l = (nearestInt(f(iscale * scales[j]!)) << 24) >> 24;
                l = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
                if (j < 8) y[so + j] = l & 0xF;
                else y[so + j - 8] = y[so + j - 8]! | ((l & 0xF) << 4);
                y[so + 8 + (j % 4)] = y[so + 8 + (j % 4)]! | ((l >> 4) << (2 * (j >> 2)));
            }
            writeHalf(y, yo + 108, f(1 / iscale));
        } else {
            writeHalf(y, yo + 108, 0);
        }
        const d = readHalf(y, yo + 108);
        for (let j = 0; j < 16; j++) {
            const dd = f(d * q3Scale(y, so, j));
            if (dd === 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(x[xo + 16 * j + ii]! / dd));
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

export function dequantizeQ3_K(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 110, oo += 256) {
        const d = readHalf(y, yo + 108);
        for (let e = 0; e < 256; e++) {
            const h = e >> 7, k = (e >> 5) & 3, l = e & 31;
            const low2 = (y[yo + 32 + 32 * h + l]! >> (2 * k)) & 3;
            const hbit = (y[yo + l]! >> (e >> 5)) & 1;
            const q = low2 - (hbit ? 0 : 4);
            out[oo + e] = f(d * q3Scale(y, yo + 96, e >> 4)) * q;
        }
    }
}

/** `get_scale_min_k4`: sub-block j's 6-bit scale and min from the 12 packed bytes at `so`. */
export function scaleK4(y: Uint8Array, so: number, j: number): number {
    return j < 4 ? y[so + j]! & 63 : (y[so + j + 4]! & 15) | ((y[so + j - 4]! >> 6) << 4);
}

export function minK4(y: Uint8Array, so: number, j: number): number {
    return j < 4 ? y[so + j + 4]! & 63 : (y[so + j + 4]! >> 4) | ((y[so + j]! >> 6) << 4);
}

// Q4_K/Q5_K sub-block weights: av_x + |x|, av_x = sqrt(Σx²/32).
function subBlockWeights(x: Float32Array, xo: number, w: Float32Array): void {
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) { const v = x[xo + l]!; sumX2 = f(sumX2 + f(v * v)); }
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) w[l] = f(avX + Math.abs(x[xo + l]!));
}

// Steps 1–4 shared by Q4_K and Q5_K: sub-block scales/mins, packed into 12 bytes, plus d/dmin.
function quantizeK4Scales(x: Float32Array, xo: number, y: Uint8Array, yo: number, nmax: number, rmin: number, nstep: number): void {
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j += 2) {
        subBlockWeights(x, xo + 32 * j, weights);
        subBlockWeights(x, xo + 32 * j + 32, weightsB);
        makeQkx2QuantsPair(32, nmax, x, xo + 32 * j, xo + 32 * j + 32, weights, weightsB, L, 32 * j, 32 * j + 32, rmin, F01, nstep, false);
        scales[j] = qkx2Pair.scaleA; mins[j] = qkx2Pair.minA;
        scales[j + 1] = qkx2Pair.scaleB; mins[j + 1] = qkx2Pair.minB;
    }
    for (let j = 0; j < 8; j++) {
        if (scales[j]! > maxScale) maxScale = scales[j]!;
        if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
    const so = yo + 4;
    y.fill(0, so, so + 12);
    for (let j = 0; j < 8; j++) {
        const ls = Math.min(63, nearestInt(f(invScale * scales[j]!)) & 0xFF);
        const lm = Math.min(63, nearestInt(f(invMin * mins[j]!)) & 0xFF);
        if (j < 4) {
            y[so + j] = ls;
            y[so + j + 4] = lm;
        } else {
            y[so + j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
            y[so + j - 4] = y[so + j - 4]! | ((ls >> 4) << 6);
            y[so + j] = y[so + j]! | ((lm >> 4) << 6);
        }
    }
    writeHalf(y, yo, f(maxScale / 63));
    writeHalf(y, yo + 2, f(maxMin / 63));
}

function requantizeK4(x: Float32Array, xo: number, y: Uint8Array, yo: number, nmax: number): void {
    const d = readHalf(y, yo), dmin = readHalf(y, yo + 2);
    for (let j = 0; j < 8; j++) {
        const dd = f(d * scaleK4(y, yo + 4, j));
        if (dd === 0) continue;
        const dm = f(dmin * minK4(y, yo + 4, j));
        for (let ii = 0; ii < 32; ii++) {
            const l = nearestInt(f(f(x[xo + 32 * j + ii]! + dm) / dd));
            L[32 * j + ii] = l < 0 ? 0 : l > nmax ? nmax : l;
        }
    }
}

export function quantizeQ4_K(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 144) {
        quantizeK4Scales(x, xo, y, yo, 15, f(-1), 20);
        requantizeK4(x, xo, y, yo, 15);
        for (let g = 0; g < 4; g++) {
            for (let l = 0; l < 32; l++) y[yo + 16 + 32 * g + l] = L[64 * g + l]! | (L[64 * g + 32 + l]! << 4);
        }
    }
}

export function dequantizeQ4_K(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 144, oo += 256) {
        const d = readHalf(y, yo), dmin = readHalf(y, yo + 2);
        for (let g = 0; g < 4; g++) {
            const d1 = f(d * scaleK4(y, yo + 4, 2 * g)), m1 = f(dmin * minK4(y, yo + 4, 2 * g));
            const d2 = f(d * scaleK4(y, yo + 4, 2 * g + 1)), m2 = f(dmin * minK4(y, yo + 4, 2 * g + 1));
            for (let l = 0; l < 32; l++) {
                const q = y[yo + 16 + 32 * g + l]!;
                out[oo + 64 * g + l] = f(d1 * (q & 15)) - m1;
                out[oo + 64 * g + 32 + l] = f(d2 * (q >> 4)) - m2;
            }
        }
    }
}

export function quantizeQ5_K(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 176) {
        quantizeK4Scales(x, xo, y, yo, 31, f(-0.5), 15);
        requantizeK4(x, xo, y, yo, 31);
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

export function dequantizeQ5_K(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 176, oo += 256) {
        const d = readHalf(y, yo), dmin = readHalf(y, yo + 2);
        for (let g = 0; g < 4; g++) {
            const d1 = f(d * scaleK4(y, yo + 4, 2 * g)), m1 = f(dmin * minK4(y, yo + 4, 2 * g));
            const d2 = f(d * scaleK4(y, yo + 4, 2 * g + 1)), m2 = f(dmin * minK4(y, yo + 4, 2 * g + 1));
            for (let l = 0; l < 32; l++) {
                const q = y[yo + 48 + 32 * g + l]!, h = y[yo + 16 + l]!;
                out[oo + 64 * g + l] = f(d1 * ((q & 15) + (((h >> (2 * g)) & 1) << 4))) - m1;
                out[oo + 64 * g + 32 + l] = f(d2 * ((q >> 4) + (((h >> (2 * g + 1)) & 1) << 4))) - m2;
            }
        }
    }
}

export function quantizeQ6_K(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 210) {
        let maxScale = 0, maxAbsScale = 0;
        for (let ib = 0; ib < 16; ib += 2) {
            makeQxQuantsPair(16, 32, x, xo + 16 * ib, xo + 16 * ib + 16, L, 16 * ib, 16 * ib + 16);
            scales[ib] = qxPair.scaleA;
            scales[ib + 1] = qxPair.scaleB;
        }
        for (let ib = 0; ib < 16; ib++) {
            const s = scales[ib]!, a = Math.abs(s);
            if (a > maxAbsScale) { maxAbsScale = a; maxScale = s; }
        }
        if (maxAbsScale < f(1e-15)) {
            y.fill(0, yo, yo + 210);
            continue;
        }
        const iscale = f(-128 / maxScale);
        writeHalf(y, yo + 208, f(1 / iscale));
        for (let ib = 0; ib < 16; ib++) y[yo + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]!))) & 0xFF;
        const d = readHalf(y, yo + 208);
        for (let j = 0; j < 16; j++) {
            const dd = f(d * ((y[yo + 192 + j]! << 24) >> 24));
            if (dd === 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt(f(x[xo + 16 * j + ii]! / dd));
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

export function dequantizeQ6_K(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 210, oo += 256) {
        const d = readHalf(y, yo + 208);
        for (let e = 0; e < 256; e++) {
            const h = e >> 7, k = (e >> 5) & 3, l = e & 31;
            const low = k < 2 ? y[yo + 64 * h + 32 * k + l]! & 15 : y[yo + 64 * h + 32 * (k - 2) + l]! >> 4;
            const high = (y[yo + 128 + 32 * h + l]! >> (2 * k)) & 3;
            const q = (low | (high << 4)) - 32;
            out[oo + e] = f(d * ((y[yo + 192 + (e >> 4)]! << 24) >> 24)) * q;
        }
    }
}
