// IQ4_NL and IQ4_XS, plain and with importance weights: ports of the JS references in
// src/quant/codecs/iq4Quants.ts (ggml's `quantize_row_iq4_nl_impl`, ntry = 7), the same float32
// operations in the same order, in native f32. Scratch is static (one call at a time).
import {writeHalf} from "./float16";
import {nearestInt} from "./rounding";

const GROUP_MAX_EPS: f32 = 1e-15;

/** `kvalues_iq4nl`: the non-linear 4-bit grid. */
const V = memory.data<i8>([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);

// ggml's binary search ends with v[mu−1] ≤ x < v[mu]; the grid is integers, so mu depends only
// on floor(x): filled once by `initMuTable` (the JS reference's MU_BY_FLOOR).
const MU_BY_FLOOR = memory.data(241, 16);
let muReady = false;

function initMuTable(): void {
    for (let i = 0; i < 241; i++) {
        let mu = 1;
        while (<i32>load<i8>(V + <usize>mu) <= i - 127) mu++;
        store<u8>(MU_BY_FLOOR + <usize>i, <u8>mu);
    }
    muReady = true;
}

// @ts-ignore: decorator
@inline function kv(i: i32): f32 {
    return <f32>load<i8>(V + <usize>i);
}

// @ts-ignore: decorator
@inline function ld(x: usize, j: i32): f32 {
    return load<f32>(x + (<usize>j << 2));
}

function bestIndex(x: f32): i32 {
    if (x <= -127) return 0;
    if (x >= 113) return 15;
    // NaN falls through both tests; ggml's search then returns 15 for it too
    if (x != x) return 15;
    const mu = <i32>load<u8>(MU_BY_FLOOR + <usize>(<i32>Mathf.floor(x) + 127));
    return x - kv(mu - 1) < kv(mu) - x ? mu - 1 : mu;
}

const L = memory.data(256, 16);
const prevL = memory.data(32, 16);
const scales = memory.data(8 * 4, 16);
const weight = memory.data(32 * 4, 16);

// Scale search of one 32-element block (levels into L + Lb); `weighted`: weight[j] as filled by
// the caller, else x[j]². Returns the block's scale (0 for an all-zero block).
function blockScale(x: usize, Lb: i32, weighted: bool): f32 {
    let amax: f32 = 0, max: f32 = 0;
    for (let j = 0; j < 32; j++) {
        const ax = Mathf.abs(ld(x, j));
        if (ax > amax) { amax = ax; max = ld(x, j); }
    }
    if (amax < GROUP_MAX_EPS) return 0;
    let d: f32 = -max / <f32>-127;
    let id: f32 = <f32>1 / d;
    let sumqx: f32 = 0, sumq2: f32 = 0;
    for (let j = 0; j < 32; j++) {
        const xj = ld(x, j);
        const l = bestIndex(id * xj);
        store<u8>(L + <usize>(Lb + j), <u8>l);
        const q = kv(l), w: f32 = weighted ? load<f32>(weight + (<usize>j << 2)) : xj * xj;
        sumqx = sumqx + w * q * xj;
        sumq2 = sumq2 + w * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0;
    let best: f32 = d * sumqx;
    // Same levels as the previous try ⇒ same sums, and accepting them again changes nothing.
    for (let itry = -7; itry <= 7; itry++) {
        id = <f32>(itry - 127) / max;
        let changed = itry == -7;
        for (let j = 0; j < 32; j++) {
            const l = bestIndex(id * ld(x, j));
            if (<i32>load<u8>(prevL + <usize>j) != l) { store<u8>(prevL + <usize>j, <u8>l); changed = true; }
        }
        if (!changed) continue;
        sumqx = 0; sumq2 = 0;
        for (let j = 0; j < 32; j++) {
            const xj = ld(x, j);
            const q = kv(<i32>load<u8>(prevL + <usize>j)), w: f32 = weighted ? load<f32>(weight + (<usize>j << 2)) : xj * xj;
            sumqx = sumqx + w * q * xj;
            sumq2 = sumq2 + w * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

function packNibbles(y: usize, nGroups: i32): void {
    for (let i = 0; i < nGroups; i++) {
        for (let j = 0; j < 16; j++) {
            store<u8>(y + <usize>(16 * i + j), <u8>(<i32>load<u8>(L + <usize>(32 * i + j)) | (<i32>load<u8>(L + <usize>(32 * i + 16 + j)) << 4)));
        }
    }
}

function writeNlBlock(x: usize, y: usize, s: f32): void {
    writeHalf(y, s);
    const id: f32 = s != 0 ? <f32>1 / s : 0;
    for (let j = 0; j < 32; j++) store<u8>(L + <usize>j, <u8>bestIndex(id * ld(x, j)));
    packNibbles(y + 2, 1);
}

export function quantizeIQ4_NL(x: usize, y: usize, nBlocks: i32): void {
    if (!muReady) initMuTable();
    for (let i = 0; i < nBlocks; i++, x += 128, y += 18) writeNlBlock(x, y, blockScale(x, 0, false));
}

// The IQ4_XS super-block scale, 6-bit block scales and levels, once the block scales are known.
function writeXsBlock(x: usize, y: usize, maxScale: f32): void {
    let scalesH: i32 = 0;
    const d: f32 = -maxScale / <f32>32;
    writeHalf(y, d);
    const id: f32 = d != 0 ? <f32>1 / d : 0;
    for (let ib = 0; ib < 8; ib++) {
        let l = nearestInt(id * load<f32>(scales + (<usize>ib << 2)));
        l = l < -32 ? -32 : l > 31 ? 31 : l;
        const dl: f32 = d * <f32>l;
        const idl: f32 = dl != 0 ? <f32>1 / dl : 0;
        for (let j = 0; j < 32; j++) store<u8>(L + <usize>(32 * ib + j), <u8>bestIndex(idl * ld(x, 32 * ib + j)));
        l += 32;
        const p = y + 4 + <usize>(ib >> 1);
        if (ib % 2 == 0) store<u8>(p, <u8>(l & 0xF));
        else store<u8>(p, <u8>(<i32>load<u8>(p) | ((l & 0xF) << 4)));
        scalesH |= (l >> 4) << (2 * ib);
    }
    store<u8>(y + 2, <u8>(scalesH & 0xFF));
    store<u8>(y + 3, <u8>((scalesH >> 8) & 0xFF));
    packNibbles(y + 8, 8);
}

// The block scales of one IQ4_XS super-block, then the block.
function xsSuperBlock(x: usize, y: usize, qw: usize, sigma2: f32, weighted: bool): void {
    let maxScale: f32 = 0, amaxScale: f32 = 0;
    for (let ib = 0; ib < 8; ib++) {
        const xb = x + (<usize>(32 * ib) << 2);
        if (weighted) blockWeights(xb, qw + (<usize>(32 * ib) << 2), sigma2);
        const d = blockScale(xb, 32 * ib, weighted);
        store<f32>(scales + (<usize>ib << 2), d);
        const a = Mathf.abs(d);
        if (a > amaxScale) { amaxScale = a; maxScale = d; }
    }
    writeXsBlock(x, y, maxScale);
}

export function quantizeIQ4_XS(x: usize, y: usize, nBlocks: i32): void {
    if (!muReady) initMuTable();
    for (let i = 0; i < nBlocks; i++, x += 1024, y += 136) xsSuperBlock(x, y, 0, 0, false);
}

// ---- With an importance matrix: `quantize_row_iq4_nl_impl` with quant_weights, ntry = 7.

// σ² = 2·Σx²/super_block over the super-block (32 for IQ4_NL, 256 for IQ4_XS)
function superBlockSigma2(x: usize, n: i32): f32 {
    let s: f32 = 0;
    for (let j = 0; j < n; j++) { const v = ld(x, j); s = s + v * v; }
    return s * (<f32>2 / <f32>n);
}

// weight[j] = qw[j]·√(σ² + x[j]²)
function blockWeights(x: usize, qw: usize, sigma2: f32): void {
    for (let j = 0; j < 32; j++) {
        const v = ld(x, j);
        store<f32>(weight + (<usize>j << 2), ld(qw, j) * Mathf.sqrt(sigma2 + v * v));
    }
}

/** One row of `n` values at x, importance weights at qw. */
export function quantizeIQ4_NLWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    if (!muReady) initMuTable();
    for (let i = 0; i < n / 32; i++, x += 128, y += 18, qw += 128) {
        blockWeights(x, qw, superBlockSigma2(x, 32));
        writeNlBlock(x, y, blockScale(x, 0, true));
    }
}

/** One row of `n` values at x, importance weights at qw. */
export function quantizeIQ4_XSWeighted(x: usize, y: usize, n: i32, qw: usize): void {
    if (!muReady) initMuTable();
    for (let i = 0; i < n / 256; i++, x += 1024, y += 136, qw += 1024) xsSuperBlock(x, y, qw, superBlockSigma2(x, 256), true);
}
