// IQ2_XXS, IQ2_XS and IQ2_S: ports of src/quant/codecs/iq2Quants.ts (itself ggml's
// `quantize_row_iq2_xxs_impl`, `quantize_row_iq2_xs_impl`, `quantize_row_iq2_s_impl`), the same float32
// operations in the same order, native. `nBlocks` blocks of 256 values with their importance weights
// at `qw`, advancing with x (0: none, IQ2_S only: ggml's σ²/4 + x²). Returns 0, or an IQ_* error code.
import {writeHalf} from "./float16";
import {nearestInt} from "./rounding";
import {gridIQ2S, gridIQ2XS, gridIQ2XXS, iqErrorCode, IqGrid, IQ_OFF_GRID, setIqError, takeIqError} from "./iqGrid";

const GROUP_MAX_EPS: f32 = 1e-15;
const GROUP_MAX_EPS_IQ2_S: f32 = 1e-8;
const F01: f32 = 0.1;
const KMAXQ = 3;
const TWO_KMAXQ_M1: f32 = 5; // 2·kMaxQ − 1

const weight = memory.data(32 * 4, 16);
const waux = memory.data(32 * 4, 16);
const xval = memory.data(32 * 4, 16);
const L = memory.data(32, 16);
const Laux = memory.data(32, 16);
const scales = memory.data(16 * 4, 16);
const signs = memory.data(4, 16);
const q2 = memory.data(82, 16);

// @ts-ignore: decorator
@inline function ldf(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function stf(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }

function blockSigma2(x: usize, factor2: bool): f32 {
    let s: f32 = 0;
    for (let i = 0; i < 256; i++) { const v = ldf(x, i); s = s + v * v; }
    return factor2 ? (<f32>2 * s) / 256 : s / 256;
}

function importance(x: usize, qw: usize, n: i32, sigma2: f32): void {
    for (let i = 0; i < n; i++) {
        const v = ldf(x, i);
        stf(weight, i, qw == 0 ? <f32>0.25 * sigma2 + v * v : ldf(qw, i) * Mathf.sqrt(sigma2 + v * v));
    }
    for (let i = 0; i < n; i++) stf(waux, i, Mathf.sqrt(ldf(weight, i)));
}

// |x| into xval with sign bits per group of 8; with `evenSigns` an odd count of negatives flips the
// least important element back (IQ2_XXS/XS store 7 sign bits and imply the 8th by parity).
function absWithSigns(x: usize, groups: i32, evenSigns: bool): void {
    for (let k = 0; k < groups; k++) {
        let nflip = 0, s = 0;
        for (let i = 0; i < 8; i++) {
            const v = ldf(x, 8 * k + i);
            if (v >= 0) stf(xval, 8 * k + i, v);
            else { stf(xval, 8 * k + i, -v); nflip++; s |= 1 << i; }
        }
        if (evenSigns && (nflip & 1) != 0) {
            let imin = 0;
            let min: f32 = ldf(weight, 8 * k) * ldf(x, 8 * k) * ldf(x, 8 * k);
            for (let i = 1; i < 8; i++) {
                const v = ldf(x, 8 * k + i);
                const ax: f32 = ldf(weight, 8 * k + i) * v * v;
                if (ax < min) { min = ax; imin = i; }
            }
            stf(xval, 8 * k + imin, -ldf(xval, 8 * k + imin));
            s ^= 1 << imin;
        }
        store<u8>(signs + <usize>k, <u8>(evenSigns ? s & 127 : s));
    }
}

// nearest_int(0.5·(id·x − 1)) clamped to [0, kMaxQ−1] for the 8 values of group k, into out; packed.
function levels8(id: f32, k: i32, out: usize): i32 {
    let u = 0;
    for (let i = 0; i < 8; i++) {
        let l = nearestInt(<f32>0.5 * (id * ldf(xval, 8 * k + i) - 1));
        l = l < 0 ? 0 : l > KMAXQ - 1 ? KMAXQ - 1 : l;
        store<i8>(out + <usize>(8 * k + i), <i8>l);
        u |= l << (2 * i);
    }
    return u;
}

function packedLevels(k: i32): i32 {
    let u = 0;
    for (let i = 0; i < 8; i++) u |= <i32>load<i8>(L + <usize>(8 * k + i)) << (2 * i);
    return u;
}

let sumqx: f32 = 0, sumq2: f32 = 0;

function weightedSums(n: i32, Lv: usize): void {
    let sx: f32 = 0, s2: f32 = 0;
    for (let i = 0; i < n; i++) {
        const w = ldf(weight, i), l = <i32>load<i8>(Lv + <usize>i), q = <f32>(l + l + 1);
        sx = sx + w * ldf(xval, i) * q;
        s2 = s2 + w * q * q;
    }
    sumqx = sx;
    sumq2 = s2;
}

function gridIndexOf(grid: IqGrid, k: i32): i32 {
    const g = grid.indexOf(packedLevels(k));
    if (g < 0) { setIqError(IQ_OFF_GRID); return 0; }
    return g;
}

/** `make_qp_quants(n, nmax, x, L, quant_weights)` over xval/weight with L as u8 (src/quant/codecs/weightedHelpers.ts). */
function makeQpQuants(n: i32, nmax: i32, x: usize, Lp: usize, qw: usize): f32 {
    let max: f32 = 0;
    for (let i = 0; i < n; i++) { const v = ldf(x, i); max = max > v ? max : v; }
    if (max < GROUP_MAX_EPS) {
        memory.fill(Lp, 0, <usize>n);
        return 0;
    }
    let iscale: f32 = <f32>nmax / max;
    for (let i = 0; i < n; i++) store<u8>(Lp + <usize>i, <u8>nearestInt(iscale * ldf(x, i)));
    const scale: f32 = <f32>1 / iscale;
    let bestMse: f32 = 0;
    for (let i = 0; i < n; i++) {
        const diff: f32 = ldf(x, i) - scale * <f32>load<u8>(Lp + <usize>i);
        bestMse = bestMse + ldf(qw, i) * diff * diff;
    }
    for (let is = -4; is <= 4; is++) {
        if (is == 0) continue;
        const iscaleIs: f32 = (F01 * <f32>is + <f32>nmax) / max;
        const scaleIs: f32 = <f32>1 / iscaleIs;
        let mse: f32 = 0;
        for (let i = 0; i < n; i++) {
            let l = nearestInt(iscaleIs * ldf(x, i));
            l = l < nmax ? l : nmax;
            const diff: f32 = ldf(x, i) - scaleIs * <f32>l;
            mse = mse + ldf(qw, i) * diff * diff;
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = iscaleIs;
        }
    }
    let slx: f32 = 0, sl2: f32 = 0;
    for (let i = 0; i < n; i++) {
        let l = nearestInt(iscale * ldf(x, i));
        l = l < nmax ? l : nmax;
        store<u8>(Lp + <usize>i, <u8>l);
        const w = ldf(qw, i);
        slx = slx + w * ldf(x, i) * <f32>l;
        sl2 = sl2 + w * <f32>l * <f32>l;
    }
    for (let itry = 0; itry < 5; itry++) {
        let changed = 0;
        for (let i = 0; i < n; i++) {
            const w = ldf(qw, i), xi = ldf(x, i), li = <i32>load<u8>(Lp + <usize>i);
            let sx: f32 = slx - w * xi * <f32>li;
            let s2: f32 = sl2 - w * <f32>li * <f32>li;
            if (sx > 0 && s2 > 0) {
                let nl = nearestInt(xi * s2 / sx);
                nl = nl < nmax ? nl : nmax;
                if (nl != li) {
                    sx = sx + w * xi * <f32>nl;
                    s2 = s2 + w * <f32>nl * <f32>nl;
                    if (sx * sx * sl2 > slx * slx * s2) {
                        store<u8>(Lp + <usize>i, <u8>nl);
                        slx = sx; sl2 = s2;
                        changed++;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    return sl2 > 0 ? slx / sl2 : 0;
}

function putU32(y: usize, v: u32): void {
    store<u8>(y, <u8>v); store<u8>(y + 1, <u8>(v >> 8)); store<u8>(y + 2, <u8>(v >> 16)); store<u8>(y + 3, <u8>(v >> 24));
}

export function quantizeIQ2_XXS(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ2XXS();
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 66, qw += 1024) {
        writeHalf(y, 0);
        memory.fill(q2, 0, 64);
        let maxScale: f32 = 0;
        const sigma2 = blockSigma2(x, false);
        for (let ib = 0; ib < 8; ib++) {
            const xb = x + (<usize>(32 * ib) << 2);
            importance(xb, qw + (<usize>(32 * ib) << 2), 32, sigma2);
            absWithSigns(xb, 4, true);
            let max = ldf(xval, 0);
            for (let i = 1; i < 32; i++) { const v = ldf(xval, i); max = max > v ? max : v; }
            if (max < GROUP_MAX_EPS) {
                stf(scales, ib, 0);
                memory.fill(L, 0, 32);
                continue;
            }
            let scale = makeQpQuants(32, KMAXQ + 1, xval, L, weight);
            const effMax: f32 = scale * <f32>KMAXQ;
            if (effMax <= 0) {
                stf(scales, ib, 0);
                memory.fill(L, 0, 32);
                continue;
            }
            let best: f32 = 0;
            for (let is = -6; is <= 6; is++) {
                const id: f32 = (TWO_KMAXQ_M1 + <f32>is * F01) / effMax;
                const thisScale: f32 = <f32>1 / id;
                for (let k = 0; k < 4; k++) {
                    const u = levels8(id, k, Laux);
                    if (grid.onGrid(u) < 0) grid.bestNeighbour(u, xval + (<usize>(8 * k) << 2), waux + (<usize>(8 * k) << 2), thisScale, Laux + <usize>(8 * k));
                }
                weightedSums(32, Laux);
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    scale = sumqx / sumq2; best = scale * sumqx;
                    memory.copy(L, Laux, 32);
                }
            }
            if (scale > 0) {
                const id: f32 = <f32>1 / scale;
                for (let k = 0; k < 4; k++) {
                    const u = levels8(id, k, Laux);
                    let g = grid.onGrid(u);
                    if (g < 0) g = grid.bestNeighbour(u, xval + (<usize>(8 * k) << 2), waux + (<usize>(8 * k) << 2), scale, L + <usize>(8 * k));
                    for (let i = 0; i < 8; i++) store<i8>(L + <usize>(8 * k + i), <i8>grid.level(g, i));
                }
                weightedSums(32, L);
                if (sumq2 > 0) scale = sumqx / sumq2;
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 4; k++) store<u8>(signs + <usize>k, <u8>(~<i32>load<u8>(signs + <usize>k) & 127));
            }
            for (let k = 0; k < 4; k++) {
                const g = gridIndexOf(grid, k);
                const p0 = q2 + (<usize>(2 * ib) << 2), p1 = p0 + 4;
                store<u32>(p0, load<u32>(p0) | (<u32>g << (8 * k)));
                store<u32>(p1, load<u32>(p1) | (<u32>load<u8>(signs + <usize>k) << (7 * k)));
            }
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) {
            memory.fill(y + 2, 0, 64);
            continue;
        }
        const d: f32 = maxScale / 31;
        writeHalf(y, d);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            const p1 = q2 + (<usize>(2 * ib + 1) << 2);
            store<u32>(p1, load<u32>(p1) | (<u32>l << 28));
        }
        for (let j = 0; j < 16; j++) putU32(y + 2 + (<usize>j << 2), load<u32>(q2 + (<usize>j << 2)));
    }
    return takeIqError();
}

let onGrid0 = true, onGrid1 = true;

// IQ2_XS and IQ2_S: 16-element blocks, a search over 19 scales, a re-fit of the groups off the grid.
// Returns the block's scale, or NaN for a block below the threshold (L all zero).
function searchBlock16(grid: IqGrid, maxEps: f32): f32 {
    let max = ldf(xval, 0);
    for (let i = 1; i < 16; i++) { const v = ldf(xval, i); max = max > v ? max : v; }
    memory.fill(L, 0, 16);
    if (max < maxEps) return NaN;
    let best: f32 = 0;
    let scale: f32 = max / TWO_KMAXQ_M1;
    onGrid0 = true; onGrid1 = true;
    for (let is = -9; is <= 9; is++) {
        const id: f32 = (TWO_KMAXQ_M1 + <f32>is * F01) / max;
        const thisScale: f32 = <f32>1 / id;
        let aux0 = true, aux1 = true;
        for (let k = 0; k < 2; k++) {
            const u = levels8(id, k, Laux);
            if (grid.onGrid(u) < 0) {
                if (k == 0) aux0 = false; else aux1 = false;
                grid.bestNeighbour(u, xval + (<usize>(8 * k) << 2), waux + (<usize>(8 * k) << 2), thisScale, Laux + <usize>(8 * k));
            }
        }
        weightedSums(16, Laux);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2; best = scale * sumqx;
            memory.copy(L, Laux, 16);
            onGrid0 = aux0; onGrid1 = aux1;
        }
    }
    if ((!onGrid0 || !onGrid1) && scale > 0) {
        const id: f32 = <f32>1 / scale;
        for (let k = 0; k < 2; k++) {
            if (k == 0 ? onGrid0 : onGrid1) continue;
            const u = levels8(id, k, L);
            if (grid.onGrid(u) < 0) grid.bestNeighbour(u, xval + (<usize>(8 * k) << 2), waux + (<usize>(8 * k) << 2), scale, L + <usize>(8 * k));
        }
        weightedSums(16, L);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

export function quantizeIQ2_XS(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ2XS();
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 74, qw += 1024) {
        writeHalf(y, 0);
        memory.fill(q2, 0, 64);
        memory.fill(y + 66, 0, 8);
        let maxScale: f32 = 0;
        const sigma2 = blockSigma2(x, false);
        for (let ib = 0; ib < 16; ib++) {
            const xb = x + (<usize>(16 * ib) << 2);
            importance(xb, qw + (<usize>(16 * ib) << 2), 16, sigma2);
            absWithSigns(xb, 2, true);
            let scale = searchBlock16(grid, GROUP_MAX_EPS);
            if (isNaN(scale)) {
                stf(scales, ib, 0);
                continue;
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 2; k++) store<u8>(signs + <usize>k, <u8>(~<i32>load<u8>(signs + <usize>k) & 127));
            }
            for (let k = 0; k < 2; k++) store<u16>(q2 + (<usize>(2 * ib + k) << 1), <u16>(gridIndexOf(grid, k) | (<i32>load<u8>(signs + <usize>k) << 9)));
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) {
            memory.fill(y + 2, 0, 64);
            continue;
        }
        const d: f32 = maxScale / 31;
        writeHalf(y, d);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            const p = y + 66 + <usize>(ib >> 1);
            if ((ib & 1) == 0) store<u8>(p, <u8>l);
            else store<u8>(p, <u8>(<i32>load<u8>(p) | (l << 4)));
        }
        for (let j = 0; j < 32; j++) {
            const v = <i32>load<u16>(q2 + (<usize>j << 1));
            store<u8>(y + 2 + <usize>(2 * j), <u8>(v & 0xFF)); store<u8>(y + 3 + <usize>(2 * j), <u8>(v >> 8));
        }
    }
    return takeIqError();
}

export function quantizeIQ2_S(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ2S();
    const weighted = qw != 0;
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 82, qw += 1024) {
        memory.fill(y, 0, 82);
        let maxScale: f32 = 0;
        const sigma2 = blockSigma2(x, true);
        for (let ib = 0; ib < 16; ib++) {
            const xb = x + (<usize>(16 * ib) << 2);
            importance(xb, weighted ? qw + (<usize>(16 * ib) << 2) : 0, 16, sigma2);
            absWithSigns(xb, 2, false);
            let scale = searchBlock16(grid, GROUP_MAX_EPS_IQ2_S);
            if (isNaN(scale)) {
                stf(scales, ib, 0);
                continue;
            }
            if (scale < 0) {
                scale = -scale;
                for (let k = 0; k < 2; k++) store<u8>(signs + <usize>k, <u8>(~<i32>load<u8>(signs + <usize>k) & 0xFF));
            }
            for (let k = 0; k < 2; k++) {
                const g = gridIndexOf(grid, k);
                const i8 = 2 * ib + k;
                store<u8>(y + 2 + <usize>i8, <u8>(g & 255));
                const ph = y + 66 + <usize>(i8 >> 2);
                store<u8>(ph, <u8>(<i32>load<u8>(ph) | ((g >> 8) << (2 * (i8 & 3)))));
                store<u8>(y + 34 + <usize>i8, load<u8>(signs + <usize>k));
            }
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) continue;
        const d: f32 = maxScale / 31;
        writeHalf(y, d * <f32>0.9875);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            const p = y + 74 + <usize>(ib >> 1);
            if ((ib & 1) == 0) store<u8>(p, <u8>l);
            else store<u8>(p, <u8>(<i32>load<u8>(p) | (l << 4)));
        }
    }
    return takeIqError();
}
