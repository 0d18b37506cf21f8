// Dequantizers of ggml's grid types (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S, IQ1_M): ports of
// `dequantize_row_iq*` (ggml-quants.c, MIT). Read-only in r1: their quantizers need an importance matrix.
import {GgmlType} from "../../gguf/GgmlType.js";
import {FP16_TO_FP32, readHalf} from "./float16.js";
import {IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID} from "./iqGridTables.js";

const f = Math.fround;
const IQ1_DELTA = 0.125;
const IQ1_GRID = new Int8Array(IQ1S_GRID.buffer, IQ1S_GRID.byteOffset, IQ1S_GRID.byteLength);

/** `ksigns_iq2xs[i]` = i with bit 7 set to the parity of i (7 sign bits + implied 8th). */
const KSIGNS = Uint8Array.from({length: 128}, (_, i) => {
    let p = 0;
    for (let b = i; b > 0; b >>= 1) p ^= b & 1;
    return i | (p << 7);
});

const u32 = (y: Uint8Array, o: number) => (y[o]! | (y[o + 1]! << 8) | (y[o + 2]! << 16) | (y[o + 3]! << 24)) >>> 0;
const u16 = (y: Uint8Array, o: number) => y[o]! | (y[o + 1]! << 8);

// 8 elements of a u64 grid entry times `db`, negated where `signs` has a bit.
function put8(out: Float32Array, oo: number, grid: Uint8Array, g: number, db: number, signs: number): void {
    for (let j = 0; j < 8; j++) {
        const v = f(db * grid[8 * g + j]!);
        out[oo + j] = signs & (1 << j) ? -v : v;
    }
}

export function dequantizeIQ2_XXS(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 66) {
        const d = readHalf(y, yo);
        for (let ib = 0; ib < 8; ib++) {
            const a0 = yo + 2 + 8 * ib, a1 = u32(y, a0 + 4);
            const db = f(f(d * (0.5 + (a1 >>> 28))) * 0.25);
            for (let l = 0; l < 4; l++, oo += 8) put8(out, oo, IQ2XXS_GRID, y[a0 + l]!, db, KSIGNS[(a1 >>> (7 * l)) & 127]!);
        }
    }
}

export function dequantizeIQ2_XS(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 74) {
        const d = readHalf(y, yo);
        for (let ib = 0; ib < 8; ib++) {
            const sc = y[yo + 66 + ib]!;
            const db0 = f(f(d * (0.5 + (sc & 0xF))) * 0.25), db1 = f(f(d * (0.5 + (sc >> 4))) * 0.25);
            for (let l = 0; l < 4; l++, oo += 8) {
                const q = u16(y, yo + 2 + 2 * (4 * ib + l));
                put8(out, oo, IQ2XS_GRID, q & 511, l < 2 ? db0 : db1, KSIGNS[q >> 9]!);
            }
        }
    }
}

export function dequantizeIQ2_S(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 82) {
        const d = readHalf(y, yo);
        for (let ib = 0; ib < 8; ib++) {
            const sc = y[yo + 74 + ib]!, qh = y[yo + 66 + ib]!;
            const db0 = f(f(d * (0.5 + (sc & 0xF))) * 0.25), db1 = f(f(d * (0.5 + (sc >> 4))) * 0.25);
            for (let l = 0; l < 4; l++, oo += 8) {
                const g = y[yo + 2 + 4 * ib + l]! | ((qh << (8 - 2 * l)) & 0x300);
                put8(out, oo, IQ2S_GRID, g, l < 2 ? db0 : db1, y[yo + 2 + 32 + 4 * ib + l]!);
            }
        }
    }
}

// 4 + 4 elements from two u32 grid entries.
function put4x2(out: Float32Array, oo: number, grid: Uint8Array, g1: number, g2: number, db: number, signs: number): void {
    for (let j = 0; j < 4; j++) {
        const a = f(db * grid[4 * g1 + j]!), b = f(db * grid[4 * g2 + j]!);
        out[oo + j] = signs & (1 << j) ? -a : a;
        out[oo + 4 + j] = signs & (1 << (j + 4)) ? -b : b;
    }
}

export function dequantizeIQ3_XXS(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 98) {
        const d = readHalf(y, yo);
        for (let ib = 0; ib < 8; ib++) {
            const aux = u32(y, yo + 2 + 64 + 4 * ib);
            const db = f(f(d * (0.5 + (aux >>> 28))) * 0.5);
            const qs = yo + 2 + 8 * ib;
            for (let l = 0; l < 4; l++, oo += 8) put4x2(out, oo, IQ3XXS_GRID, y[qs + 2 * l]!, y[qs + 2 * l + 1]!, db, KSIGNS[(aux >>> (7 * l)) & 127]!);
        }
    }
}

export function dequantizeIQ3_S(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 110) {
        const d = readHalf(y, yo);
        let qs = yo + 2, qh = yo + 66, signs = yo + 74;
        for (let ib = 0; ib < 8; ib += 2) {
            const sc = y[yo + 106 + (ib >> 1)]!;
            for (const [db, h] of [[f(d * (1 + 2 * (sc & 0xF))), y[qh]!], [f(d * (1 + 2 * (sc >> 4))), y[qh + 1]!]] as const) {
                for (let l = 0; l < 4; l++, oo += 8) {
                    const g1 = y[qs + 2 * l]! | ((h << (8 - 2 * l)) & 256), g2 = y[qs + 2 * l + 1]! | ((h << (7 - 2 * l)) & 256);
                    put4x2(out, oo, IQ3S_GRID, g1, g2, db, y[signs + l]!);
                }
                qs += 8;
                signs += 4;
            }
            qh += 2;
        }
    }
}

export function dequantizeIQ1_S(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 50) {
        const d = readHalf(y, yo);
        for (let ib = 0; ib < 8; ib++) {
            const qh = u16(y, yo + 34 + 2 * ib);
            const dl = f(d * (2 * ((qh >> 12) & 7) + 1));
            const delta = qh & 0x8000 ? -IQ1_DELTA : IQ1_DELTA;
            for (let l = 0; l < 4; l++, oo += 8) {
                const g = y[yo + 2 + 4 * ib + l]! | (((qh >> (3 * l)) & 7) << 8);
                for (let j = 0; j < 8; j++) out[oo + j] = dl * (IQ1_GRID[8 * g + j]! + delta);
            }
        }
    }
}

export function dequantizeIQ1_M(y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number): void {
    for (let i = 0; i < nBlocks; i++, yo += 56) {
        const sc = [u16(y, yo + 48), u16(y, yo + 50), u16(y, yo + 52), u16(y, yo + 54)];
        const d = FP16_TO_FP32[(sc[0]! >> 12) | ((sc[1]! >> 8) & 0x00F0) | ((sc[2]! >> 4) & 0x0F00) | (sc[3]! & 0xF000)]!;
        for (let ib = 0; ib < 8; ib++) {
            const s = sc[ib >> 1]!, shift = 6 * (ib % 2);
            const dl1 = f(d * (2 * ((s >> shift) & 7) + 1)), dl2 = f(d * (2 * ((s >> (shift + 3)) & 7) + 1));
            const qs = yo + 4 * ib, qh0 = y[yo + 32 + 2 * ib]!, qh1 = y[yo + 32 + 2 * ib + 1]!;
            const idx = [y[qs]! | ((qh0 << 8) & 0x700), y[qs + 1]! | ((qh0 << 4) & 0x700), y[qs + 2]! | ((qh1 << 8) & 0x700), y[qs + 3]! | ((qh1 << 4) & 0x700)];
            const delta = [qh0 & 0x08 ? -IQ1_DELTA : IQ1_DELTA, qh0 & 0x80 ? -IQ1_DELTA : IQ1_DELTA, qh1 & 0x08 ? -IQ1_DELTA : IQ1_DELTA, qh1 & 0x80 ? -IQ1_DELTA : IQ1_DELTA];
            for (let l = 0; l < 4; l++, oo += 8) {
                const dl = l < 2 ? dl1 : dl2;
                for (let j = 0; j < 8; j++) out[oo + j] = dl * (IQ1_GRID[8 * idx[l]! + j]! + delta[l]!);
            }
        }
    }
}

type Dequantize = (y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number) => void;

/** Dequantizers of the grid types, for `codecs.ts`. */
export const iqGridDequantizers: ReadonlyArray<readonly [GgmlType, Dequantize]> = [
    [GgmlType.IQ2_XXS, dequantizeIQ2_XXS], [GgmlType.IQ2_XS, dequantizeIQ2_XS], [GgmlType.IQ2_S, dequantizeIQ2_S],
    [GgmlType.IQ3_XXS, dequantizeIQ3_XXS], [GgmlType.IQ3_S, dequantizeIQ3_S], [GgmlType.IQ1_S, dequantizeIQ1_S], [GgmlType.IQ1_M, dequantizeIQ1_M]
];
