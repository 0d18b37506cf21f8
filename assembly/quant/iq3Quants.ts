// IQ3_XXS and IQ3_S: ports of src/quant/codecs/iq3Quants.ts (ggml's `quantize_row_iq3_xxs_impl`, grid
// 256, and `quantize_row_iq3_s_impl`, grid 512), the same float32 operations in the same order, native.
// `nBlocks` blocks of 256 values with their importance weights at `qw`, advancing with x (0: none,
// ggml then weighs by x²). Returns 0, or an IQ_* error code.
import {writeHalf} from "./float16";
import {nearestInt} from "./rounding";
import {gridIQ3S, gridIQ3XXS, iqErrorCode, IqGrid, IQ_OFF_GRID, setIqError, takeIqError} from "./iqGrid";

const GROUP_MAX_EPS_IQ3_XXS: f32 = 1e-8;
const F02: f32 = 0.2;
const KMAXQ = 8;
const TWO_KMAXQ_M1: f32 = 15; // 2·kMaxQ − 1

const weight = memory.data(32 * 4, 16);
const waux = memory.data(32 * 4, 16);
const xval = memory.data(32 * 4, 16);
const L = memory.data(32, 16);
const Laux = memory.data(32, 16);
const scales = memory.data(8 * 4, 16);
const signs = memory.data(4, 16);
const onGrid = memory.data(8, 16);
const onGridAux = memory.data(8, 16);
const q3 = memory.data(104, 16);

// @ts-ignore: decorator
@inline function ldf(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function stf(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }

function sigma2Of(x: usize): f32 {
    let s: f32 = 0;
    for (let i = 0; i < 256; i++) { const v = ldf(x, i); s = s + v * v; }
    return (<f32>2 * s) / 256;
}

function importance(x: usize, qw: usize, sigma2: f32): void {
    for (let i = 0; i < 32; i++) {
        const v = ldf(x, i);
        stf(weight, i, qw == 0 ? v * v : ldf(qw, i) * Mathf.sqrt(sigma2 + v * v));
    }
    for (let i = 0; i < 32; i++) stf(waux, i, Mathf.sqrt(ldf(weight, i)));
}

function levels4(id: f32, k: i32, out: usize): i32 {
    let u = 0;
    for (let i = 0; i < 4; i++) {
        let l = nearestInt(<f32>0.5 * (id * ldf(xval, 4 * k + i) - 1));
        l = l < 0 ? 0 : l > KMAXQ - 1 ? KMAXQ - 1 : l;
        store<i8>(out + <usize>(4 * k + i), <i8>l);
        u |= l << (3 * i);
    }
    return u;
}

let sumqx: f32 = 0, sumq2: f32 = 0;

function sums(Lv: usize): void {
    let sx: f32 = 0, s2: f32 = 0;
    for (let i = 0; i < 32; i++) {
        const l = <i32>load<i8>(Lv + <usize>i);
        const w = ldf(weight, i), q = <f32>(l + l + 1);
        sx = sx + w * ldf(xval, i) * q;
        s2 = s2 + w * q * q;
    }
    sumqx = sx;
    sumq2 = s2;
}

// The scale search of one 32-element block (8 groups of 4 on the grid); L holds the result.
// IQ3_XXS re-fits only the groups off the grid, IQ3_S all of them (its `continue` is commented out).
function searchBlock(grid: IqGrid, max: f32, steps: i32, startOnGrid: bool, refitAll: bool): f32 {
    let best: f32 = 0;
    let scale: f32 = max / TWO_KMAXQ_M1;
    memory.fill(onGrid, startOnGrid ? 1 : 0, 8);
    for (let is = -steps; is <= steps; is++) {
        const id: f32 = (TWO_KMAXQ_M1 + <f32>is * F02) / max;
        const thisScale: f32 = <f32>1 / id;
        for (let k = 0; k < 8; k++) {
            const u = levels4(id, k, Laux);
            store<u8>(onGridAux + <usize>k, 1);
            if (grid.onGrid(u) < 0) {
                store<u8>(onGridAux + <usize>k, 0);
                grid.bestNeighbour(u, xval + (<usize>(4 * k) << 2), waux + (<usize>(4 * k) << 2), thisScale, Laux + <usize>(4 * k));
            }
        }
        sums(Laux);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2; best = scale * sumqx;
            memory.copy(L, Laux, 32);
            memory.copy(onGrid, onGridAux, 8);
        }
    }
    let anyOff = false;
    for (let k = 0; k < 8; k++) if (load<u8>(onGrid + <usize>k) == 0) anyOff = true;
    if (anyOff && scale > 0) {
        const id: f32 = <f32>1 / scale;
        for (let k = 0; k < 8; k++) {
            if (!refitAll && load<u8>(onGrid + <usize>k) != 0) continue;
            const u = levels4(id, k, Laux);
            let g = grid.onGrid(u);
            if (g < 0) g = grid.bestNeighbour(u, xval + (<usize>(4 * k) << 2), waux + (<usize>(4 * k) << 2), scale, L + <usize>(4 * k));
            for (let i = 0; i < 4; i++) store<i8>(L + <usize>(4 * k + i), <i8>grid.level(g, i));
        }
        sums(L);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

function gridIndexOf(grid: IqGrid, k: i32): i32 {
    let u = 0;
    for (let i = 0; i < 4; i++) u |= <i32>load<i8>(L + <usize>(4 * k + i)) << (3 * i);
    const g = grid.onGrid(u);
    if (g < 0) { setIqError(IQ_OFF_GRID); return 0; }
    return g;
}

export function quantizeIQ3_XXS(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ3XXS();
    const weighted = qw != 0;
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 98, qw += 1024) {
        writeHalf(y, 0);
        memory.fill(q3, 0, 104);
        let maxScale: f32 = 0;
        const sigma2 = sigma2Of(x);
        for (let ib = 0; ib < 8; ib++) {
            const xb = x + (<usize>(32 * ib) << 2);
            importance(xb, weighted ? qw + (<usize>(32 * ib) << 2) : 0, sigma2);
            for (let k = 0; k < 4; k++) {
                let nflip = 0, s = 0;
                for (let i = 0; i < 8; i++) {
                    const v = ldf(xb, 8 * k + i);
                    if (v >= 0) stf(xval, 8 * k + i, v);
                    else { stf(xval, 8 * k + i, -v); nflip++; s |= 1 << i; }
                }
                if ((nflip & 1) != 0) {
                    let imin = 0;
                    let min: f32 = ldf(weight, 8 * k) * ldf(xb, 8 * k) * ldf(xb, 8 * k);
                    for (let i = 1; i < 8; i++) {
                        const v = ldf(xb, 8 * k + i);
                        const ax: f32 = ldf(weight, 8 * k + i) * v * v;
                        if (ax < min) { min = ax; imin = i; }
                    }
                    stf(xval, 8 * k + imin, -ldf(xval, 8 * k + imin));
                    s ^= 1 << imin;
                }
                store<u8>(signs + <usize>k, <u8>(s & 127));
            }
            let max = ldf(xval, 0);
            for (let i = 1; i < 32; i++) { const v = ldf(xval, i); max = max > v ? max : v; }
            memory.fill(L, 0, 32);
            if (max < GROUP_MAX_EPS_IQ3_XXS) {
                stf(scales, ib, 0);
                continue;
            }
            let scale = searchBlock(grid, max, 15, true, false);
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) store<u8>(signs + <usize>k, <u8>(~<i32>load<u8>(signs + <usize>k) & 127));
            }
            for (let k = 0; k < 8; k++) store<u8>(q3 + <usize>(8 * ib + k), <u8>gridIndexOf(grid, k));
            const ss: u32 = <u32>load<u8>(signs) | (<u32>load<u8>(signs + 1) << 7) | (<u32>load<u8>(signs + 2) << 14) | (<u32>load<u8>(signs + 3) << 21);
            store<u32>(q3 + 64 + <usize>(4 * ib), ss);
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) {
            memory.fill(y + 2, 0, 96);
            continue;
        }
        const d: f32 = maxScale / 31;
        writeHalf(y, d * <f32>1.0125);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            const p = q3 + 64 + <usize>(4 * ib + 3);
            store<u8>(p, <u8>(<i32>load<u8>(p) | (l << 4)));
        }
        memory.copy(y + 2, q3, 96);
    }
    return takeIqError();
}

export function quantizeIQ3_S(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ3S();
    const weighted = qw != 0;
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 110, qw += 1024) {
        memory.fill(y, 0, 110);
        // d@0, qs[64]@2, qh[8]@66, signs[32]@74, scales[4]@106
        let maxScale: f32 = 0;
        const sigma2 = sigma2Of(x);
        for (let ib = 0; ib < 8; ib++) {
            const xb = x + (<usize>(32 * ib) << 2);
            importance(xb, weighted ? qw + (<usize>(32 * ib) << 2) : 0, sigma2);
            for (let k = 0; k < 4; k++) {
                let s = 0;
                for (let i = 0; i < 8; i++) {
                    const v = ldf(xb, 8 * k + i);
                    if (v >= 0) stf(xval, 8 * k + i, v);
                    else { stf(xval, 8 * k + i, -v); s |= 1 << i; }
                }
                store<u8>(signs + <usize>k, <u8>s);
            }
            let max = ldf(xval, 0);
            for (let i = 1; i < 32; i++) { const v = ldf(xval, i); max = max > v ? max : v; }
            memory.fill(L, 0, 32);
            if (max == 0) {
                stf(scales, ib, 0);
                continue;
            }
            let scale = searchBlock(grid, max, 9, false, true);
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) store<u8>(signs + <usize>k, <u8>(~<i32>load<u8>(signs + <usize>k) & 0xFF));
            }
            for (let k = 0; k < 8; k++) {
                const g = gridIndexOf(grid, k);
                store<u8>(y + 2 + <usize>(8 * ib + k), <u8>(g & 255));
                const bit = ib * 8 + k;
                const ph = y + 66 + <usize>(bit >> 3);
                store<u8>(ph, <u8>(<i32>load<u8>(ph) | ((g >> 8) << (bit & 7))));
            }
            for (let k = 0; k < 4; k++) store<u8>(y + 74 + <usize>(4 * ib + k), load<u8>(signs + <usize>k));
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) continue;
        const d: f32 = maxScale / 31;
        writeHalf(y, d * <f32>1.033);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 8; ib += 2) {
            let l1 = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l1 = l1 < 0 ? 0 : l1 > 15 ? 15 : l1;
            let l2 = nearestInt(<f32>0.5 * (id * ldf(scales, ib + 1) - 1));
            l2 = l2 < 0 ? 0 : l2 > 15 ? 15 : l2;
            store<u8>(y + 106 + <usize>(ib >> 1), <u8>(l1 | (l2 << 4)));
        }
    }
    return takeIqError();
}
