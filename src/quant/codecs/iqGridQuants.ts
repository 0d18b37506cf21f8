import type {GgmlType} from "../../gguf/GgmlType.js";

/** Dequantizers of the grid types (IQ1/IQ2/IQ3); filled in when their tables are available. */
export const iqGridDequantizers: ReadonlyArray<readonly [GgmlType, (y: Uint8Array, yo: number, out: Float32Array, oo: number, nBlocks: number) => void]> = [];
