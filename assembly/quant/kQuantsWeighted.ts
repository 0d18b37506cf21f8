// Q2_K…Q6_K with an importance matrix: ports of the JS reference src/quant/codecs/kQuantsWeighted.ts
// (ggml's `quantize_row_qX_K_impl`, the path `quantize_qX_K` takes when `quant_weights` is set) in
// native f32. Each export encodes `n` values of x (whole 256-value blocks) with the importance weights
// at `qw` (one f32 per value, advancing with x: an imatrix row's slice for these blocks).
import {readHalf, writeHalf} from "./float16";
import {nearestInt} from "./rounding";
import {makeQpQuants, makeQxQuantsW} from "./weightedHelpers";
import {qkx3SubBlocks, qxSubBlocks} from "./kQuantHelpers4";
import {minK4, packQ2Q3, packQ3Levels, packQ4Levels, packQ5Levels, packQ6Levels, scaleK4} from "./kQuantPacking";

const RMIN: f32 = -0.9, RDELTA: f32 = 0.05;
const GROUP_MAX_EPS: f32 = 1e-15;

const L = memory.data(256, 16);
const weight = memory.data(256 * 4, 16);
const sw = memory.data(16 * 4, 16);
const scales = memory.data(16 * 4, 16);
const mins = memory.data(16 * 4, 16);
const Ls = memory.data(16, 16);
const Lm = memory.data(16, 16);

// @ts-ignore: decorator
@inline function f32At(p: usize, i: i32): usize { return p + (<usize>i << 2); }

function sumSquares(x: usize, n: i32): f32 {
    let s: f32 = 0;
    for (let j = 0; j < n; j++) { const v = load<f32>(f32At(x, j)); s = s + v * v; }
    return s;
}

// w[l] = qw[l]·√(σ² + x[l]²) for one sub-block, and their float32 sum
function importance(x: usize, qw: usize, n: i32, sigma2: f32, w: usize): f32 {
    for (let l = 0; l < n; l++) {
        const v = load<f32>(f32At(x, l));
        store<f32>(f32At(w, l), load<f32>(f32At(qw, l)) * Mathf.sqrt(sigma2 + v * v));
    }
    let sum: f32 = 0;
    for (let l = 0; l < n; l++) sum = sum + load<f32>(f32At(w, l));
    return sum;
}

export function quantizeQ2_KWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    for (let i = 0; i < n / 256; i++, x += 1024, y += 84, qw += 1024) {
        const sigma2: f32 = sumSquares(x, 256) / 256;
        for (let j = 0; j < 16; j++) store<f32>(f32At(sw, j), importance(f32At(x, 16 * j), f32At(qw, 16 * j), 16, sigma2, f32At(weight, 16 * j)));
        // make_qkx3_quants on the 16 sub-blocks, four at a time
        qkx3SubBlocks(x, weight, 16, 16, 3, L, scales, mins, RMIN, RDELTA, 36);
        const dm0 = makeQpQuants(16, 15, scales, Ls, sw);
        const mm0 = makeQpQuants(16, 15, mins, Lm, sw);
        const dm = writeHalf(y + 80, dm0);
        const mm = writeHalf(y + 82, mm0);
        for (let j = 0; j < 16; j++) store<u8>(y + <usize>j, <u8>(<i32>load<u8>(Ls + <usize>j) | (<i32>load<u8>(Lm + <usize>j) << 4)));
        for (let j = 0; j < 16; j++) {
            const s = <i32>load<u8>(y + <usize>j);
            const d: f32 = dm * <f32>(s & 0xF);
            if (d == 0) continue;
            const m: f32 = mm * <f32>(s >> 4);
            for (let ii = 0; ii < 16; ii++) {
                const l = nearestInt((load<f32>(f32At(x, 16 * j + ii)) + m) / d);
                store<u8>(L + <usize>(16 * j + ii), <u8>(l < 0 ? 0 : l > 3 ? 3 : l));
            }
        }
        packQ2Q3(y + 16, L);
    }
}

export function quantizeQ3_KWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    for (let i = 0; i < n / 256; i++, x += 1024, y += 110, qw += 1024) {
        const sigma2: f32 = <f32>2 * sumSquares(x, 256) / 256;
        for (let j = 0; j < 16; j++) store<f32>(f32At(sw, j), importance(f32At(x, 16 * j), f32At(qw, 16 * j), 16, sigma2, f32At(weight, 16 * j)));
        // make_qx_quants weighted on the 16 sub-blocks, four at a time
        qxSubBlocks(x, weight, 16, 16, 4, L, scales);
        const so = y + 96;
        memory.fill(so, 0, 12);
        const dBlock = makeQxQuantsW(16, 32, scales, Ls, sw);
        for (let j = 0; j < 16; j++) {
            let l = <i32>load<u8>(Ls + <usize>j);
            if (j < 8) store<u8>(so + <usize>j, <u8>(l & 0xF));
            else store<u8>(so + <usize>(j - 8), <u8>(<i32>load<u8>(so + <usize>(j - 8)) | ((l & 0xF) << 4)));
            l >>= 4;
            const p = so + 8 + <usize>(j % 4);
            store<u8>(p, <u8>(<i32>load<u8>(p) | (l << (2 * (j >> 2)))));
        }
        const dh = writeHalf(y + 108, dBlock);
        packQ3Levels(x, y, dh, L);
    }
}

// Q4_K and Q5_K share everything but the level count and the packing of the levels.
function quantizeK4Weighted(x: usize, y: usize, qw: usize, nmax: i32): void {
    const sigma2: f32 = <f32>2 * sumSquares(x, 256) / 256;
    for (let j = 0; j < 8; j++) store<f32>(f32At(sw, j), importance(f32At(x, 32 * j), f32At(qw, 32 * j), 32, sigma2, f32At(weight, 32 * j)));
    // make_qkx3_quants on the 8 sub-blocks, four at a time
    qkx3SubBlocks(x, weight, 8, 32, nmax, L, scales, mins, RMIN, RDELTA, 36);
    const dBlock = makeQpQuants(8, 63, scales, Ls, sw);
    const mBlock = makeQpQuants(8, 63, mins, Lm, sw);
    const so = y + 4;
    for (let j = 0; j < 8; j++) {
        // Q5_K clamps to 63 (a no-op: make_qp_quants never exceeds nmax), Q4_K does not
        let ls = <i32>load<u8>(Ls + <usize>j), lm = <i32>load<u8>(Lm + <usize>j);
        if (ls > 63) ls = 63;
        if (lm > 63) lm = 63;
        if (j < 4) {
            store<u8>(so + <usize>j, <u8>ls);
            store<u8>(so + <usize>(j + 4), <u8>lm);
        } else {
            store<u8>(so + <usize>(j + 4), <u8>((ls & 0xF) | ((lm & 0xF) << 4)));
            store<u8>(so + <usize>(j - 4), <u8>(<i32>load<u8>(so + <usize>(j - 4)) | ((ls >> 4) << 6)));
            store<u8>(so + <usize>j, <u8>(<i32>load<u8>(so + <usize>j) | ((lm >> 4) << 6)));
        }
    }
    const d0 = writeHalf(y, dBlock);
    const m0 = writeHalf(y + 2, mBlock);
    for (let j = 0; j < 8; j++) {
        const d: f32 = d0 * <f32>scaleK4(so, j);
        if (d == 0) continue;
        const dm: f32 = m0 * <f32>minK4(so, j);
        for (let ii = 0; ii < 32; ii++) {
            const l = nearestInt((load<f32>(f32At(x, 32 * j + ii)) + dm) / d);
            store<u8>(L + <usize>(32 * j + ii), <u8>(l < 0 ? 0 : l > nmax ? nmax : l));
        }
    }
}

export function quantizeQ4_KWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    for (let i = 0; i < n / 256; i++, x += 1024, y += 144, qw += 1024) {
        quantizeK4Weighted(x, y, qw, 15);
        packQ4Levels(y, L);
    }
}

export function quantizeQ5_KWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    for (let i = 0; i < n / 256; i++, x += 1024, y += 176, qw += 1024) {
        quantizeK4Weighted(x, y, qw, 31);
        packQ5Levels(y, L);
    }
}

export function quantizeQ6_KWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    for (let i = 0; i < n / 256; i++, x += 1024, y += 210, qw += 1024) {
        let maxScale: f32 = 0, maxAbsScale: f32 = 0;
        // make_qx_quants weighted by qw itself on the 16 sub-blocks, four at a time
        qxSubBlocks(x, qw, 16, 16, 32, L, scales);
        for (let ib = 0; ib < 16; ib++) {
            const s = load<f32>(f32At(scales, ib)), a = Mathf.abs(s);
            if (a > maxAbsScale) { maxAbsScale = a; maxScale = s; }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            memory.fill(y, 0, 210);
            continue;
        }
        const iscale: f32 = <f32>-128 / maxScale;
        const d0 = writeHalf(y + 208, <f32>1 / iscale);
        for (let ib = 0; ib < 16; ib++) {
            let q = nearestInt(iscale * load<f32>(f32At(scales, ib)));
            if (q > 127) q = 127;
            store<u8>(y + 192 + <usize>ib, <u8>q);
        }
        for (let j = 0; j < 16; j++) {
            const d: f32 = d0 * <f32>load<i8>(y + 192 + <usize>j);
            if (d == 0) continue;
            for (let ii = 0; ii < 16; ii++) {
                let l = nearestInt(load<f32>(f32At(x, 16 * j + ii)) / d);
                l = l < -32 ? -32 : l > 31 ? 31 : l;
                store<u8>(L + <usize>(16 * j + ii), <u8>(l + 32));
            }
        }
        packQ6Levels(y, L);
    }
}
