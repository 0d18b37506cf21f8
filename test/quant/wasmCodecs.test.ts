// The WebAssembly quantizers against their JS references, byte for byte: random rows of several
// shapes and scales, and adversarial ones (zeros, constants, denormals, huge values, ±∞, NaN). The
// goldens and vector digests (codecVectors, quantizeGolden, …) run through ggmlCodec(), which is
// the WASM codec whenever the module loaded — checked here too, so those suites cannot silently
// fall back to JS.
import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {ggmlCodec} from "../../src/quant/codecs.js";
import {wasmCodecsUnavailable, wasmQuantizers, wasmWeightedQuantizers} from "../../src/quant/codecs/wasmCodecs.js";
import {quantizeQ4_0, quantizeQ4_1, quantizeQ5_0, quantizeQ5_1, quantizeQ8_0} from "../../src/quant/codecs/legacyQuants.js";
import {quantizeIQ4_NL, quantizeIQ4_XS} from "../../src/quant/codecs/iq4Quants.js";
import {quantizeQ2_K, quantizeQ3_K, quantizeQ4_K, quantizeQ5_K, quantizeQ6_K} from "../../src/quant/codecs/kQuants.js";
import * as kqw from "../../src/quant/codecs/kQuantsWeighted.js";
import * as lqw from "../../src/quant/codecs/legacyQuantsWeighted.js";
import * as iq4 from "../../src/quant/codecs/iq4Quants.js";

const js = new Map([
    [GgmlType.Q8_0, {fn: quantizeQ8_0, blockSize: 32, typeSize: 34}],
    [GgmlType.Q4_K, {fn: quantizeQ4_K, blockSize: 256, typeSize: 144}],
    [GgmlType.Q5_K, {fn: quantizeQ5_K, blockSize: 256, typeSize: 176}],
    [GgmlType.Q6_K, {fn: quantizeQ6_K, blockSize: 256, typeSize: 210}],
    [GgmlType.Q4_0, {fn: quantizeQ4_0, blockSize: 32, typeSize: 18}],
    [GgmlType.Q4_1, {fn: quantizeQ4_1, blockSize: 32, typeSize: 20}],
    [GgmlType.Q5_0, {fn: quantizeQ5_0, blockSize: 32, typeSize: 22}],
    [GgmlType.Q5_1, {fn: quantizeQ5_1, blockSize: 32, typeSize: 24}],
    [GgmlType.IQ4_NL, {fn: quantizeIQ4_NL, blockSize: 32, typeSize: 18}],
    [GgmlType.IQ4_XS, {fn: quantizeIQ4_XS, blockSize: 256, typeSize: 136}],
    [GgmlType.Q2_K, {fn: quantizeQ2_K, blockSize: 256, typeSize: 84}],
    [GgmlType.Q3_K, {fn: quantizeQ3_K, blockSize: 256, typeSize: 110}]
]);

// The JS references of the quantizers with importance weights (ggml's quant_weights paths).
const jsWeighted = new Map([
    [GgmlType.Q2_K, {fn: kqw.quantizeQ2_KWeighted, blockSize: 256, typeSize: 84}],
    [GgmlType.Q3_K, {fn: kqw.quantizeQ3_KWeighted, blockSize: 256, typeSize: 110}],
    [GgmlType.Q4_K, {fn: kqw.quantizeQ4_KWeighted, blockSize: 256, typeSize: 144}],
    [GgmlType.Q5_K, {fn: kqw.quantizeQ5_KWeighted, blockSize: 256, typeSize: 176}],
    [GgmlType.Q6_K, {fn: kqw.quantizeQ6_KWeighted, blockSize: 256, typeSize: 210}],
    [GgmlType.IQ4_NL, {fn: iq4.quantizeIQ4_NLWeighted, blockSize: 32, typeSize: 18}],
    [GgmlType.IQ4_XS, {fn: iq4.quantizeIQ4_XSWeighted, blockSize: 256, typeSize: 136}],
    // the legacy quants scale by the whole row: a row over one chunk takes the JS reference (wholeRow)
    [GgmlType.Q4_0, {fn: lqw.quantizeQ4_0Weighted, blockSize: 32, typeSize: 18}],
    [GgmlType.Q4_1, {fn: lqw.quantizeQ4_1Weighted, blockSize: 32, typeSize: 20}],
    [GgmlType.Q5_0, {fn: lqw.quantizeQ5_0Weighted, blockSize: 32, typeSize: 22}],
    [GgmlType.Q5_1, {fn: lqw.quantizeQ5_1Weighted, blockSize: 32, typeSize: 24}]
]);

let s = 0x9E3779B9;
const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());

/** 256-value blocks, each a different hard case (so every type sees each whole block and its sub-blocks). */
function adversarialBlocks(): Float32Array[] {
    const B = 256, blocks: Float32Array[] = [];
    const make = (g: (i: number) => number) => blocks.push(Float32Array.from({length: B}, (_, i) => g(i)));
    make(() => 0);
    make(() => -0);
    make(() => 1);
    make(() => -3.5);
    make(() => 1e-45 * Math.ceil(u() * 8));                      // denormals only
    make((i) => (i % 2 ? -1 : 1) * 1.1754942e-38 * u());           // around the smallest normal
    make(() => gauss() * 1e-20);                                    // tiny, under GROUP_MAX_EPS
    make(() => gauss() * 3e38);                                     // near FLT_MAX: overflowing sums
    make((i) => i === 17 ? 3.4028234663852886e38 : gauss());       // one huge outlier
    make((i) => i % 32 === 0 ? 1e30 : gauss() * 1e-3);              // an outlier per sub-block
    make((i) => i % 16 < 8 ? 0 : gauss());                          // half-zero sub-blocks
    make((i) => Math.round(gauss() * 7));                           // integers
    make((i) => i === 5 ? Infinity : gauss());
    make((i) => i === 200 ? -Infinity : gauss());
    make((i) => i === 0 ? NaN : gauss());
    make((i) => i === 130 ? NaN : gauss());
    make((i) => i % 3 === 0 ? NaN : gauss());
    make(() => NaN);
    make((i) => i < 16 ? 65504 * (u() * 2 - 1) : 1e-8 * gauss());  // fp16 edge of the scale
    make((i) => u() * 1000 + 5);                                    // all positive (min clamps to 0)
    make((i) => -u() * 1000 - 5);                                   // all negative
    // sub-blocks in different states side by side (the SIMD searches run four sub-blocks per vector)
    make((i) => (i >> 4) % 2 ? 0 : gauss());                        // every other 16-value sub-block zero
    make((i) => (i >> 5) % 3 === 0 ? 0 : gauss());                  // some 32-value sub-blocks zero
    make((i) => (i >> 5) === 2 ? -3 : gauss());                     // one constant negative sub-block of 32
    make((i) => (i >> 4) === 5 ? -1.5 : gauss());                   // one constant negative sub-block of 16
    make((i) => (i >> 4) === 9 ? 2.5 : gauss());                    // one constant positive sub-block
    make((i) => gauss() * 10 ** ((i >> 4) % 8 - 4));                // scales 1e-4…1e3 by sub-block
    make((i) => (i >> 4) === 3 ? NaN : gauss());                    // one NaN sub-block
    make((i) => (i >> 5) === 6 ? gauss() * 1e-20 : gauss());         // one sub-block under GROUP_MAX_EPS
    return blocks;
}

function compare(type: GgmlType, x: Float32Array, label: string): void {
    const ref = js.get(type)!;
    const nBlocks = x.length / ref.blockSize;
    const a = new Uint8Array(nBlocks * ref.typeSize + 8).fill(0xAB), b = a.slice();
    ref.fn(x, 0, a, 4, nBlocks);
    wasmQuantizers.get(type)!(x, 0, b, 4, nBlocks);
    if (Buffer.compare(a, b) !== 0) {
        const i = a.findIndex((v, k) => v !== b[k]);
        assert.fail(`${GgmlType[type]} ${label}: first difference at byte ${i - 4} (block ${Math.floor((i - 4) / ref.typeSize)}): js ${a[i]} wasm ${b[i]}`);
    }
}

// R1_QUANT_WASM=0 (goldenJsCodecs.test.ts runs this file and the golden suites so): the registry must
// then hold the JS codecs only, and the WASM-vs-JS comparisons have nothing to compare.
const jsOnly = process.env.R1_QUANT_WASM === "0";
const compareOpts = {skip: jsOnly ? "R1_QUANT_WASM=0: the JS codecs only" : false};

test("with R1_QUANT_WASM=0 the codec registry holds the JS codecs only", {skip: jsOnly ? false : "R1_QUANT_WASM is not 0"}, () => {
    assert.equal(wasmCodecsUnavailable, "disabled by R1_QUANT_WASM=0");
    for (const type of [...js.keys(), ...jsWeighted.keys()]) {
        assert.equal(ggmlCodec(type)!.backend, "js", GgmlType[type]);
        if (jsWeighted.has(type)) assert.equal(ggmlCodec(type)!.weightedBackend, "js", `${GgmlType[type]} weighted`);
    }
});

test("the WASM codecs are built and picked by the codec registry", compareOpts, () => {
    assert.equal(wasmCodecsUnavailable, undefined, `dist/wasm/quantCodecs.wasm did not load (run npm run build): ${wasmCodecsUnavailable}`);
    for (const type of js.keys()) assert.equal(ggmlCodec(type)!.backend, "wasm", GgmlType[type]);
    for (const type of jsWeighted.keys()) assert.equal(ggmlCodec(type)!.weightedBackend, "wasm", `${GgmlType[type]} weighted`);
    assert.equal(ggmlCodec(GgmlType.F32)!.backend, "js");
    assert.equal(ggmlCodec(GgmlType.F32)!.weightedBackend, undefined);
});

for (const type of js.keys()) {
    test(`${GgmlType[type]}: WASM = JS on random rows`, compareOpts, () => {
        for (const scale of [1, 0.02, 1e-3, 1e5]) {
            // 4 rows of 4096, offset into a larger array (the codec's xo / yo) and spanning several chunks
            const x = Float32Array.from({length: 4 * 4096}, () => Math.fround(gauss() * scale));
            compare(type, x, `gaussian ×${scale}`);
            const w = Float32Array.from({length: 4096}, () => Math.fround((u() * 2 - 1) * scale));
            compare(type, w, `uniform ×${scale}`);
        }
        // larger than one 1 MiB transfer chunk, with an offset input
        const big = Float32Array.from({length: (1 << 18) + 4096 + 7}, () => Math.fround(gauss()));
        const ref = js.get(type)!;
        const nBlocks = Math.floor((big.length - 7) / ref.blockSize);
        const a = new Uint8Array(nBlocks * ref.typeSize), b = new Uint8Array(nBlocks * ref.typeSize);
        ref.fn(big, 7, a, 0, nBlocks);
        wasmQuantizers.get(type)!(big, 7, b, 0, nBlocks);
        assert.ok(Buffer.compare(a, b) === 0, "chunked, offset input");
    });

    test(`${GgmlType[type]}: WASM = JS on adversarial blocks`, compareOpts, () => {
        for (const [k, block] of adversarialBlocks().entries()) compare(type, block, `case ${k}`);
    });
}

/** One importance row per case: what imatrices hold (positive, spread over decades) and the edges. */
function importanceRows(n: number): Array<[string, Float32Array]> {
    const row = (g: (i: number) => number) => Float32Array.from({length: n}, (_, i) => Math.fround(g(i)));
    return [
        ["imatrix-like", row(() => Math.exp(gauss() * 2))],
        ["uniform", row(() => u() * 3)],
        ["ones", row(() => 1)],
        ["zeros", row(() => 0)],
        ["some zero", row((i) => i % 5 === 0 ? 0 : u())],
        ["one sub-block zero", row((i) => i % 256 < 16 ? 0 : u() + 0.1)],
        ["tiny", row(() => u() * 1e-30)],
        ["huge", row(() => u() * 1e30)],
        ["denormal", row(() => 1e-45 * Math.ceil(u() * 8))],
        ["an infinity", row((i) => i === 40 ? Infinity : u())],
        ["a NaN", row((i) => i === 77 ? NaN : u())]
    ];
}

function compareWeighted(type: GgmlType, x: Float32Array, xo: number, n: number, qw: Float32Array, qo: number, label: string): void {
    const ref = jsWeighted.get(type)!;
    const bytes = n / ref.blockSize * ref.typeSize;
    const a = new Uint8Array(bytes + 8).fill(0xAB), b = a.slice();
    ref.fn(x, xo, a, 4, n, qw, qo);
    wasmWeightedQuantizers.get(type)!(x, xo, b, 4, n, qw, qo);
    if (Buffer.compare(a, b) !== 0) {
        const i = a.findIndex((v, k) => v !== b[k]);
        assert.fail(`${GgmlType[type]} weighted, ${label}: first difference at byte ${i - 4} (block ${Math.floor((i - 4) / ref.typeSize)}): js ${a[i]} wasm ${b[i]}`);
    }
}

for (const type of jsWeighted.keys()) {
    test(`${GgmlType[type]} with importance weights: WASM = JS on random rows`, compareOpts, () => {
        const n = 4096;
        for (const [name, qw] of importanceRows(n)) {
            for (const scale of [1, 0.02, 1e-3, 1e5]) {
                const x = Float32Array.from({length: n}, () => Math.fround(gauss() * scale));
                compareWeighted(type, x, 0, n, qw, 0, `gaussian ×${scale}, ${name} weights`);
            }
        }
        // a row longer than one 1 MiB transfer chunk, offset in x and in the importance row
        const len = (1 << 18) + 2048;
        const big = Float32Array.from({length: len + 7}, () => Math.fround(gauss()));
        const qw = Float32Array.from({length: len + 3}, () => Math.fround(Math.exp(gauss())));
        compareWeighted(type, big, 7, len, qw, 3, "chunked, offset row and weights");
    });

    test(`${GgmlType[type]} with importance weights: WASM = JS on adversarial blocks`, compareOpts, () => {
        const qws = importanceRows(256);
        for (const [k, block] of adversarialBlocks().entries()) {
            for (const [name, qw] of qws) compareWeighted(type, block, 0, 256, qw, 0, `case ${k}, ${name} weights`);
        }
    });
}
