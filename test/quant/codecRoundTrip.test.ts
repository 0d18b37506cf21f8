import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {dequantize, ggmlCodec, quantize, UnsupportedTensorTypeError, BadBlockLengthError} from "../../src/quant/codecs.js";
import {fp16ToFp32, fp32ToFp16, fp32ToBf16, bf16ToFp32} from "../../src/quant/codecs/float16.js";

// Relative RMS error bound of dequantize(quantize(x)) on Gaussian weights, per type: a loose
// ceiling (about 1.5× what the format achieves) that a broken codec cannot meet.
const bounds: Array<[GgmlType, number]> = [
    [GgmlType.F32, 0], [GgmlType.F16, 0.0005], [GgmlType.BF16, 0.003], [GgmlType.Q8_0, 0.008], [GgmlType.Q6_K, 0.025],
    [GgmlType.Q5_1, 0.055], [GgmlType.Q5_0, 0.06], [GgmlType.Q5_K, 0.055], [GgmlType.Q4_1, 0.11], [GgmlType.Q4_0, 0.12],
    [GgmlType.Q4_K, 0.1], [GgmlType.IQ4_NL, 0.1], [GgmlType.IQ4_XS, 0.1], [GgmlType.Q3_K, 0.21], [GgmlType.Q2_K, 0.42],
    [GgmlType.TQ2_0, 0.9], [GgmlType.TQ1_0, 0.9]
];

function gaussian(n: number, seed: number): Float32Array {
    let s = seed >>> 0;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32; };
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) * 0.02;
    return out;
}

function relRms(a: Float32Array, b: Float32Array): number {
    let e = 0, r = 0;
    for (let i = 0; i < a.length; i++) { e += (a[i]! - b[i]!) ** 2; r += a[i]! ** 2; }
    return Math.sqrt(e / r);
}

test("dequantize(quantize(x)) stays within each type's error bound, and more bits means less error", () => {
    const x = gaussian(256 * 64, 7);
    const err = new Map<GgmlType, number>();
    for (const [type, bound] of bounds) {
        const e = relRms(x, dequantize(type, quantize(type, x), x.length));
        err.set(type, e);
        assert.ok(e <= bound, `${GgmlType[type]}: relative RMS error ${e.toFixed(4)} > ${bound}`);
    }
    const order = [GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q4_K, GgmlType.Q3_K, GgmlType.Q2_K];
    for (let i = 1; i < order.length; i++) assert.ok(err.get(order[i - 1]!)! < err.get(order[i]!)!, `${GgmlType[order[i]!]}`);
});

function block(n: number, fill: (j: number) => number): Float32Array {
    return Float32Array.from({length: n}, (_, j) => fill(j));
}

test("edge blocks: zero, −0, constant, tiny, huge, one outlier — finite output, sane reconstruction", () => {
    for (const [type] of bounds) {
        const n = 256;
        const cases: Array<[string, Float32Array, number]> = [
            ["zero", block(n, () => 0), 0],
            ["negative zero", block(n, () => -0), 0],
            ["constant", block(n, () => 0.5), 0.5 * 0.02],
            ["tiny", block(n, (j) => (j % 3 - 1) * 1e-20), 1e-20],
            ["huge", block(n, (j) => (j % 5 - 2) * 1e4), 2e4 * 0.3],
            ["outlier", block(n, (j) => (j === 7 ? 50 : ((j * 37) % 17 - 8) * 0.001)), 50 * 0.02]
        ];
        for (const [name, x, tol] of cases) {
            const y = dequantize(type, quantize(type, x), n);
            for (let i = 0; i < n; i++) {
                assert.ok(Number.isFinite(y[i]), `${GgmlType[type]} ${name}: element ${i} is ${y[i]}`);
            }
            if (name === "zero" || name === "negative zero") assert.ok(y.every((v) => v === 0), `${GgmlType[type]} ${name}`);
            if (name === "outlier" && type !== GgmlType.TQ1_0 && type !== GgmlType.TQ2_0) {
                assert.ok(Math.abs(y[7]! - 50) <= tol, `${GgmlType[type]} outlier → ${y[7]}`);
            }
            if (name === "constant" && type !== GgmlType.TQ1_0 && type !== GgmlType.TQ2_0) {
                assert.ok(y.every((v) => Math.abs(v - 0.5) <= tol), `${GgmlType[type]} constant → ${y[0]}`);
            }
        }
    }
});

test("fp16 and bf16 conversions round to nearest even, keep −0, saturate to inf", () => {
    assert.equal(fp32ToFp16(1), 0x3C00);
    assert.equal(fp32ToFp16(-0), 0x8000);
    assert.equal(fp32ToFp16(65520), 0x7C00);
    assert.equal(fp32ToFp16(65519), 0x7BFF);
    assert.equal(fp32ToFp16(NaN) & 0x7E00, 0x7E00);
    assert.equal(fp32ToFp16(2 ** -24), 0x0001);
    assert.equal(fp32ToFp16(2 ** -25), 0x0000); // tie → even (0)
    assert.equal(fp32ToFp16(3 * 2 ** -25), 0x0002); // tie → even (2)
    assert.equal(fp32ToFp16(1 + 2 ** -11), 0x3C00); // tie → even
    assert.equal(fp32ToFp16(1 + 3 * 2 ** -11), 0x3C02);
    for (let h = 0; h < 0x7C00; h += 7) assert.equal(fp32ToFp16(fp16ToFp32(h)), h);
    assert.equal(fp32ToBf16(1), 0x3F80);
    assert.equal(bf16ToFp32(fp32ToBf16(Math.fround(1 + 2 ** -8))), 1); // tie → even
    assert.equal(fp32ToBf16(NaN) & 0x7FC0, 0x7FC0);
});

test("codec errors: unknown/unwritable types and partial blocks are refused", () => {
    assert.throws(() => quantize(GgmlType.IQ2_XXS, new Float32Array(256)), UnsupportedTensorTypeError);
    assert.throws(() => quantize(GgmlType.Q4_K, new Float32Array(100)), BadBlockLengthError);
    assert.throws(() => dequantize(GgmlType.Q8_0, new Uint8Array(10), 32), BadBlockLengthError);
    assert.equal(ggmlCodec(GgmlType.Q4_K)?.typeSize, 144);
});
