import {GgmlType, ggmlTypeTraits} from "../gguf/GgmlType.js";
import {ggmlCodec, UnsupportedTensorTypeError, BadBlockLengthError} from "./codecs.js";
import {wasmConvert} from "./codecs/wasmCodecs.js";

// Reused float32 scratch: a worker converts one slice at a time, so one buffer per thread.
let scratch = new Float32Array(0);

/** Importance weights for a run of whole rows (llama-quant's `imatrix_for_row`). */
export interface RowImportance {
    /** `nPerRow × n_expert` weights, expert-major (may be shared memory). */
    readonly weights: Float32Array;
    /** Row length (the tensor's ne0). */
    readonly nPerRow: number;
    /** Index of the first row in the tensor (rows counted across all experts). */
    readonly firstRow: number;
    /** Rows per expert matrix (ne1): row r uses the weights of expert ⌊r / rowsPerExpert⌋. */
    readonly rowsPerExpert: number;
}

/**
 * Converts `elements` values of `sourceType` in `source` to `targetType`: widen to float32
 * exactly (F16/BF16, or dequantize a quantized source), then quantize (spec §6.1 step 4).
 * Blocks never interact, so any split on whole source and target blocks gives the same bytes.
 */
export function convertTensorData(sourceType: GgmlType, source: Uint8Array, elements: number, targetType: GgmlType, importance?: RowImportance): Uint8Array {
    const from = ggmlCodec(sourceType);
    const to = ggmlCodec(targetType);
    if (from === undefined) throw new UnsupportedTensorTypeError(sourceType, "dequantize");
    if (to === undefined || (to.quantize === undefined && (importance === undefined || to.quantizeWeighted === undefined)))
        throw new UnsupportedTensorTypeError(targetType, "quantize");
    if (elements % from.blockSize !== 0) throw new BadBlockLengthError(sourceType, elements, from.blockSize);
    if (elements % to.blockSize !== 0) throw new BadBlockLengthError(targetType, elements, to.blockSize);
    const out = new Uint8Array(elements / to.blockSize * to.typeSize);
    const weighted = importance !== undefined && to.quantizeWeighted !== undefined;
    // Float sources widen inside the WebAssembly module: no float32 copy of the slice in JS.
    if (!weighted && wasmConvert(sourceType, source, elements, targetType, out)) return out;
    if (scratch.length < elements) scratch = new Float32Array(elements);
    from.dequantize(source, 0, scratch, 0, elements / from.blockSize);
    if (weighted) {
        const {weights, nPerRow, firstRow, rowsPerExpert} = importance;
        if (nPerRow % to.blockSize !== 0 || elements % nPerRow !== 0) throw new BadBlockLengthError(targetType, nPerRow, to.blockSize);
        const rowBytes = nPerRow / to.blockSize * to.typeSize;
        for (let r = 0; r < elements / nPerRow; r++) {
            const expert = Math.floor((firstRow + r) / rowsPerExpert);
            if ((expert + 1) * nPerRow > weights.length) throw new RangeError(`row ${firstRow + r} has no importance weights`);
            to.quantizeWeighted(scratch, r * nPerRow, out, r * rowBytes, nPerRow, weights, expert * nPerRow);
        }
        return out;
    }
    if (to.quantize === undefined) throw new UnsupportedTensorTypeError(targetType, "quantize");
    to.quantize(scratch, 0, out, 0, elements / to.blockSize);
    return out;
}

/** Bytes of one row of `rowLength` elements. */
export function rowBytes(type: GgmlType, rowLength: number): number {
    const t = ggmlTypeTraits(type);
    if (t === undefined) throw new RangeError(`unknown ggml type ${type}`);
    return rowLength / t.blockSize * t.typeSize;
}
