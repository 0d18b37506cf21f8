// wasmConvert (F16 / BF16 / F32 slices widened inside the WebAssembly module, then quantized there)
// against the JS path it replaces in convertTensorData: the JS float codecs' dequantize, then the JS
// reference quantizer — byte for byte, on every fp16 bit pattern (NaN, ±∞, subnormals, −0 included)
// and on slices longer than one transfer chunk.
import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {wasmConvert, wasmCodecsUnavailable} from "../../src/quant/codecs/wasmCodecs.js";
import {dequantizeBF16, dequantizeF16, dequantizeF32} from "../../src/quant/codecs/floatCodecs.js";
import {quantizeQ4_0, quantizeQ5_1, quantizeQ8_0} from "../../src/quant/codecs/legacyQuants.js";
import {quantizeQ4_K, quantizeQ6_K} from "../../src/quant/codecs/kQuants.js";
import {quantizeIQ4_XS} from "../../src/quant/codecs/iq4Quants.js";
import {convertTensorData} from "../../src/quant/convertTensorData.js";

const targets = [
    [GgmlType.Q8_0, quantizeQ8_0, 32, 34],
    [GgmlType.Q4_0, quantizeQ4_0, 32, 18],
    [GgmlType.Q5_1, quantizeQ5_1, 32, 24],
    [GgmlType.Q4_K, quantizeQ4_K, 256, 144],
    [GgmlType.Q6_K, quantizeQ6_K, 256, 210],
    [GgmlType.IQ4_XS, quantizeIQ4_XS, 256, 136]
] as const;

const dequantizers = {[GgmlType.F16]: [dequantizeF16, 2], [GgmlType.BF16]: [dequantizeBF16, 2], [GgmlType.F32]: [dequantizeF32, 4]} as const;

let s = 0x2545F491;
const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };

function reference(sourceType: GgmlType.F16 | GgmlType.BF16 | GgmlType.F32, source: Uint8Array, elements: number, target: typeof targets[number]): Uint8Array {
    const [, quantize, blockSize, typeSize] = target;
    const x = new Float32Array(elements);
    dequantizers[sourceType][0](source, 0, x, 0, elements);
    const out = new Uint8Array(elements / blockSize * typeSize);
    quantize(x, 0, out, 0, elements / blockSize);
    return out;
}

function check(sourceType: GgmlType.F16 | GgmlType.BF16 | GgmlType.F32, source: Uint8Array, target: typeof targets[number], label: string): void {
    const [type, , blockSize, typeSize] = target;
    const elements = source.length / dequantizers[sourceType][1];
    const out = new Uint8Array(elements / blockSize * typeSize).fill(0xAB);
    assert.equal(wasmConvert(sourceType, source, elements, type, out), true, `${label}: converted in the module`);
    const want = reference(sourceType, source, elements, target);
    if (Buffer.compare(out, want) !== 0) {
        const i = out.findIndex((v, k) => v !== want[k]);
        assert.fail(`${GgmlType[type]} from ${GgmlType[sourceType]} ${label}: first difference at byte ${i} (block ${Math.floor(i / typeSize)}): wasm ${out[i]} js ${want[i]}`);
    }
}

test("wasmConvert is available where the WASM codecs are", () => {
    assert.equal(wasmCodecsUnavailable, undefined, `dist/wasm/quantCodecs.wasm did not load (run npm run build): ${wasmCodecsUnavailable}`);
});

for (const target of targets) {
    test(`${GgmlType[target[0]]}: F16 → wasmConvert = JS F16 dequantize + JS quantize`, () => {
        // every fp16 bit pattern once, in order (whole blocks of NaNs, ∞, subnormals), then shuffled
        const all = new Uint8Array(65536 * 2);
        for (let h = 0; h < 65536; h++) { all[2 * h] = h & 0xFF; all[2 * h + 1] = h >> 8; }
        check(GgmlType.F16, all, target, "all bit patterns in order");
        const shuffled = new Uint16Array(all.buffer).slice();
        for (let i = shuffled.length - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]; }
        check(GgmlType.F16, new Uint8Array(shuffled.buffer), target, "all bit patterns shuffled");
        // a slice longer than one 1 MiB chunk, of typical weights (|x| < 0.1: exponents 0x0C00–0x2E00)
        const long = new Uint16Array((1 << 18) + 4096);
        for (let i = 0; i < long.length; i++) long[i] = (u() < 0.5 ? 0x8000 : 0) | Math.floor(u() * 0x2E00);
        check(GgmlType.F16, new Uint8Array(long.buffer), target, "longer than a chunk");
    });

    test(`${GgmlType[target[0]]}: BF16 and F32 → wasmConvert = JS dequantize + JS quantize`, () => {
        const n = 8192;
        const bf = new Uint16Array(n), f = new Float32Array(n);
        for (let i = 0; i < n; i++) {
            const v = Math.fround((u() - 0.5) * (i % 512 < 256 ? 0.05 : 1e3));
            f[i] = v;
            bf[i] = new Uint32Array(Float32Array.of(v).buffer)[0]! >>> 16;
        }
        f[100] = Infinity; f[300] = -0; f[700] = 1e-42; f[5000] = NaN;
        bf[70] = 0x7F80; bf[71] = 0xFF80; bf[900] = 0x0001;
        check(GgmlType.BF16, new Uint8Array(bf.buffer), target, "random, ±∞, subnormal");
        check(GgmlType.F32, new Uint8Array(f.buffer), target, "random, ∞, −0, subnormal, NaN");
    });
}

test("a BF16 slice holding a NaN is left to the JS path, and convertTensorData still gives the JS bytes", () => {
    const bf = new Uint16Array(256).fill(0x3C00);
    bf[17] = 0x7FC1; bf[200] = 0xFF81;
    const source = new Uint8Array(bf.buffer);
    assert.equal(wasmConvert(GgmlType.BF16, source, 256, GgmlType.Q8_0, new Uint8Array(8 * 34)), false);
    assert.deepEqual(convertTensorData(GgmlType.BF16, source, 256, GgmlType.Q8_0), reference(GgmlType.BF16, source, 256, targets[0]));
});

test("wasmConvert declines what the module cannot do, and refuses partial blocks", () => {
    const src = new Uint8Array(512);
    assert.equal(wasmConvert(GgmlType.Q8_0, src, 32, GgmlType.Q4_K, new Uint8Array(144)), false, "quantized source");
    assert.equal(wasmConvert(GgmlType.F16, src, 256, GgmlType.TQ1_0, new Uint8Array(256)), false, "no WASM quantizer");
    assert.throws(() => wasmConvert(GgmlType.F16, src, 250, GgmlType.Q4_K, new Uint8Array(144)), RangeError);
});
