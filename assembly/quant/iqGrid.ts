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
    /** Coordinates 2l+1 of each point, as i8 and as f32. */
    points: usize;
    pointsF: usize;
    /** Packed levels → point index or −1. */
    map: usize;
    /** Packed levels → its neighbour list ([count, index…] u16), 0 until computed. */
    lists: usize;
    dist: usize;

    constructor(kgrid: usize, size: i32, dims: i32, bits: i32, nwant: i32) {
        this.size = size;
        this.dims = dims;
        this.bits = bits;
        this.nwant = nwant;
        const n = <usize>(size * dims);
        const points = heap.alloc(n), pointsF = heap.alloc(n << 2);
        const mask = (1 << bits) - 1;
        for (let k = 0; k < size; k++) {
            const g = <i32>load<u16>(kgrid + (<usize>k << 1));
            for (let i = 0; i < dims; i++) {
                const p = 2 * ((g >> (bits * i)) & mask) + 1;
                store<i8>(points + <usize>(k * dims + i), <i8>p);
                store<f32>(pointsF + (<usize>(k * dims + i) << 2), <f32>p);
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
        this.points = points;
        this.pointsF = pointsF;
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
        const list = heap.alloc(<usize>(count + 1) << 1);
        store<u16>(list, <u16>count);
        let o: usize = list + 2;
        // levels in increasing order: a pass per distinct distance
        prev = -1;
        while (prev < last) {
            let next = 0x7FFFFFFF;
            for (let j = 0; j < size; j++) {
                const d = load<i32>(dist + (<usize>j << 2));
                if (d > prev && d < next) next = d;
            }
            for (let j = 0; j < size; j++) {
                if (load<i32>(dist + (<usize>j << 2)) == next) { store<u16>(o, <u16>j); o += 2; }
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
        const list = this.neighbours(u);
        const count = <i32>load<u16>(list);
        const dims = this.dims, pf = this.pointsF;
        let bestD2: f32 = FLT_MAX;
        let gridIndex = -1;
        if (dims == 8) {
            for (let j = 0; j < count; j++) {
                const g = <i32>load<u16>(list + 2 + (<usize>j << 1));
                const p = pf + (<usize>g << 5);
                let d2: f32 = 0;
                for (let i = 0; i < 8; i++) {
                    const diff: f32 = scale * load<f32>(p + (<usize>i << 2)) - load<f32>(xval + (<usize>i << 2));
                    d2 = d2 + load<f32>(weight + (<usize>i << 2)) * diff * diff;
                }
                if (d2 < bestD2) { bestD2 = d2; gridIndex = g; }
            }
        } else {
            for (let j = 0; j < count; j++) {
                const g = <i32>load<u16>(list + 2 + (<usize>j << 1));
                const p = pf + (<usize>g << 4);
                let d2: f32 = 0;
                for (let i = 0; i < 4; i++) {
                    const diff: f32 = scale * load<f32>(p + (<usize>i << 2)) - load<f32>(xval + (<usize>i << 2));
                    d2 = d2 + load<f32>(weight + (<usize>i << 2)) * diff * diff;
                }
                if (d2 < bestD2) { bestD2 = d2; gridIndex = g; }
            }
        }
        if (gridIndex < 0) {
            setIqError(IQ_NON_FINITE);
            gridIndex = 0;
        }
        for (let i = 0; i < dims; i++) store<i8>(L + <usize>i, <i8>this.level(gridIndex, i));
        return gridIndex;
    }
}

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
