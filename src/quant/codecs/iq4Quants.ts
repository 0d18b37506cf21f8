// IQ4_NL and IQ4_XS: port of ggml's `quantize_row_iq4_nl_impl` with ntry = 7 and no importance
// matrix — what `quantize_iq4_nl`/`quantize_iq4_xs` run (gguf-quant-spec §5.12; MIT original).
import {readHalf, writeHalf} from "./float16.js";
import {nearestInt} from "./rounding.js";

const f = Math.fround;
const GROUP_MAX_EPS = f(1e-15);

/** `kvalues_iq4nl`: the non-linear 4-bit grid. */
export const KVALUES_IQ4NL: Int8Array = Int8Array.of(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
const V = KVALUES_IQ4NL;

// ggml's binary search ends with v[mu−1] ≤ x < v[mu]; the grid is integers, so mu depends
// only on floor(x): a table lookup instead of four unpredictable branches.
const MU_BY_FLOOR = (() => {
    const t = new Uint8Array(241);
    for (let i = 0; i < 241; i++) {
        let mu = 1;
        while (V[mu]! <= i - 127) mu++;
        t[i] = mu;
    }
    return t;
})();

function bestIndex(x: number): number {
    if (x <= -127) return 0;
    if (x >= 113) return 15;
    // NaN falls through both tests; ggml's search then returns 15 for it too
    if (x !== x) return 15;
    const mu = MU_BY_FLOOR[Math.floor(x) + 127]!;
    return f(x - V[mu - 1]!) < f(V[mu]! - x) ? mu - 1 : mu;
}

const L = new Uint8Array(256);
const prevL = new Uint8Array(32);
const scales = new Float32Array(8);

// Scale search of one 32-element block; returns its scale (0 for an all-zero block).
function blockScale(x: Float32Array, xo: number, Lb: number): number {
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
        const ax = Math.abs(x[xo + j]!);
        if (ax > amax) { amax = ax; max = x[xo + j]!; }
    }
    if (amax < GROUP_MAX_EPS) return 0;
    let d = f(-max / -127);
    let id = f(1 / d);
    let sumqx = 0, sumq2 = 0;
    for (let j = 0; j < 32; j++) {
        const xj = x[xo + j]!;
        const l = bestIndex(f(id * xj));
        L[Lb + j] = l;
        const q = V[l]!, w = f(xj * xj);
        sumqx = f(sumqx + f(f(w * q) * xj));
        sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    d = sumq2 > 0 ? f(sumqx / sumq2) : 0;
    let best = f(d * sumqx);
    // Same levels as the previous try ⇒ same sums, and accepting them again changes nothing.
    for (let itry = -7; itry <= 7; itry++) {
        id = f((itry - 127) / max);
        let changed = itry === -7;
        for (let j = 0; j < 32; j++) {
            const l = bestIndex(f(id * x[xo + j]!));
            if (prevL[j] !== l) { prevL[j] = l; changed = true; }
        }
        if (!changed) continue;
        sumqx = 0; sumq2 = 0;
        for (let j = 0; j < 32; j++) {
            const xj = x[xo + j]!;
            const q = V[prevL[j]!]!, w = f(xj * xj);
            sumqx = f(sumqx + f(f(w * q) * xj));
            sumq2 = f(sumq2 + f(f(w * q) * q));
        }
        if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
            d = f(sumqx / sumq2);
            best = f(d * sumqx);
        }
    }
    return d;
}

function packNibbles(y: Uint8Array, qo: number, nGroups: number): void {
    for (let i = 0; i < nGroups; i++) {
        for (let j = 0; j < 16; j++) y[qo + 16 * i + j] = L[32 * i + j]! | (L[32 * i + 16 + j]! << 4);
    }
}

export function quantizeIQ4_NL(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 32, yo += 18) {
        const s = blockScale(x, xo, 0);
        writeHalf(y, yo, s);
        const id = s !== 0 ? f(1 / s) : 0;
        for (let j = 0; j < 32; j++) L[j] = bestIndex(f(id * x[xo + j]!));
        packNibbles(y, yo + 2, 1);
    }
}

export function dequantizeIQ4_NL(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 18, oo += 32) {
        const d = readHalf(y, yo);
        for (let j = 0; j < 16; j++) {
            const q = y[yo + 2 + j]!;
            out[oo + j] = d * V[q & 15]!;
            out[oo + 16 + j] = d * V[q >> 4]!;
        }
    }
}

// The IQ4_XS super-block scale, 6-bit block scales and levels, once the block scales are known.
function writeXsBlock(x: Float32Array, xo: number, y: Uint8Array, yo: number, maxScale: number): void {
    let scalesH = 0;
    const d = f(-maxScale / 32);
    writeHalf(y, yo, d);
    const id = d !== 0 ? f(1 / d) : 0;
    for (let ib = 0; ib < 8; ib++) {
        let l = nearestInt(f(id * scales[ib]!));
        l = l < -32 ? -32 : l > 31 ? 31 : l;
        const dl = f(d * l);
        const idl = dl !== 0 ? f(1 / dl) : 0;
        for (let j = 0; j < 32; j++) L[32 * ib + j] = bestIndex(f(idl * x[xo + 32 * ib + j]!));
        l += 32;
        if (ib % 2 === 0) y[yo + 4 + (ib >> 1)] = l & 0xF;
        else y[yo + 4 + (ib >> 1)] = y[yo + 4 + (ib >> 1)]! | ((l & 0xF) << 4);
        scalesH |= (l >> 4) << (2 * ib);
    }
    y[yo + 2] = scalesH & 0xFF;
    y[yo + 3] = (scalesH >> 8) & 0xFF;
    packNibbles(y, yo + 8, 8);
}

export function quantizeIQ4_XS(x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, xo += 256, yo += 136) {
        let maxScale = 0, amaxScale = 0;
        for (let ib = 0; ib < 8; ib++) {
            const d = scales[ib] = blockScale(x, xo + 32 * ib, 32 * ib);
            const a = Math.abs(d);
            if (a > amaxScale) { amaxScale = a; maxScale = d; }
        }
        writeXsBlock(x, xo, y, yo, maxScale);
    }
}

export function dequantizeIQ4_XS(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 136, oo += 256) {
        const d = readHalf(y, yo);
        const scalesH = y[yo + 2]! | (y[yo + 3]! << 8);
        for (let ib = 0; ib < 8; ib++) {
            const ls = ((y[yo + 4 + (ib >> 1)]! >> (4 * (ib & 1))) & 15) | (((scalesH >> (2 * ib)) & 3) << 4);
            const dl = f(d * (ls - 32));
            for (let j = 0; j < 16; j++) {
                const q = y[yo + 8 + 16 * ib + j]!;
                out[oo + 32 * ib + j] = dl * V[q & 15]!;
                out[oo + 32 * ib + 16 + j] = dl * V[q >> 4]!;
            }
        }
    }
}

// ---- With an importance matrix: `quantize_row_iq4_nl_impl` with quant_weights, ntry = 7.

const weight = new Float32Array(32);

// σ² = 2·Σx²/super_block over the super-block (32 for IQ4_NL, 256 for IQ4_XS)
function superBlockSigma2(x: Float32Array, xo: number, n: number): number {
    let s = 0;
    for (let j = 0; j < n; j++) { const v = x[xo + j]!; s = f(s + f(v * v)); }
    return f(s * f(2 / n));
}

// Scale search of one 32-element block with weight[j] = qw[j]·√(σ² + x[j]²).
function blockScaleWeighted(x: Float32Array, xo: number, Lb: number, qw: Float32Array, qo: number, sigma2: number): number {
    for (let j = 0; j < 32; j++) {
        const v = x[xo + j]!;
        weight[j] = f(qw[qo + j]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
        const ax = Math.abs(x[xo + j]!);
        if (ax > amax) { amax = ax; max = x[xo + j]!; }
    }
    if (amax < GROUP_MAX_EPS) return 0;
    let d = f(-max / -127);
    let id = f(1 / d);
    let sumqx = 0, sumq2 = 0;
    for (let j = 0; j < 32; j++) {
        const xj = x[xo + j]!;
        const l = bestIndex(f(id * xj));
        L[Lb + j] = l;
        const q = V[l]!, w = weight[j]!;
        sumqx = f(sumqx + f(f(w * q) * xj));
        sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    d = sumq2 > 0 ? f(sumqx / sumq2) : 0;
    let best = f(d * sumqx);
    for (let itry = -7; itry <= 7; itry++) {
        id = f((itry - 127) / max);
        let changed = itry === -7;
        for (let j = 0; j < 32; j++) {
            const l = bestIndex(f(id * x[xo + j]!));
            if (prevL[j] !== l) { prevL[j] = l; changed = true; }
        }
        if (!changed) continue;
        sumqx = 0; sumq2 = 0;
        for (let j = 0; j < 32; j++) {
            const xj = x[xo + j]!;
            const q = V[prevL[j]!]!, w = weight[j]!;
            sumqx = f(sumqx + f(f(w * q) * xj));
            sumq2 = f(sumq2 + f(f(w * q) * q));
        }
        if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
            d = f(sumqx / sumq2);
            best = f(d * sumqx);
        }
    }
    return d;
}

export function quantizeIQ4_NLWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 32; i++, xo += 32, yo += 18, qo += 32) {
        const s = blockScaleWeighted(x, xo, 0, qw, qo, superBlockSigma2(x, xo, 32));
        writeHalf(y, yo, s);
        const id = s !== 0 ? f(1 / s) : 0;
        for (let j = 0; j < 32; j++) L[j] = bestIndex(f(id * x[xo + j]!));
        packNibbles(y, yo + 2, 1);
    }
}

export function quantizeIQ4_XSWeighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    for (let i = 0; i < n / 256; i++, xo += 256, yo += 136, qo += 256) {
        const sigma2 = superBlockSigma2(x, xo, 256);
        let maxScale = 0, amaxScale = 0;
        for (let ib = 0; ib < 8; ib++) {
            const d = scales[ib] = blockScaleWeighted(x, xo + 32 * ib, 32 * ib, qw, qo + 32 * ib, sigma2);
            const a = Math.abs(d);
            if (a > amaxScale) { amaxScale = a; maxScale = d; }
        }
        writeXsBlock(x, xo, y, yo, maxScale);
    }
}
