// The WebAssembly IQ grid quantizers (assembly/quant/iq*.ts) against their JS references
// (src/quant/codecs/iq*Quants.ts), byte for byte: rows of random weights with random and structured
// importance, adversarial blocks (zeros, denormals, huge values, outliers), and the errors the JS
// throws on non-finite input. The imatrix goldens run through ggmlCodec(), checked here to be WASM.
import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {ggmlCodec} from "../../src/quant/codecs.js";
import {wasmCodecsUnavailable, wasmQuantizers, wasmWeightedQuantizers} from "../../src/quant/codecs/wasmCodecs.js";
import * as iq2 from "../../src/quant/codecs/iq2Quants.js";
import * as iq3 from "../../src/quant/codecs/iq3Quants.js";
import * as iq1 from "../../src/quant/codecs/iq1Quants.js";

type Weighted = (x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number) => void;
type Plain = (x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number) => void;

const types = new Map<GgmlType, {typeSize: number, weighted: Weighted, plain?: Plain}>([
    [GgmlType.IQ2_XXS, {typeSize: 66, weighted: iq2.quantizeIQ2_XXSWeighted}],
    [GgmlType.IQ2_XS, {typeSize: 74, weighted: iq2.quantizeIQ2_XSWeighted}],
    [GgmlType.IQ2_S, {typeSize: 82, weighted: iq2.quantizeIQ2_SWeighted, plain: iq2.quantizeIQ2_S}],
    [GgmlType.IQ3_XXS, {typeSize: 98, weighted: iq3.quantizeIQ3_XXSWeighted, plain: iq3.quantizeIQ3_XXS}],
    [GgmlType.IQ3_S, {typeSize: 110, weighted: iq3.quantizeIQ3_SWeighted, plain: iq3.quantizeIQ3_S}],
    [GgmlType.IQ1_S, {typeSize: 50, weighted: iq1.quantizeIQ1_SWeighted}],
    [GgmlType.IQ1_M, {typeSize: 56, weighted: iq1.quantizeIQ1_MWeighted, plain: iq1.quantizeIQ1_M}]
]);

let s = 0x2545F491;
const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());

/** 256-value blocks, each a different hard case. */
function adversarialBlocks(): Float32Array[] {
    const blocks: Float32Array[] = [];
    const make = (g: (i: number) => number) => blocks.push(Float32Array.from({length: 256}, (_, i) => g(i)));
    make(() => 0);
    make(() => -0);
    make(() => 1);
    make(() => -3.5);
    make(() => 1e-45 * Math.ceil(u() * 8));
    make((i) => (i % 2 ? -1 : 1) * 1.1754942e-38 * u());
    make(() => gauss() * 1e-20);
    make(() => gauss() * 1e-9);
    make(() => gauss() * 1e30);
    make((i) => i === 17 ? 1e30 : gauss());
    make((i) => i % 32 === 0 ? 1e20 : gauss() * 1e-3);
    make((i) => i % 16 < 8 ? 0 : gauss());
    make((i) => i % 32 < 16 ? 0 : gauss());
    make((i) => Math.round(gauss() * 3));
    make((i) => i < 16 ? 65504 * (u() * 2 - 1) : 1e-8 * gauss());
    make(() => u() * 1000 + 5);
    make(() => -u() * 1000 - 5);
    make((i) => (i % 8) - 3.5);
    return blocks;
}

/** Runs both; equal bytes, or both throw the same kind of error (then returns true). */
function compare(type: GgmlType, x: Float32Array, qw: Float32Array | undefined, label: string): boolean {
    const ref = types.get(type)!;
    const nBlocks = x.length / 256;
    const a = new Uint8Array(nBlocks * ref.typeSize + 8).fill(0xAB), b = a.slice();
    const run = (which: "js" | "wasm", out: Uint8Array): unknown => {
        try {
            if (qw !== undefined) (which === "js" ? ref.weighted : wasmWeightedQuantizers.get(type)!)(x, 0, out, 4, x.length, qw, 0);
            else (which === "js" ? ref.plain! : wasmQuantizers.get(type)!)(x, 0, out, 4, nBlocks);
            return undefined;
        } catch (e) {
            return e;
        }
    };
    const ea = run("js", a), eb = run("wasm", b);
    if (ea !== undefined || eb !== undefined) {
        assert.ok(ea !== undefined && eb !== undefined, `${GgmlType[type]} ${label}: js ${String(ea)} / wasm ${String(eb)}`);
        assert.equal((eb as Error).constructor, (ea as Error).constructor, `${GgmlType[type]} ${label}: error kinds`);
        return true;
    }
    if (Buffer.compare(a, b) !== 0) {
        const i = a.findIndex((v, k) => v !== b[k]);
        assert.fail(`${GgmlType[type]} ${label}: first difference at byte ${i - 4} (block ${Math.floor((i - 4) / ref.typeSize)}): js ${a[i]} wasm ${b[i]}`);
    }
    return false;
}

const importanceRows = (n: number): Array<[string, Float32Array]> => [
    ["uniform importance", Float32Array.from({length: n}, () => Math.fround(u() * 4))],
    ["skewed importance", Float32Array.from({length: n}, () => Math.fround(Math.exp(gauss() * 3)))],
    ["sparse importance", Float32Array.from({length: n}, (_, i) => i % 7 === 0 ? Math.fround(u()) : 0)],
    ["constant importance", new Float32Array(n).fill(1)]
];

// R1_QUANT_WASM=0 (goldenJsCodecs.test.ts runs the golden suites so): the registry must hold the JS
// quantizers, and there is nothing to compare.
const jsOnly = process.env.R1_QUANT_WASM === "0";
const compareOpts = {skip: jsOnly ? "R1_QUANT_WASM=0: the JS codecs only" : false};

test("with R1_QUANT_WASM=0 the codec registry holds the JS IQ grid quantizers", {skip: jsOnly ? false : "R1_QUANT_WASM is not 0"}, () => {
    for (const [type, ref] of types) {
        assert.equal(ggmlCodec(type)!.weightedBackend, "js", GgmlType[type]);
        if (ref.plain) assert.equal(ggmlCodec(type)!.backend, "js", GgmlType[type]);
    }
});

test("the WASM IQ grid quantizers are built and picked by the codec registry", compareOpts, () => {
    assert.equal(wasmCodecsUnavailable, undefined, `dist/wasm/quantCodecs.wasm did not load (run npm run build): ${wasmCodecsUnavailable}`);
    for (const [type, ref] of types) {
        assert.equal(ggmlCodec(type)!.weightedBackend, "wasm", GgmlType[type]);
        if (ref.plain) assert.equal(ggmlCodec(type)!.backend, "wasm", GgmlType[type]);
    }
});

for (const type of types.keys()) {
    test(`${GgmlType[type]}: WASM = JS on random rows`, compareOpts, () => {
        for (const scale of [0.02, 1, 1e-4]) {
            const x = Float32Array.from({length: 2 * 4096}, () => Math.fround(gauss() * scale));
            for (const [label, qw] of importanceRows(x.length)) compare(type, x, qw, `gaussian ×${scale}, ${label}`);
            if (types.get(type)!.plain) compare(type, x, undefined, `gaussian ×${scale}, no importance`);
        }
        // heavy tails and mixed magnitudes, which take the grid search off the grid more often
        const t = Float32Array.from({length: 4096}, () => Math.fround(gauss() / Math.max(0.05, u())));
        compare(type, t, importanceRows(t.length)[1]![1], "heavy tails");
    });

    test(`${GgmlType[type]}: WASM = JS on adversarial blocks and over a transfer chunk`, compareOpts, () => {
        const qw = Float32Array.from({length: 256}, () => Math.fround(u() * 2));
        for (const [k, block] of adversarialBlocks().entries()) {
            compare(type, block, qw, `case ${k}`);
            if (types.get(type)!.plain) compare(type, block, undefined, `case ${k} unweighted`);
        }
        // a row longer than the 1 MiB chunk the wrapper copies, from an offset
        const n = (1 << 18) + 1024;
        const big = Float32Array.from({length: n + 256}, () => Math.fround(gauss() * 0.1));
        const w = Float32Array.from({length: n + 512}, () => Math.fround(u()));
        const ref = types.get(type)!;
        const a = new Uint8Array(n / 256 * ref.typeSize), b = a.slice();
        ref.weighted(big, 256, a, 0, n, w, 512);
        wasmWeightedQuantizers.get(type)!(big, 256, b, 0, n, w, 512);
        assert.ok(Buffer.compare(a, b) === 0, "chunked, offset row and weights");
    });

    test(`${GgmlType[type]}: non-finite and overflowing input fails as in JS`, compareOpts, () => {
        let errors = 0;
        const ones = new Float32Array(256).fill(1);
        for (const bad of [NaN, Infinity, -Infinity, 3e38]) {
            const cases: Array<[string, Float32Array, Float32Array]> = [
                ["one x", Float32Array.from({length: 256}, (_, i) => i === 40 ? bad : gauss()), ones],
                ["every x", new Float32Array(256).fill(bad), ones],
                ["one importance", Float32Array.from({length: 256}, gauss), Float32Array.from(ones, (v, i) => i === 3 ? bad : v)],
                ["every importance", Float32Array.from({length: 256}, gauss), new Float32Array(256).fill(bad)]
            ];
            for (const [label, x, qw] of cases) {
                if (compare(type, x, qw, `${label} ${bad}`)) errors++;
                if (types.get(type)!.plain && compare(type, x, undefined, `${label} ${bad} unweighted`)) errors++;
            }
        }
        // IQ1_S's boundary search drops a block whose sums are not finite before any grid search, so
        // no input here (nor any found by searching) makes its reference throw; the others do
        if (type !== GgmlType.IQ1_S) assert.ok(errors > 0, "the reference throws on some of these, so the error path is exercised");
    });
}
