// Q4_0, Q4_1, Q5_0, Q5_1 with an importance matrix: ports of ggml's `quantize_row_q4_0_impl` etc.
// (MIT-licensed originals). One row at a time: σ² is the row's mean square, `qw[qo…]` its weights.
import {writeHalf} from "./float16.js";
import {makeQkx3Quants, makeQxQuantsW, qkx3Result} from "./weightedHelpers.js";

const f = Math.fround;
const RMIN = f(-0.9), RDELTA = f(0.05);
const weight = new Float32Array(32);
const Li8 = new Int8Array(32);
const Lu8 = new Uint8Array(32);

function rowSigma2(x: Float32Array, xo: number, n: number): number {
    let s = 0;
    for (let j = 0; j < n; j++) { const v = x[xo + j]!; s = f(s + f(v * v)); }
    return f(s / n);
}

function blockWeights(x: Float32Array, xo: number, qw: Float32Array, qo: number, sigma2: number): void {
    for (let j = 0; j < 32; j++) {
        const v = x[xo + j]!;
        weight[j] = f(qw[qo + j]! * f(Math.sqrt(f(sigma2 + f(v * v)))));
    }
}

function writeU32(y: Uint8Array, o: number, v: number): void {
    y[o] = v & 0xFF; y[o + 1] = (v >>> 8) & 0xFF; y[o + 2] = (v >>> 16) & 0xFF; y[o + 3] = (v >>> 24) & 0xFF;
}

function packQ5(y: Uint8Array, yo: number, L: Int8Array | Uint8Array): void {
    let qh = 0;
    for (let j = 0; j < 16; j++) {
        const a = L[j]! & 0xFF, b = L[j + 16]! & 0xFF;
        y[yo + 4 + j] = (a & 0x0F) | ((b & 0x0F) << 4);
        qh |= ((a & 0x10) >>> 4) << j;
        qh |= ((b & 0x10) >>> 4) << (j + 16);
    }
    writeU32(y, yo, qh >>> 0);
}

export function quantizeQ4_0Weighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const sigma2 = rowSigma2(x, xo, n);
    for (let ib = 0; ib < n / 32; ib++, xo += 32, yo += 18, qo += 32) {
        blockWeights(x, xo, qw, qo, sigma2);
        writeHalf(y, yo, makeQxQuantsW(32, 8, x, xo, Li8, 0, weight, 0));
        for (let j = 0; j < 16; j++) y[yo + 2 + j] = (Li8[j]! | (Li8[j + 16]! << 4)) & 0xFF;
    }
}

export function quantizeQ4_1Weighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const sigma2 = rowSigma2(x, xo, n);
    for (let ib = 0; ib < n / 32; ib++, xo += 32, yo += 20, qo += 32) {
        blockWeights(x, xo, qw, qo, sigma2);
        const d = makeQkx3Quants(32, 15, x, xo, weight, 0, Lu8, 0, RMIN, RDELTA, 36);
        writeHalf(y, yo, d);
        writeHalf(y, yo + 2, -qkx3Result.theMin);
        for (let j = 0; j < 16; j++) y[yo + 4 + j] = Lu8[j]! | (Lu8[j + 16]! << 4);
    }
}

export function quantizeQ5_0Weighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const sigma2 = rowSigma2(x, xo, n);
    for (let ib = 0; ib < n / 32; ib++, xo += 32, yo += 22, qo += 32) {
        blockWeights(x, xo, qw, qo, sigma2);
        writeHalf(y, yo, makeQxQuantsW(32, 16, x, xo, Li8, 0, weight, 0));
        packQ5(y, yo + 2, Li8);
    }
}

export function quantizeQ5_1Weighted(x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number): void {
    const sigma2 = rowSigma2(x, xo, n);
    for (let ib = 0; ib < n / 32; ib++, xo += 32, yo += 24, qo += 32) {
        blockWeights(x, xo, qw, qo, sigma2);
        const d = makeQkx3Quants(32, 31, x, xo, weight, 0, Lu8, 0, RMIN, RDELTA, 36);
        writeHalf(y, yo, d);
        writeHalf(y, yo + 2, -qkx3Result.theMin);
        packQ5(y, yo + 4, Lu8);
    }
}
