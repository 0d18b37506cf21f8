// IQ1_S and IQ1_M: ports of src/quant/codecs/iq1Quants.ts (ggml's `quantize_row_iq1_s_impl` and
// `quantize_row_iq1_m_impl` with `iq1_find_best_neighbour2`), the same float32 operations in the same
// order, native. `nBlocks` blocks of 256 values with their importance weights at `qw`, advancing with x
// (0: none, IQ1_M only: ggml then weighs by x²). Returns 0, or an IQ_* error code.
import {fp32ToFp16, writeHalf} from "./float16";
import {nearestInt} from "./rounding";
import {FLT_MAX, gridIQ1, IqGrid, takeIqError, iqErrorCode, terms} from "./iqGrid";

const GROUP_MAX_EPS_IQ1_S: f32 = 1e-12;
const GROUP_MAX_EPS_IQ1_M: f32 = 1e-7;
// the three levels −1, 0, +1 shifted by +Δ (X_P) or −Δ (X_M), Δ = 0.125
const X_P = memory.data<f32>([-0.875, 0.125, 1.125]);
const X_M = memory.data<f32>([-1.125, -0.125, 0.875]);

const weight = memory.data(32 * 4, 16);
const L = memory.data(32, 16);
const idx = memory.data(32 * 4, 16);
const sumx = memory.data(33 * 4, 16);
const sumw = memory.data(33 * 4, 16);
const scales = memory.data(16 * 4, 16);
const shifts = memory.data(16, 16);
const index = memory.data(4 * 4, 16);

// @ts-ignore: decorator
@inline function ldf(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function stf(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }
// @ts-ignore: decorator
@inline function ldi(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function sti(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

function sigma2Of(x: usize): f32 {
    let s: f32 = 0;
    for (let i = 0; i < 256; i++) { const v = ldf(x, i); s = s + v * v; }
    return (<f32>2 * s) / 256;
}

function importance(x: usize, n: i32, qw: usize, sigma2: f32): void {
    for (let i = 0; i < n; i++) {
        const v = ldf(x, i);
        stf(weight, i, qw == 0 ? v * v : ldf(qw, i) * Mathf.sqrt(sigma2 + v * v));
    }
}

// qsort of (value, index) pairs by value: glibc's qsort is a merge sort for arrays this small, so
// equal values keep their order; insertion sort is stable too.
function sortIndices(x: usize, n: i32): void {
    for (let j = 0; j < n; j++) {
        const v = ldf(x, j);
        let k = j;
        while (k > 0 && ldf(x, ldi(idx, k - 1)) > v) { sti(idx, k, ldi(idx, k - 1)); k--; }
        sti(idx, k, j);
    }
}

/**
 * `iq1_find_best_neighbour2`: the neighbour nearest in weighted distance with levels xg[·]; writes L.
 * The terms w_i·(scale·xg[l] − x_i)² per (coordinate, level) go through the grid's 4-lane search.
 */
function bestNeighbour2(grid: IqGrid, u: i32, x: usize, w: usize, scale: f32, xg: usize, Lk: usize): i32 {
    for (let i = 0; i < 8; i++) {
        const xi = ldf(x, i), wi = ldf(w, i);
        for (let l = 0; l < 3; l++) {
            const diff: f32 = scale * ldf(xg, l) - xi;
            stf(terms, 4 * i + l, wi * diff * diff);
        }
        stf(terms, 4 * i + 3, 0); // level 3 is on no IQ1 grid point
    }
    return grid.nearest(grid.neighbours(u), Lk);
}

function packedLevels(k: i32): i32 {
    let u = 0;
    for (let j = 0; j < 8; j++) u |= <i32>load<i8>(L + <usize>(8 * k + j)) << (2 * j);
    return u;
}

export function quantizeIQ1_S(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ1();
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 50, qw += 1024) {
        memory.fill(y, 0, 50); // d@0, qs[32]@2, qh u16[8]@34
        let maxScale: f32 = 0;
        const sigma2 = sigma2Of(x);
        for (let ib = 0; ib < 8; ib++) {
            const xb = x + (<usize>(32 * ib) << 2);
            importance(xb, 32, qw + (<usize>(32 * ib) << 2), sigma2);
            let max = Mathf.abs(ldf(xb, 0));
            for (let i = 1; i < 32; i++) { const a = Mathf.abs(ldf(xb, i)); max = max > a ? max : a; }
            if (max < GROUP_MAX_EPS_IQ1_S) {
                stf(scales, ib, 0); store<i8>(shifts + <usize>ib, 1);
                continue;
            }
            sortIndices(xb, 32);
            stf(sumx, 0, 0); stf(sumw, 0, 0);
            for (let j = 0; j < 32; j++) {
                const i = ldi(idx, j);
                stf(sumx, j + 1, ldf(sumx, j) + ldf(weight, i) * ldf(xb, i));
                stf(sumw, j + 1, ldf(sumw, j) + ldf(weight, i));
            }
            const xp0 = ldf(X_P, 0), xp1 = ldf(X_P, 1), xp2 = ldf(X_P, 2);
            const xm0 = ldf(X_M, 0), xm1 = ldf(X_M, 1), xm2 = ldf(X_M, 2);
            let bestScore: f32 = -FLT_MAX, scale: f32 = max;
            let besti1 = -1, besti2 = -1, bestShift = 0;
            const sx0 = ldf(sumx, 0), sx32 = ldf(sumx, 32), sw0 = ldf(sumw, 0), sw32 = ldf(sumw, 32);
            for (let i1 = 0; i1 <= 32; i1++) {
                for (let i2 = i1; i2 <= 32; i2++) {
                    const a: f32 = ldf(sumx, i1) - sx0, b: f32 = ldf(sumx, i2) - ldf(sumx, i1), c: f32 = sx32 - ldf(sumx, i2);
                    const wa: f32 = ldf(sumw, i1) - sw0, wb: f32 = ldf(sumw, i2) - ldf(sumw, i1), wc: f32 = sw32 - ldf(sumw, i2);
                    let sqx: f32 = a * xp0 + b * xp1 + c * xp2;
                    let sq2: f32 = wa * xp0 * xp0 + wb * xp1 * xp1 + wc * xp2 * xp2;
                    if (sq2 > 0 && sqx * sqx > bestScore * sq2) {
                        scale = sqx / sq2; bestScore = scale * sqx;
                        besti1 = i1; besti2 = i2; bestShift = 1;
                    }
                    sqx = a * xm0 + b * xm1 + c * xm2;
                    sq2 = wa * xm0 * xm0 + wb * xm1 * xm1 + wc * xm2 * xm2;
                    if (sq2 > 0 && sqx * sqx > bestScore * sq2) {
                        scale = sqx / sq2; bestScore = scale * sqx;
                        besti1 = i1; besti2 = i2; bestShift = -1;
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestShift == 0) {
                stf(scales, ib, 0); store<i8>(shifts + <usize>ib, 1);
                continue;
            }
            for (let j = 0; j < besti1; j++) store<i8>(L + <usize>ldi(idx, j), 0);
            for (let j = besti1; j < besti2; j++) store<i8>(L + <usize>ldi(idx, j), 1);
            for (let j = besti2; j < 32; j++) store<i8>(L + <usize>ldi(idx, j), 2);
            if (scale < 0) {
                for (let j = 0; j < 32; j++) store<i8>(L + <usize>j, <i8>(2 - <i32>load<i8>(L + <usize>j)));
                scale = -scale; bestShift = -bestShift;
            }
            let allOnGrid = true;
            const xx = bestShift == 1 ? X_P : X_M;
            for (let k = 0; k < 4; k++) {
                const u = packedLevels(k);
                let g = grid.onGrid(u);
                if (g < 0) {
                    allOnGrid = false;
                    g = bestNeighbour2(grid, u, xb + (<usize>(8 * k) << 2), weight + (<usize>(8 * k) << 2), scale, xx, L + <usize>(8 * k));
                }
                sti(index, k, g);
            }
            if (!allOnGrid) {
                let sqx: f32 = 0, sq2: f32 = 0;
                for (let k = 0; k < 4; k++) {
                    for (let j = 0; j < 8; j++) {
                        const w = ldf(weight, 8 * k + j), q = ldf(xx, grid.level(ldi(index, k), j));
                        sqx = sqx + w * q * ldf(xb, 8 * k + j);
                        sq2 = sq2 + w * q * q;
                    }
                }
                if (sqx > 0 && sq2 > 0) scale = sqx / sq2;
            }
            let h = 0;
            for (let k = 0; k < 4; k++) {
                const g = ldi(index, k);
                store<u8>(y + 2 + <usize>(4 * ib + k), <u8>(g & 255));
                h |= (g >> 8) << (3 * k);
            }
            store<u8>(y + 34 + <usize>(2 * ib), <u8>(h & 0xFF));
            store<u8>(y + 35 + <usize>(2 * ib), <u8>(h >> 8));
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            store<i8>(shifts + <usize>ib, <i8>bestShift);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) continue;
        const d: f32 = maxScale / 15;
        writeHalf(y, d * <f32>1.125);
        const id: f32 = <f32>1 / d;
        for (let ib = 0; ib < 8; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            if (load<i8>(shifts + <usize>ib) == -1) l |= 8;
            const p = y + 35 + <usize>(2 * ib);
            store<u8>(p, <u8>(<i32>load<u8>(p) | (l << 4)));
        }
    }
    return takeIqError();
}

const sqx4 = memory.data(16, 16);
const sq24 = memory.data(16, 16);
const mid4x = memory.data(16, 16);
const mid4w = memory.data(16, 16);
const first4x = memory.data(16, 16);
const first4w = memory.data(16, 16);

// adds element i (of value v, weight w) at level `lvl` to the four (first-half, second-half) shift combinations
function accumulate(sx: usize, s2: usize, i: i32, w: f32, v: f32, lvl: i32): void {
    const p = ldf(X_P, lvl), m = ldf(X_M, lvl);
    const px: f32 = w * p * v, mx: f32 = w * m * v, p2: f32 = w * p * p, m2: f32 = w * m * m;
    if (i < 8) {
        stf(sx, 0, ldf(sx, 0) + px); stf(sx, 1, ldf(sx, 1) + px); stf(sx, 2, ldf(sx, 2) + mx); stf(sx, 3, ldf(sx, 3) + mx);
        stf(s2, 0, ldf(s2, 0) + p2); stf(s2, 1, ldf(s2, 1) + p2); stf(s2, 2, ldf(s2, 2) + m2); stf(s2, 3, ldf(s2, 3) + m2);
    } else {
        stf(sx, 0, ldf(sx, 0) + px); stf(sx, 2, ldf(sx, 2) + px); stf(sx, 1, ldf(sx, 1) + mx); stf(sx, 3, ldf(sx, 3) + mx);
        stf(s2, 0, ldf(s2, 0) + p2); stf(s2, 2, ldf(s2, 2) + p2); stf(s2, 1, ldf(s2, 1) + m2); stf(s2, 3, ldf(s2, 3) + m2);
    }
}

// the shifted levels of half k of a 16-element block with shift combination `shift` (0…3)
// @ts-ignore: decorator
@inline function halfLevels(k: i32, shift: i32): usize {
    return (k == 0 ? shift < 2 : (shift & 1) == 0) ? X_P : X_M;
}

const MASKS = memory.data<u8>([0x00, 0x80, 0x08, 0x88]);
const sc = memory.data(4 * 4, 16);

export function quantizeIQ1_M(x: usize, y: usize, qw: usize, nBlocks: i32): i32 {
    const grid = gridIQ1();
    const weighted = qw != 0;
    takeIqError();
    for (let ibl = 0; ibl < nBlocks; ibl++, x += 1024, y += 56, qw += 1024) {
        memory.fill(y, 0, 56); // qs[32]@0, qh[16]@32, scales[8]@48
        let maxScale: f32 = 0;
        const sigma2 = sigma2Of(x);
        for (let ib = 0; ib < 16; ib++) {
            const xb = x + (<usize>(16 * ib) << 2);
            importance(xb, 16, weighted ? qw + (<usize>(16 * ib) << 2) : 0, sigma2);
            let max = Mathf.abs(ldf(xb, 0));
            for (let i = 1; i < 16; i++) { const a = Mathf.abs(ldf(xb, i)); max = max > a ? max : a; }
            if (max < GROUP_MAX_EPS_IQ1_M) {
                stf(scales, ib, 0); store<i8>(shifts + <usize>ib, 0);
                continue;
            }
            sortIndices(xb, 16);
            let bestScore: f32 = -FLT_MAX, scale: f32 = max;
            let besti1 = -1, besti2 = -1, bestK = -1;
            // ggml sums each (i1, i2) from scratch in sorted order: level 0 for j < i1, 1 up to i2, 2
            // after. The sums after the first range depend only on i1, after the second only grow
            // with i2, so they are carried along: the same float32 additions in the same order.
            memory.fill(first4x, 0, 16); memory.fill(first4w, 0, 16);
            for (let i1 = 0; i1 <= 16; i1++) {
                if (i1 > 0) { const i = ldi(idx, i1 - 1); accumulate(first4x, first4w, i, ldf(weight, i), ldf(xb, i), 0); }
                memory.copy(mid4x, first4x, 16); memory.copy(mid4w, first4w, 16);
                for (let i2 = i1; i2 <= 16; i2++) {
                    if (i2 > i1) { const i = ldi(idx, i2 - 1); accumulate(mid4x, mid4w, i, ldf(weight, i), ldf(xb, i), 1); }
                    memory.copy(sqx4, mid4x, 16); memory.copy(sq24, mid4w, 16);
                    for (let j = i2; j < 16; j++) { const i = ldi(idx, j); accumulate(sqx4, sq24, i, ldf(weight, i), ldf(xb, i), 2); }
                    for (let k = 0; k < 4; k++) {
                        const s2 = ldf(sq24, k), sx = ldf(sqx4, k);
                        if (s2 > 0 && sx * sx > bestScore * s2) {
                            scale = sx / s2; bestScore = scale * sx;
                            besti1 = i1; besti2 = i2; bestK = k;
                        }
                    }
                }
            }
            if (besti1 < 0 || besti2 < 0 || bestK < 0) {
                stf(scales, ib, 0); store<i8>(shifts + <usize>ib, 0);
                continue;
            }
            for (let j = 0; j < besti1; j++) store<i8>(L + <usize>ldi(idx, j), 0);
            for (let j = besti1; j < besti2; j++) store<i8>(L + <usize>ldi(idx, j), 1);
            for (let j = besti2; j < 16; j++) store<i8>(L + <usize>ldi(idx, j), 2);
            if (scale < 0) {
                for (let j = 0; j < 16; j++) store<i8>(L + <usize>j, <i8>(2 - <i32>load<i8>(L + <usize>j)));
                scale = -scale;
                bestK = 3 - bestK;
            }
            let allOnGrid = true;
            for (let k = 0; k < 2; k++) {
                const xx = halfLevels(k, bestK);
                const u = packedLevels(k);
                let g = grid.onGrid(u);
                if (g < 0) {
                    allOnGrid = false;
                    g = bestNeighbour2(grid, u, xb + (<usize>(8 * k) << 2), weight + (<usize>(8 * k) << 2), scale, xx, L + <usize>(8 * k));
                }
                sti(index, k, g);
            }
            if (!allOnGrid) {
                let sqx: f32 = 0, sq2: f32 = 0;
                for (let k = 0; k < 2; k++) {
                    const xx = halfLevels(k, bestK);
                    for (let j = 0; j < 8; j++) {
                        const w = ldf(weight, 8 * k + j), q = ldf(xx, grid.level(ldi(index, k), j));
                        sqx = sqx + w * q * ldf(xb, 8 * k + j);
                        sq2 = sq2 + w * q * q;
                    }
                }
                if (sqx > 0 && sq2 > 0) scale = sqx / sq2;
            }
            const g0 = ldi(index, 0), g1 = ldi(index, 1);
            store<u8>(y + <usize>(2 * ib), <u8>(g0 & 255));
            store<u8>(y + <usize>(2 * ib + 1), <u8>(g1 & 255));
            store<u8>(y + 32 + <usize>ib, <u8>((g0 >> 8) | ((g1 >> 8) << 4)));
            if (iqErrorCode() != 0) return takeIqError();
            stf(scales, ib, scale);
            store<i8>(shifts + <usize>ib, <i8>bestK);
            maxScale = maxScale > scale ? maxScale : scale;
        }
        if (maxScale == 0) continue;
        let d: f32 = maxScale / 15;
        const id: f32 = <f32>1 / d;
        let sqx: f32 = 0, sq2: f32 = 0;
        memory.fill(sc, 0, 16);
        for (let ib = 0; ib < 16; ib++) {
            let l = nearestInt(<f32>0.5 * (id * ldf(scales, ib) - 1));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            sti(sc, ib >> 2, ldi(sc, ib >> 2) | (l << (3 * (ib & 3))));
            const shift = <i32>load<i8>(shifts + <usize>ib);
            const ph = y + 32 + <usize>ib;
            store<u8>(ph, <u8>(<i32>load<u8>(ph) | <i32>load<u8>(MASKS + <usize>shift)));
            const xb = x + (<usize>(16 * ib) << 2);
            importance(xb, 16, weighted ? qw + (<usize>(16 * ib) << 2) : 0, sigma2);
            const l21 = <f32>(l + l + 1);
            for (let k = 0; k < 2; k++) {
                const xx = halfLevels(k, shift);
                const g = <i32>load<u8>(y + <usize>(2 * ib + k)) + ((<i32>load<u8>(ph) << (8 - 4 * k)) & 0x700);
                for (let j = 0; j < 8; j++) {
                    const w = ldf(weight, 8 * k + j);
                    const q: f32 = ldf(xx, grid.level(g, j)) * l21;
                    sqx = sqx + w * q * ldf(xb, 8 * k + j);
                    sq2 = sq2 + w * q * q;
                }
            }
        }
        if (sq2 > 0) d = sqx / sq2;
        const bits = <i32>fp32ToFp16(d * <f32>1.1125);
        sti(sc, 0, ldi(sc, 0) | ((bits & 0x000f) << 12));
        sti(sc, 1, ldi(sc, 1) | ((bits & 0x00f0) << 8));
        sti(sc, 2, ldi(sc, 2) | ((bits & 0x0f00) << 4));
        sti(sc, 3, ldi(sc, 3) | (bits & 0xf000));
        for (let j = 0; j < 4; j++) store<u16>(y + 48 + <usize>(2 * j), <u16>ldi(sc, j));
    }
    return takeIqError();
}
