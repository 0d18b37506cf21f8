import type {GgmlType} from "./GgmlType.js";

/** One tensor as the header describes it. */
export interface GgufTensorInfo {
    readonly name: string;
    /** `ne` as stored (length = n_dims), fastest-varying dimension first. */
    readonly shape: readonly number[];
    readonly type: GgmlType;
    /** Byte offset of the data relative to the data section of its part. */
    readonly offset: number;
    /** Bytes of data (elements / block size × block bytes), without padding. */
    readonly byteSize: number;
    /** Product of the shape. */
    readonly elements: number;
    /** Index into `GgufFile.parts` of the file holding the data (0 unless split). */
    readonly part: number;
    /** Absolute byte position of the data in that part's file. */
    readonly fileOffset: number;
}
