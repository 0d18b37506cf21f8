import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {dequantize, quantize, quantizeRows, UnsupportedTensorTypeError} from "../../src/quant/codecs.js";
import {NonFiniteWeightsError} from "../../src/quant/codecs/NonFiniteWeightsError.js";
import {gridIQ1, gridIQ2S, gridIQ2XS, gridIQ2XXS, gridIQ3S, gridIQ3XXS, type IqGrid} from "../../src/quant/codecs/iqGridSearch.js";
import {IQ1S_GRID, IQ2S_GRID, IQ2XS_GRID, IQ2XXS_GRID, IQ3S_GRID, IQ3XXS_GRID} from "../../src/quant/codecs/iqGridTables.js";

// ggml's iq2xs_init_impl / iq3xs_init_impl: qsort every grid point by (distance², index), keep
// those at the nwant smallest distinct distances. r1 computes the same lists lazily without a sort.
function bruteForceNeighbours(grid: IqGrid, u: number, bits: number, nwant: number): number[] {
    const d = Array.from({length: grid.size}, (_, j) => {
        let d2 = 0;
        for (let k = 0; k < grid.dims; k++) {
            const diff = grid.points[j * grid.dims + k]! - (2 * ((u >> (bits * k)) & ((1 << bits) - 1)) + 1);
            d2 += diff * diff;
        }
        return [d2, j] as const;
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: number[] = [];
    let level = d[0]![0], have = 1;
    for (const [d2, j] of d) {
        if (d2 > level) {
            if (have === nwant) break;
            level = d2; have++;
        }
        out.push(j);
    }
    return out;
}

test("the lazily computed neighbour lists equal ggml's sorted ones", () => {
    const grids: Array<[string, IqGrid, number, number]> = [
        ["IQ2_XXS", gridIQ2XXS(), 2, 2], ["IQ2_XS", gridIQ2XS(), 2, 2], ["IQ2_S", gridIQ2S(), 2, 1], ["IQ1", gridIQ1(), 2, 3],
        ["IQ3_XXS", gridIQ3XXS(), 3, 2], ["IQ3_S", gridIQ3S(), 3, 3]
    ];
    for (const [name, grid, bits, nwant] of grids) {
        let checked = 0;
        const limit = bits === 2 ? 43692 : 4096;
        for (let u = 7; u < limit && checked < 40; u += 997) {
            if (grid.onGrid(u) >= 0) continue;
            assert.deepEqual([...grid.neighbours(u)], bruteForceNeighbours(grid, u, bits, nwant), `${name} u=${u}`);
            checked++;
        }
        assert.ok(checked >= 4, name);
    }
});

test("the quantizers' compressed grids are the dequantizers' grids, point for point", () => {
    // each grid coordinate level l (2l+1 in the quantizer) is the l-th smallest magnitude the dequantizer uses
    const cases: Array<[string, IqGrid, Uint8Array | Int8Array]> = [
        ["IQ2_XXS", gridIQ2XXS(), IQ2XXS_GRID], ["IQ2_XS", gridIQ2XS(), IQ2XS_GRID], ["IQ2_S", gridIQ2S(), IQ2S_GRID],
        ["IQ1", gridIQ1(), new Int8Array(IQ1S_GRID.buffer, IQ1S_GRID.byteOffset, IQ1S_GRID.byteLength)],
        ["IQ3_XXS", gridIQ3XXS(), IQ3XXS_GRID], ["IQ3_S", gridIQ3S(), IQ3S_GRID]
    ];
    for (const [name, grid, dq] of cases) {
        assert.equal(dq.length, grid.points.length, name);
        const levels = [...new Set(dq)].sort((a, b) => a - b);
        for (let i = 0; i < dq.length; i++) assert.equal(levels.indexOf(dq[i]!), (grid.points[i]! - 1) >> 1, `${name} coordinate ${i}`);
    }
});

function seeded(n: number, seed: number): Float32Array {
    let s = seed >>> 0;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return Float32Array.from({length: n}, () => {
        const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
        return Math.fround(0.02 * g);
    });
}

test("IQ quantizers with importance weights reconstruct the weights; IQ2_XXS/IQ2_XS/IQ1_S refuse to run without them", () => {
    const n = 512, rows = 4;
    const x = seeded(n * rows, 7);
    const w = Float32Array.from({length: n}, (_, i) => 0.5 + (i % 7) / 7);
    // rough relative RMS error bounds of each type on Gaussian data (IQ1 ≈ 0.5, IQ3 ≈ 0.2)
    const bound: Record<string, number> = {IQ1_S: 0.75, IQ1_M: 0.7, IQ2_XXS: 0.55, IQ2_XS: 0.5, IQ2_S: 0.45, IQ3_XXS: 0.35, IQ3_S: 0.3};
    let rms = 0;
    for (const v of x) rms += v * v;
    rms = Math.sqrt(rms / x.length);
    for (const [name, b] of Object.entries(bound)) {
        const type = GgmlType[name as keyof typeof GgmlType] as GgmlType;
        const bytes = quantizeRows(type, x, n, w);
        const back = dequantize(type, bytes, x.length);
        let err = 0;
        for (let i = 0; i < x.length; i++) err += (back[i]! - x[i]!) ** 2;
        const rel = Math.sqrt(err / x.length) / rms;
        assert.ok(rel < b, `${name}: relative RMS error ${rel.toFixed(3)}`);
        assert.deepEqual(quantizeRows(type, x, n, w), bytes, `${name} is deterministic`);
    }
    for (const type of [GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ1_S]) assert.throws(() => quantize(type, x), UnsupportedTensorTypeError);
    assert.equal(quantize(GgmlType.IQ3_S, x).length, x.length / 256 * 110, "IQ3_S also runs without weights, as in ggml");
    // NaN weights leave no nearest grid point: ggml aborts, r1 says the model is corrupt
    const grid = gridIQ2XXS();
    let offGrid = 1;
    while (grid.onGrid(offGrid) >= 0) offGrid++;
    assert.throws(() => grid.bestNeighbour(offGrid, new Float32Array(8).fill(Number.NaN), 0, new Float32Array(8).fill(1), 0, 1, new Int8Array(8), 0),
        NonFiniteWeightsError);
});
