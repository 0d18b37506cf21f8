// The lattice search of ggml's IQ1/IQ2/IQ3 quantizers (`iq2xs_init_impl`, `iq3xs_init_impl`,
// `iq2_find_best_neighbour`, `iq3_find_best_neighbour`), as src/quant/codecs/iqGridSearch.ts does it:
// the grids are static data (iqGridData.ts), expanded on first use; the neighbour list of an off-grid
// level vector is computed the first time it is met (ggml precomputes all of them at init, which
// costs up to a second per grid here; the lists are the same).
import {
    KGRID_IQ1S, KGRID_IQ1S_SIZE, KGRID_IQ2S, KGRID_IQ2S_SIZE, KGRID_IQ2XS, KGRID_IQ2XS_SIZE,
    KGRID_IQ2XXS, KGRID_IQ2XXS_SIZE, KGRID_IQ3S, KGRID_IQ3S_SIZE, KGRID_IQ3XXS, KGRID_IQ3XXS_SIZE
} from "./iqGridData";

export const FLT_MAX: f32 = 3.4028234663852886e38;

/** No grid point is nearest (NaN or infinite weights): the JS side throws NonFiniteWeightsError. */
export const IQ_NON_FINITE: i32 = 1;
/** Final levels off the grid (ggml aborts): the JS side throws as the reference does. */
export const IQ_OFF_GRID: i32 = 2;

let iqError: i32 = 0;

/** Records the first error of a call (the JS reference throws at the first). */
export function setIqError(code: i32): void {
    if (iqError == 0) iqError = code;
}

/** The error of this call so far (0: none); cleared by {@link takeIqError}. */
export function iqErrorCode(): i32 {
    return iqError;
}

export function takeIqError(): i32 {
    const e = iqError;
    iqError = 0;
    return e;
}

export class IqGrid {
    size: i32;
    dims: i32;
    bits: i32;
    nwant: i32;
    mapSize: i32;
    /** Coordinates 2l+1 of each point (i8). */
    points: usize;
    /** Packed levels → point index or −1. */
    map: usize;
    /** The compressed points (u16 each: level of coordinate i in bits bits·i…). */
    kgrid: usize;
    /**
     * Packed levels → its neighbour list, 0 until computed: a u32 count, then u32 entries (packed levels of
     * the point << 16 | its index), padded with zero entries to a multiple of 4 for the 4-lane search.
     */
    lists: usize;
    dist: usize;

    constructor(kgrid: usize, size: i32, dims: i32, bits: i32, nwant: i32) {
        this.size = size;
        this.dims = dims;
        this.bits = bits;
        this.nwant = nwant;
        const n = <usize>(size * dims);
        const points = heap.alloc(n);
        const mask = (1 << bits) - 1;
        for (let k = 0; k < size; k++) {
            const g = <i32>load<u16>(kgrid + (<usize>k << 1));
            for (let i = 0; i < dims; i++) {
                const p = 2 * ((g >> (bits * i)) & mask) + 1;
                store<i8>(points + <usize>(k * dims + i), <i8>p);
            }
        }
        const mapSize = bits == 2 ? 43692 : 4096;
        this.mapSize = mapSize;
        const map = heap.alloc(<usize>mapSize << 2);
        memory.fill(map, 0xFF, <usize>mapSize << 2);
        for (let k = 0; k < size; k++) {
            let index = 0;
            for (let i = 0; i < dims; i++) index |= ((<i32>load<i8>(points + <usize>(k * dims + i)) - 1) >> 1) << (bits * i);
            store<i32>(map + (<usize>index << 2), k);
        }
        const lists = heap.alloc(<usize>mapSize * sizeof<usize>());
        memory.fill(lists, 0, <usize>mapSize * sizeof<usize>());
        this.kgrid = kgrid;
        this.points = points;
        this.map = map;
        this.lists = lists;
        this.dist = heap.alloc(<usize>size << 2);
    }

    /** Point index of the packed levels `u`, or −1. */
    @inline onGrid(u: i32): i32 {
        return load<i32>(this.map + (<usize>u << 2));
    }

    /**
     * The point index of final levels `u`, or −1. A u outside the map (only from make_qp_quants'
     * levels on overflowing input, where ggml reads past its map) gives 0, as the JS reference's
     * read past its array does (`undefined` there, which its packing turns into 0).
     */
    indexOf(u: i32): i32 {
        return <u32>u < <u32>this.mapSize ? load<i32>(this.map + (<usize>u << 2)) : 0;
    }

    /** Level (0…) of coordinate i of point g. */
    @inline level(g: i32, i: i32): i32 {
        return (<i32>load<i8>(this.points + <usize>(g * this.dims + i)) - 1) >> 1;
    }

    /** The neighbour candidates of an off-grid u in ggml's order: [count, index…]. */
    neighbours(u: i32): usize {
        const slot = this.lists + (<usize>u * sizeof<usize>());
        const cached = load<usize>(slot);
        if (cached != 0) return cached;
        const size = this.size, dims = this.dims, bits = this.bits, mask = (1 << bits) - 1;
        const points = this.points, dist = this.dist;
        for (let j = 0; j < size; j++) {
            let d2 = 0;
            for (let k = 0; k < dims; k++) {
                const d = <i32>load<i8>(points + <usize>(j * dims + k)) - (2 * ((u >> (bits * k)) & mask) + 1);
                d2 += d * d;
            }
            store<i32>(dist + (<usize>j << 2), d2);
        }
        // the nwant smallest distinct distances, then every point at them by (distance, index)
        let prev = -1, last = -1, count = 0;
        for (let n = 0; n < this.nwant; n++) {
            let next = 0x7FFFFFFF;
            for (let j = 0; j < size; j++) {
                const d = load<i32>(dist + (<usize>j << 2));
                if (d > prev && d < next) next = d;
            }
            if (next == 0x7FFFFFFF) break;
            prev = next;
            last = next;
        }
        for (let j = 0; j < size; j++) if (load<i32>(dist + (<usize>j << 2)) <= last) count++;
        const padded = (count + 3) & ~3;
        const list = heap.alloc(<usize>(padded + 1) << 2);
        memory.fill(list, 0, <usize>(padded + 1) << 2);
        store<u32>(list, <u32>count);
        let o: usize = list + 4;
        const kgrid = this.kgrid;
        // levels in increasing order: a pass per distinct distance
        prev = -1;
        while (prev < last) {
            let next = 0x7FFFFFFF;
            for (let j = 0; j < size; j++) {
                const d = load<i32>(dist + (<usize>j << 2));
                if (d > prev && d < next) next = d;
            }
            for (let j = 0; j < size; j++) {
                if (load<i32>(dist + (<usize>j << 2)) == next) {
                    store<u32>(o, (<u32>load<u16>(kgrid + (<usize>j << 1)) << 16) | <u32>j);
                    o += 4;
                }
            }
            prev = next;
        }
        store<usize>(slot, list);
        return list;
    }

    /**
     * `iq2_find_best_neighbour` / `iq3_find_best_neighbour`: the candidate nearest to x/scale in
     * weighted squared distance (first wins ties); writes its levels to L (i8) and returns its index.
     * With no candidate (non-finite weights) records IQ_NON_FINITE and returns point 0.
     */
    bestNeighbour(u: i32, xval: usize, weight: usize, scale: f32, L: usize): i32 {
        // ggml's term for coordinate i of a point at level l, w_i·(scale·(2l+1) − x_i)², computed once
        // per (i, l) instead of once per candidate: the same float32 operations on the same values.
        // Four levels per vector, lane-wise the scalar operations.
        const s = f32x4.splat(scale);
        const p03 = f32x4.mul(s, f32x4(1, 3, 5, 7)), p47 = f32x4.mul(s, f32x4(9, 11, 13, 15));
        for (let i = 0; i < this.dims; i++) {
            const x = f32x4.splat(load<f32>(xval + (<usize>i << 2))), w = f32x4.splat(load<f32>(weight + (<usize>i << 2)));
            let diff = f32x4.sub(p03, x);
            if (this.bits == 2) {
                v128.store(terms + (<usize>i << 4), f32x4.mul(f32x4.mul(w, diff), diff));
            } else {
                v128.store(terms + (<usize>i << 5), f32x4.mul(f32x4.mul(w, diff), diff));
                diff = f32x4.sub(p47, x);
                v128.store(terms + (<usize>i << 5) + 16, f32x4.mul(f32x4.mul(w, diff), diff));
            }
        }
        return this.nearest(this.neighbours(u), L);
    }

    /**
     * The candidate of `list` with the smallest Σ_i terms[i][level_i] summed in coordinate order (first
     * wins ties), as ggml's neighbour searches sum w·diff² per candidate; its levels into L, its index
     * returned (IQ_NON_FINITE recorded and point 0 when none is below FLT_MAX). Four candidates at a
     * time, one per SIMD lane: each lane adds the same terms in the same order as the scalar loop, and
     * the lanes are compared in list order, so the result is the scalar one.
     */
    nearest(list: usize, L: usize): i32 {
        const count = <i32>load<u32>(list);
        let bestD2: f32 = FLT_MAX;
        let gridIndex = -1;
        const lanes4 = i32x4.splat(0x04040404), bytes = i32x4.splat(0x03020100);
        if (this.bits == 2) {
            const three = i32x4.splat(3);
            const t0 = v128.load(terms), t1 = v128.load(terms, 16), t2 = v128.load(terms, 32), t3 = v128.load(terms, 48);
            const t4 = v128.load(terms, 64), t5 = v128.load(terms, 80), t6 = v128.load(terms, 96), t7 = v128.load(terms, 112);
            for (let j = 0; j < count; j += 4) {
                const e = v128.load(list + 4 + (<usize>j << 2));
                const k = i32x4.shr_u(e, 16);
                let acc = f32x4.splat(0);
                acc = f32x4.add(acc, i8x16.swizzle(t0, i32x4.add(i32x4.mul(v128.and(k, three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t1, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 2), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t2, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 4), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t3, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 6), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t4, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 8), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t5, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 10), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t6, i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 12), three), lanes4), bytes)));
                acc = f32x4.add(acc, i8x16.swizzle(t7, i32x4.add(i32x4.mul(i32x4.shr_u(k, 14), lanes4), bytes)));
                const d0 = f32x4.extract_lane(acc, 0), d1 = f32x4.extract_lane(acc, 1);
                const d2 = f32x4.extract_lane(acc, 2), d3 = f32x4.extract_lane(acc, 3);
                if (d0 < bestD2) { bestD2 = d0; gridIndex = i32x4.extract_lane(e, 0) & 0xFFFF; }
                if (j + 1 < count && d1 < bestD2) { bestD2 = d1; gridIndex = i32x4.extract_lane(e, 1) & 0xFFFF; }
                if (j + 2 < count && d2 < bestD2) { bestD2 = d2; gridIndex = i32x4.extract_lane(e, 2) & 0xFFFF; }
                if (j + 3 < count && d3 < bestD2) { bestD2 = d3; gridIndex = i32x4.extract_lane(e, 3) & 0xFFFF; }
            }
        } else {
            // 3-bit levels: a coordinate's 8 terms span two vectors; a swizzle index ≥ 16 gives 0
            const seven = i32x4.splat(7), sixteen = i8x16.splat(16);
            const a0 = v128.load(terms), b0 = v128.load(terms, 16), a1 = v128.load(terms, 32), b1 = v128.load(terms, 48);
            const a2 = v128.load(terms, 64), b2 = v128.load(terms, 80), a3 = v128.load(terms, 96), b3 = v128.load(terms, 112);
            for (let j = 0; j < count; j += 4) {
                const e = v128.load(list + 4 + (<usize>j << 2));
                const k = i32x4.shr_u(e, 16);
                let acc = f32x4.splat(0);
                let ix = i32x4.add(i32x4.mul(v128.and(k, seven), lanes4), bytes);
                acc = f32x4.add(acc, v128.or(i8x16.swizzle(a0, ix), i8x16.swizzle(b0, i8x16.sub(ix, sixteen))));
                ix = i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 3), seven), lanes4), bytes);
                acc = f32x4.add(acc, v128.or(i8x16.swizzle(a1, ix), i8x16.swizzle(b1, i8x16.sub(ix, sixteen))));
                ix = i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 6), seven), lanes4), bytes);
                acc = f32x4.add(acc, v128.or(i8x16.swizzle(a2, ix), i8x16.swizzle(b2, i8x16.sub(ix, sixteen))));
                ix = i32x4.add(i32x4.mul(v128.and(i32x4.shr_u(k, 9), seven), lanes4), bytes);
                acc = f32x4.add(acc, v128.or(i8x16.swizzle(a3, ix), i8x16.swizzle(b3, i8x16.sub(ix, sixteen))));
                const d0 = f32x4.extract_lane(acc, 0), d1 = f32x4.extract_lane(acc, 1);
                const d2 = f32x4.extract_lane(acc, 2), d3 = f32x4.extract_lane(acc, 3);
                if (d0 < bestD2) { bestD2 = d0; gridIndex = i32x4.extract_lane(e, 0) & 0xFFFF; }
                if (j + 1 < count && d1 < bestD2) { bestD2 = d1; gridIndex = i32x4.extract_lane(e, 1) & 0xFFFF; }
                if (j + 2 < count && d2 < bestD2) { bestD2 = d2; gridIndex = i32x4.extract_lane(e, 2) & 0xFFFF; }
                if (j + 3 < count && d3 < bestD2) { bestD2 = d3; gridIndex = i32x4.extract_lane(e, 3) & 0xFFFF; }
            }
        }
        if (gridIndex < 0) {
            setIqError(IQ_NON_FINITE);
            gridIndex = 0;
        }
        for (let i = 0; i < this.dims; i++) store<i8>(L + <usize>i, <i8>this.level(gridIndex, i));
        return gridIndex;
    }
}

/**
 * The per-(coordinate, level) distance terms of the current neighbour search (8 × 4 for the 2-bit grids,
 * 4 × 8 for the 3-bit ones); IQ1's search fills them with its own shifted levels.
 */
export const terms = memory.data(128, 16);

let iq2xxs: IqGrid | null = null, iq2xs: IqGrid | null = null, iq2s: IqGrid | null = null;
let iq1: IqGrid | null = null, iq3xxs: IqGrid | null = null, iq3s: IqGrid | null = null;

// ggml's nwant: 3 for IQ1_S/IQ1_M, 1 for IQ2_S, 2 for IQ2_XXS/IQ2_XS and IQ3_XXS, 3 for IQ3_S
export function gridIQ2XXS(): IqGrid {
    if (iq2xxs == null) iq2xxs = new IqGrid(KGRID_IQ2XXS, KGRID_IQ2XXS_SIZE, 8, 2, 2);
    return changetype<IqGrid>(iq2xxs);
}
export function gridIQ2XS(): IqGrid {
    if (iq2xs == null) iq2xs = new IqGrid(KGRID_IQ2XS, KGRID_IQ2XS_SIZE, 8, 2, 2);
    return changetype<IqGrid>(iq2xs);
}
export function gridIQ2S(): IqGrid {
    if (iq2s == null) iq2s = new IqGrid(KGRID_IQ2S, KGRID_IQ2S_SIZE, 8, 2, 1);
    return changetype<IqGrid>(iq2s);
}
export function gridIQ1(): IqGrid {
    if (iq1 == null) iq1 = new IqGrid(KGRID_IQ1S, KGRID_IQ1S_SIZE, 8, 2, 3);
    return changetype<IqGrid>(iq1);
}
export function gridIQ3XXS(): IqGrid {
    if (iq3xxs == null) iq3xxs = new IqGrid(KGRID_IQ3XXS, KGRID_IQ3XXS_SIZE, 4, 3, 2);
    return changetype<IqGrid>(iq3xxs);
}
export function gridIQ3S(): IqGrid {
    if (iq3s == null) iq3s = new IqGrid(KGRID_IQ3S, KGRID_IQ3S_SIZE, 4, 3, 3);
    return changetype<IqGrid>(iq3s);
}
