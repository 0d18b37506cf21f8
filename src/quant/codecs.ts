import {GgmlType, ggmlTypeTraits} from "../gguf/GgmlType.js";
import {R1Error} from "../util/R1Error.js";
import * as fl from "./codecs/floatCodecs.js";
import * as lq from "./codecs/legacyQuants.js";
import * as kq from "./codecs/kQuants.js";
import * as iq4 from "./codecs/iq4Quants.js";
import * as tq from "./codecs/ternaryQuants.js";
import {iqGridDequantizers} from "./codecs/iqGridQuants.js";

/** Encodes `nBlocks` blocks of float32 `x` (from `xo`) into `y` (from byte `yo`). */
export type QuantizeBlocks = (x: Float32Array, xo: number, y: Uint8Array, yo: number, nBlocks: number) => void;
/** Decodes `nBlocks` blocks of `y` (from byte `yo`) into float32 `out` (from `oo`). */
export type DequantizeBlocks = (y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number) => void;

export interface GgmlCodec {
    readonly type: GgmlType;
    readonly blockSize: number;
    readonly typeSize: number;
    /** Absent for types r1 can only read (IQ1/IQ2/IQ3: their grid quantizers need an importance matrix). */
    readonly quantize?: QuantizeBlocks;
    readonly dequantize: DequantizeBlocks;
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
    ...iqGridDequantizers.map(([t, d]): [GgmlType, undefined, DequantizeBlocks] => [t, undefined, d])
];

const codecs = new Map<GgmlType, GgmlCodec>(table.map(([type, quantize, dequantize]) => {
    const t = ggmlTypeTraits(type)!;
    return [type, {type, blockSize: t.blockSize, typeSize: t.typeSize, dequantize, ...(quantize ? {quantize} : {})}];
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
