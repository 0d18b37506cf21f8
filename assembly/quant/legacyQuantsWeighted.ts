// Q4_0, Q4_1, Q5_0, Q5_1 with an importance matrix: ports of the JS reference
// src/quant/codecs/legacyQuantsWeighted.ts (ggml's `quantize_row_q4_0_impl` …) in native f32. Each
// export encodes one whole row of `n` values at x with its importance weights at qw: σ² is the
// row's mean square, so a row must not be split (the JS side sends longer rows to the JS codecs).
import {writeHalf} from "./float16";
import {makeQkx3Quants, makeQxQuantsW, qkx3TheMin} from "./weightedHelpers";

const RMIN: f32 = -0.9, RDELTA: f32 = 0.05;
const weight = memory.data(32 * 4, 16);
const L = memory.data(32, 16);

// @ts-ignore: decorator
@inline function ld(p: usize, j: i32): f32 {
    return load<f32>(p + (<usize>j << 2));
}

// @ts-ignore: decorator
@inline function lv(j: i32): i32 {
    return <i32>load<u8>(L + <usize>j);
}

function rowSigma2(x: usize, n: i32): f32 {
    let s: f32 = 0;
    for (let j = 0; j < n; j++) { const v = ld(x, j); s = s + v * v; }
    return s / <f32>n;
}

// weight[j] = qw[j]·√(σ² + x[j]²)
function blockWeights(x: usize, qw: usize, sigma2: f32): void {
    for (let j = 0; j < 32; j++) {
        const v = ld(x, j);
        store<f32>(weight + (<usize>j << 2), ld(qw, j) * Mathf.sqrt(sigma2 + v * v));
    }
}

// 5-bit levels: low nibbles at y + 4, the fifth bits as a little-endian u32 at y.
function packQ5(y: usize): void {
    let qh: u32 = 0;
    for (let j = 0; j < 16; j++) {
        const a = lv(j) & 0xFF, b = lv(j + 16) & 0xFF;
        store<u8>(y + 4 + <usize>j, <u8>((a & 0x0F) | ((b & 0x0F) << 4)));
        qh |= <u32>((a & 0x10) >> 4) << <u32>j;
        qh |= <u32>((b & 0x10) >> 4) << <u32>(j + 16);
    }
    store<u32>(y, qh);
}

export function quantizeQ4_0Weighted(x: usize, y: usize, n: i32, qw: usize): void {
    const sigma2 = rowSigma2(x, n);
    for (let ib = 0; ib < n / 32; ib++, x += 128, y += 18, qw += 128) {
        blockWeights(x, qw, sigma2);
        writeHalf(y, makeQxQuantsW(32, 8, x, L, weight));
        for (let j = 0; j < 16; j++) store<u8>(y + 2 + <usize>j, <u8>((lv(j) | (lv(j + 16) << 4)) & 0xFF));
    }
}

export function quantizeQ4_1Weighted(x: usize, y: usize, n: i32, qw: usize): void {
    const sigma2 = rowSigma2(x, n);
    for (let ib = 0; ib < n / 32; ib++, x += 128, y += 20, qw += 128) {
        blockWeights(x, qw, sigma2);
        const d = makeQkx3Quants(32, 15, x, weight, L, RMIN, RDELTA, 36);
        writeHalf(y, d);
        writeHalf(y + 2, -qkx3TheMin);
        for (let j = 0; j < 16; j++) store<u8>(y + 4 + <usize>j, <u8>(lv(j) | (lv(j + 16) << 4)));
    }
}

export function quantizeQ5_0Weighted(x: usize, y: usize, n: i32, qw: usize): void {
    const sigma2 = rowSigma2(x, n);
    for (let ib = 0; ib < n / 32; ib++, x += 128, y += 22, qw += 128) {
        blockWeights(x, qw, sigma2);
        writeHalf(y, makeQxQuantsW(32, 16, x, L, weight));
        packQ5(y + 2);
    }
}

export function quantizeQ5_1Weighted(x: usize, y: usize, n: i32, qw: usize): void {
    const sigma2 = rowSigma2(x, n);
    for (let ib = 0; ib < n / 32; ib++, x += 128, y += 24, qw += 128) {
        blockWeights(x, qw, sigma2);
        const d = makeQkx3Quants(32, 31, x, weight, L, RMIN, RDELTA, 36);
        writeHalf(y, d);
        writeHalf(y + 2, -qkx3TheMin);
        packQ5(y + 4);
    }
}
