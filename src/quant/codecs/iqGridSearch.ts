// The lattice search of ggml's IQ1/IQ2/IQ3 quantizers (ggml-quants.c `iq2xs_init_impl`,
// `iq3xs_init_impl`, `iq2_find_best_neighbour`, `iq3_find_best_neighbour`; MIT originals).
import {KGRID_IQ1S, KGRID_IQ2S, KGRID_IQ2XS, KGRID_IQ2XXS, KGRID_IQ3S, KGRID_IQ3XXS} from "./iqQuantGrids.js";

import {NonFiniteWeightsError} from "./NonFiniteWeightsError.js";

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;

/**
 * One grid: `points` holds each point's coordinates 2l+1 (8 per point for IQ1/IQ2, 4 for IQ3),
 * `onGrid(u)` the point index of a packed level vector u, or −1. ggml precomputes, for every u
 * off the grid, the points at the `nwant` smallest distinct squared distances (sorted by distance,
 * then index); here they are computed the first time a u is met, which gives the same lists.
 */
export class IqGrid {
    readonly points: Int8Array;
    private readonly map: Int32Array;
    private readonly neighbourLists: Array<Uint16Array | undefined>;
    private readonly dist: Int32Array;

    constructor(kgrid: Uint16Array, readonly dims: 4 | 8, private readonly bits: 2 | 3, private readonly nwant: number) {
        const size = kgrid.length;
        this.points = new Int8Array(size * dims);
        for (let k = 0; k < size; k++) {
            for (let i = 0; i < dims; i++) this.points[k * dims + i] = 2 * ((kgrid[k]! >> (bits * i)) & ((1 << bits) - 1)) + 1;
        }
        const mapSize = bits === 2 ? 43692 : 4096;
        this.map = new Int32Array(mapSize).fill(-1);
        for (let k = 0; k < size; k++) {
            let index = 0;
            for (let i = 0; i < dims; i++) index |= ((this.points[k * dims + i]! - 1) >> 1) << (bits * i);
            this.map[index] = k;
        }
        this.neighbourLists = new Array(mapSize);
        this.dist = new Int32Array(size);
    }

    get size(): number {
        return this.points.length / this.dims;
    }

    /** Point index of the packed levels `u`, or −1 when u is not a grid point. */
    onGrid(u: number): number {
        return this.map[u]!;
    }

    /** The neighbour candidates of an off-grid u, in ggml's order. */
    neighbours(u: number): Uint16Array {
        const cached = this.neighbourLists[u];
        if (cached !== undefined) return cached;
        const {dims, bits, dist, points} = this;
        const size = this.size;
        for (let j = 0; j < size; j++) {
            let d2 = 0;
            for (let k = 0; k < dims; k++) {
                const d = points[j * dims + k]! - (2 * ((u >> (bits * k)) & ((1 << bits) - 1)) + 1);
                d2 += d * d;
            }
            dist[j] = d2;
        }
        // the nwant smallest distinct distances, then every point at them by (distance, index)
        const levels: number[] = [];
        let prev = -1;
        for (let n = 0; n < this.nwant; n++) {
            let next = 0x7FFFFFFF;
            for (let j = 0; j < size; j++) if (dist[j]! > prev && dist[j]! < next) next = dist[j]!;
            if (next === 0x7FFFFFFF) break;
            levels.push(next);
            prev = next;
        }
        const list: number[] = [];
        for (const level of levels) for (let j = 0; j < size; j++) if (dist[j] === level) list.push(j);
        const out = Uint16Array.from(list);
        this.neighbourLists[u] = out;
        return out;
    }

    /**
     * `iq2_find_best_neighbour` / `iq3_find_best_neighbour`: the candidate nearest to x/scale in
     * weighted squared distance (first wins ties); writes its levels to L and returns its index.
     */
    bestNeighbour(u: number, xval: Float32Array, xo: number, weight: Float32Array, wo: number, scale: number, L: Int8Array, lo: number): number {
        const list = this.neighbours(u);
        const {dims, points} = this;
        let bestD2 = FLT_MAX, gridIndex = -1;
        for (let j = 0; j < list.length; j++) {
            const p = list[j]! * dims;
            let d2 = 0;
            for (let i = 0; i < dims; i++) {
                const diff = f(f(scale * points[p + i]!) - xval[xo + i]!);
                d2 = f(d2 + f(f(weight[wo + i]! * diff) * diff));
            }
            if (d2 < bestD2) { bestD2 = d2; gridIndex = list[j]!; }
        }
        if (gridIndex < 0) throw new NonFiniteWeightsError();
        for (let i = 0; i < dims; i++) L[lo + i] = (points[gridIndex * dims + i]! - 1) >> 1;
        return gridIndex;
    }
}

let iq2xxs: IqGrid | undefined, iq2xs: IqGrid | undefined, iq2s: IqGrid | undefined, iq1: IqGrid | undefined;
let iq3xxs: IqGrid | undefined, iq3s: IqGrid | undefined;

// ggml's nwant: 3 for IQ1_S/IQ1_M, 1 for IQ2_S, 2 for IQ2_XXS/IQ2_XS and IQ3_XXS (grid 256), 3 for IQ3_S (grid 512)
export const gridIQ2XXS = (): IqGrid => iq2xxs ??= new IqGrid(KGRID_IQ2XXS, 8, 2, 2);
export const gridIQ2XS = (): IqGrid => iq2xs ??= new IqGrid(KGRID_IQ2XS, 8, 2, 2);
export const gridIQ2S = (): IqGrid => iq2s ??= new IqGrid(KGRID_IQ2S, 8, 2, 1);
export const gridIQ1 = (): IqGrid => iq1 ??= new IqGrid(KGRID_IQ1S, 8, 2, 3);
export const gridIQ3XXS = (): IqGrid => iq3xxs ??= new IqGrid(KGRID_IQ3XXS, 4, 3, 2);
export const gridIQ3S = (): IqGrid => iq3s ??= new IqGrid(KGRID_IQ3S, 4, 3, 3);
