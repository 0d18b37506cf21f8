import {GgmlType, ggmlTypeTraits} from "../gguf/GgmlType.js";
import {ggmlCodec, UnsupportedTensorTypeError, BadBlockLengthError} from "./codecs.js";

// Reused float32 scratch: a worker converts one slice at a time, so one buffer per thread.
let scratch = new Float32Array(0);

/**
 * Converts `elements` values of `sourceType` in `source` to `targetType`: widen to float32
 * exactly (F16/BF16, or dequantize a quantized source), then quantize (spec §6.1 step 4).
 * Blocks never interact, so any split on whole source and target blocks gives the same bytes.
 */
export function convertTensorData(sourceType: GgmlType, source: Uint8Array, elements: number, targetType: GgmlType): Uint8Array {
    const from = ggmlCodec(sourceType);
    const to = ggmlCodec(targetType);
    if (from === undefined) throw new UnsupportedTensorTypeError(sourceType, "dequantize");
    if (to?.quantize === undefined) throw new UnsupportedTensorTypeError(targetType, "quantize");
    if (elements % from.blockSize !== 0) throw new BadBlockLengthError(sourceType, elements, from.blockSize);
    if (elements % to.blockSize !== 0) throw new BadBlockLengthError(targetType, elements, to.blockSize);
    if (scratch.length < elements) scratch = new Float32Array(elements);
    from.dequantize(source, 0, scratch, 0, elements / from.blockSize);
    const out = new Uint8Array(elements / to.blockSize * to.typeSize);
    to.quantize(scratch, 0, out, 0, elements / to.blockSize);
    return out;
}

/** Bytes of one row of `rowLength` elements. */
export function rowBytes(type: GgmlType, rowLength: number): number {
    const t = ggmlTypeTraits(type);
    if (t === undefined) throw new RangeError(`unknown ggml type ${type}`);
    return rowLength / t.blockSize * t.typeSize;
}
