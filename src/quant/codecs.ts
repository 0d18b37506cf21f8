import {GgmlType, ggmlTypeTraits} from "../gguf/GgmlType.js";
import {R1Error} from "../util/R1Error.js";
import * as fl from "./codecs/floatCodecs.js";
import * as lq from "./codecs/legacyQuants.js";
import * as kq from "./codecs/kQuants.js";
import * as iq4 from "./codecs/iq4Quants.js";
import * as tq from "./codecs/ternaryQuants.js";
import {iqGridDequantizers} from "./codecs/iqGridQuants.js";
import * as kqw from "./codecs/kQuantsWeighted.js";
import * as lqw from "./codecs/legacyQuantsWeighted.js";
import * as iq2 from "./codecs/iq2Quants.js";
import * as iq3 from "./codecs/iq3Quants.js";
import * as iq1 from "./codecs/iq1Quants.js";
import {wasmQuantizers, wasmWeightedQuantizers} from "./codecs/wasmCodecs.js";

/** Encodes `nBlocks` blocks of float32 `x` (from `xo`) into `y` (from byte `yo`). */
export type QuantizeBlocks = (x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number) => void;
/** Decodes `nBlocks` blocks of `y` (from byte `yo`) into float32 `out` (from `oo`). */
export type DequantizeBlocks = (y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number) => void;

/**
 * Encodes one row of `n` float32 values of `x` (from `xo`) into `y` (from byte `yo`), weighting
 * column j by the importance `qw[qo + j]` (ggml's `quant_weights`: an imatrix row).
 */
export type QuantizeRowWeighted = (x: Float32Array, xo: number, y: Uint8Array, yo: number, n: number, qw: Float32Array, qo: number) => void;

export interface GgmlCodec {
    readonly type: GgmlType;
    readonly blockSize: number;
    readonly typeSize: number;
    /** Absent for types r1 can only read (IQ1/IQ2/IQ3: their grid quantizers need an importance matrix). */
    readonly quantize?: QuantizeBlocks;
    /** ggml's path with importance weights; absent where ggml ignores them (Q8_0, TQ*, floats). */
    readonly quantizeWeighted?: QuantizeRowWeighted;
    readonly dequantize: DequantizeBlocks;
    /** Which implementation `quantize` is: the WebAssembly module's, or the JS reference (the fallback). */
    readonly backend: "wasm" | "js";
    /** Which implementation `quantizeWeighted` is (absent with it). */
    readonly weightedBackend?: "wasm" | "js";
}

/** No codec for this type, or r1 can read but not write it. */
export class UnsupportedTensorTypeError extends R1Error {
    constructor(readonly tensorType: number, readonly operation: "quantize" | "dequantize") {
        super(`r1 cannot ${operation} tensors of type ${GgmlType[tensorType] ?? tensorType}`,
            {hint: operation === "quantize" ? "choose a K-quant, Q8_0, Q4_0 or IQ4_XS type" : undefined});
    }
}

/** A buffer whose length does not hold whole blocks of the type. */
export class BadBlockLengthError extends R1Error {
    constructor(readonly tensorType: GgmlType, readonly length: number, readonly blockSize: number) {
        super(`${length} is not a multiple of ${GgmlType[tensorType]}'s block size ${blockSize}`);
    }
}

// ggml quantizes these grid types without an imatrix too (llama-quantize does so only for `token_embd`
// and `output`); IQ2_XXS, IQ2_XS and IQ1_S have no such path.
const gridQuantizersWithoutWeights = new Map<GgmlType, QuantizeBlocks>([
    [GgmlType.IQ2_S, iq2.quantizeIQ2_S],
    [GgmlType.IQ3_XXS, iq3.quantizeIQ3_XXS],
    [GgmlType.IQ3_S, iq3.quantizeIQ3_S],
    [GgmlType.IQ1_M, iq1.quantizeIQ1_M]
]);

const table: Array<[GgmlType, QuantizeBlocks | undefined, DequantizeBlocks]> = [
    [GgmlType.F32, fl.quantizeF32, fl.dequantizeF32],
    [GgmlType.F16, fl.quantizeF16, fl.dequantizeF16],
    [GgmlType.BF16, fl.quantizeBF16, fl.dequantizeBF16],
    [GgmlType.Q8_0, lq.quantizeQ8_0, lq.dequantizeQ8_0],
    [GgmlType.Q4_0, lq.quantizeQ4_0, lq.dequantizeQ4_0],
    [GgmlType.Q4_1, lq.quantizeQ4_1, lq.dequantizeQ4_1],
    [GgmlType.Q5_0, lq.quantizeQ5_0, lq.dequantizeQ5_0],
    [GgmlType.Q5_1, lq.quantizeQ5_1, lq.dequantizeQ5_1],
    [GgmlType.Q2_K, kq.quantizeQ2_K, kq.dequantizeQ2_K],
    [GgmlType.Q3_K, kq.quantizeQ3_K, kq.dequantizeQ3_K],
    [GgmlType.Q4_K, kq.quantizeQ4_K, kq.dequantizeQ4_K],
    [GgmlType.Q5_K, kq.quantizeQ5_K, kq.dequantizeQ5_K],
    [GgmlType.Q6_K, kq.quantizeQ6_K, kq.dequantizeQ6_K],
    [GgmlType.IQ4_NL, iq4.quantizeIQ4_NL, iq4.dequantizeIQ4_NL],
    [GgmlType.IQ4_XS, iq4.quantizeIQ4_XS, iq4.dequantizeIQ4_XS],
    [GgmlType.TQ1_0, tq.quantizeTQ1_0, tq.dequantizeTQ1_0],
    [GgmlType.TQ2_0, tq.quantizeTQ2_0, tq.dequantizeTQ2_0],
    ...iqGridDequantizers.map(([t, d]): [GgmlType, QuantizeBlocks | undefined, DequantizeBlocks] => [t, gridQuantizersWithoutWeights.get(t), d])
];

const weighted = new Map<GgmlType, QuantizeRowWeighted>([
    [GgmlType.Q4_0, lqw.quantizeQ4_0Weighted],
    [GgmlType.Q4_1, lqw.quantizeQ4_1Weighted],
    [GgmlType.Q5_0, lqw.quantizeQ5_0Weighted],
    [GgmlType.Q5_1, lqw.quantizeQ5_1Weighted],
    [GgmlType.Q2_K, kqw.quantizeQ2_KWeighted],
    [GgmlType.Q3_K, kqw.quantizeQ3_KWeighted],
    [GgmlType.Q4_K, kqw.quantizeQ4_KWeighted],
    [GgmlType.Q5_K, kqw.quantizeQ5_KWeighted],
    [GgmlType.Q6_K, kqw.quantizeQ6_KWeighted],
    [GgmlType.IQ4_NL, iq4.quantizeIQ4_NLWeighted],
    [GgmlType.IQ4_XS, iq4.quantizeIQ4_XSWeighted],
    [GgmlType.IQ2_XXS, iq2.quantizeIQ2_XXSWeighted],
    [GgmlType.IQ2_XS, iq2.quantizeIQ2_XSWeighted],
    [GgmlType.IQ2_S, iq2.quantizeIQ2_SWeighted],
    [GgmlType.IQ3_XXS, iq3.quantizeIQ3_XXSWeighted],
    [GgmlType.IQ3_S, iq3.quantizeIQ3_SWeighted],
    [GgmlType.IQ1_S, iq1.quantizeIQ1_SWeighted],
    [GgmlType.IQ1_M, iq1.quantizeIQ1_MWeighted]
]);

// The WASM quantizer replaces the JS one wherever the module loaded; the JS codecs stay the reference
// (tests compare the two byte for byte) and the fallback.
const codecs = new Map<GgmlType, GgmlCodec>(table.map(([type, jsQuantize, dequantize]) => {
    const t = ggmlTypeTraits(type)!;
    const jsWeighted = weighted.get(type);
    const wasmWeighted = jsWeighted ? wasmWeightedQuantizers.get(type) : undefined;
    const w = wasmWeighted ?? jsWeighted;
    const wasm = jsQuantize ? wasmQuantizers.get(type) : undefined;
    const quantize = wasm ?? jsQuantize;
    return [type, {type, blockSize: t.blockSize, typeSize: t.typeSize, dequantize, backend: wasm ? "wasm" : "js",
        ...(quantize ? {quantize} : {}), ...(w ? {quantizeWeighted: w, weightedBackend: wasmWeighted ? "wasm" : "js"} : {})}];
}));

/** The codec of a type, or `undefined` when r1 has none. */
export function ggmlCodec(type: GgmlType): GgmlCodec | undefined {
    return codecs.get(type);
}

/**
 * Quantizes `src` (a whole number of blocks; rows never interact, so any row split gives the
 * same bytes) into `dst`, or a new buffer. Returns the bytes written.
 */
export function quantize(type: GgmlType, src: Float32Array, dst?: Uint8Array): Uint8Array {
    const c = codecs.get(type);
    if (c?.quantize === undefined) throw new UnsupportedTensorTypeError(type, "quantize");
    if (src.length % c.blockSize !== 0) throw new BadBlockLengthError(type, src.length, c.blockSize);
    const nBlocks = src.length / c.blockSize;
    const out = dst ?? new Uint8Array(nBlocks * c.typeSize);
    if (out.length < nBlocks * c.typeSize) throw new RangeError("destination too small");
    c.quantize(src, 0, out, 0, nBlocks);
    return out.subarray(0, nBlocks * c.typeSize);
}

/**
 * Quantizes whole rows of `nPerRow` values like `ggml_quantize_chunk(type, src, dst, 0, nrows,
 * n_per_row, imatrix)`: with `importance` (one weight per column) through the weighted path
 * where ggml has one, else as {@link quantize}.
 */
export function quantizeRows(type: GgmlType, src: Float32Array, nPerRow: number, importance?: Float32Array, dst?: Uint8Array): Uint8Array {
    const c = codecs.get(type);
    if (c === undefined) throw new UnsupportedTensorTypeError(type, "quantize");
    if (importance === undefined || c.quantizeWeighted === undefined) return quantize(type, src, dst);
    if (nPerRow % c.blockSize !== 0 || src.length % nPerRow !== 0) throw new BadBlockLengthError(type, nPerRow, c.blockSize);
    if (importance.length < nPerRow) throw new RangeError(`importance has ${importance.length} weights for rows of ${nPerRow}`);
    const rowBytes = nPerRow / c.blockSize * c.typeSize, nRows = src.length / nPerRow;
    const out = dst ?? new Uint8Array(nRows * rowBytes);
    if (out.length < nRows * rowBytes) throw new RangeError("destination too small");
    for (let r = 0; r < nRows; r++) c.quantizeWeighted(src, r * nPerRow, out, r * rowBytes, nPerRow, importance, 0);
    return out.subarray(0, nRows * rowBytes);
}

/** Decodes `n` elements of `type` from `src` into `dst` (or a new array). */
export function dequantize(type: GgmlType, src: Uint8Array, n: number, dst?: Float32Array): Float32Array {
    const c = codecs.get(type);
    if (c === undefined) throw new UnsupportedTensorTypeError(type, "dequantize");
    if (n % c.blockSize !== 0) throw new BadBlockLengthError(type, n, c.blockSize);
    const nBlocks = n / c.blockSize;
    if (src.length < nBlocks * c.typeSize) throw new BadBlockLengthError(type, src.length, c.typeSize);
    const out = dst ?? new Float32Array(n);
    c.dequantize(src, 0, out, 0, nBlocks);
    return out.subarray(0, n);
}
