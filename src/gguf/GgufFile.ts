import type {GgufMetadata} from "./GgufMetadata.js";
import type {GgufTensorInfo} from "./GgufTensorInfo.js";

/** One physical file of a (possibly split) model. */
export interface GgufPart {
    /** Local path or http(s) URL. */
    readonly source: string;
    readonly version: number;
    readonly fileSize: number;
    readonly alignment: number;
    /** Absolute position of this part's data section. */
    readonly dataOffset: number;
    /** Bytes of header (magic through the last tensor info), before the padding. */
    readonly headerSize: number;
    readonly tensorCount: number;
    /** This part's own metadata (the model's metadata is the first part's). */
    readonly metadata: GgufMetadata;
}

/** A parsed GGUF header; split models (`-00001-of-0000N`) appear as one file with several parts. */
export interface GgufFile {
    /** GGUF version of the first part (2 or 3). */
    readonly version: number;
    /** Metadata of the first part, in file order. */
    readonly metadata: GgufMetadata;
    /** Tensors of all parts, in file order. */
    readonly tensors: GgufTensorInfo[];
    /** Alignment of the first part (`general.alignment`, default 32). */
    readonly alignment: number;
    /** Data section offset of the first part. */
    readonly dataOffset: number;
    /** Total bytes of all parts. */
    readonly fileSize: number;
    readonly parts: GgufPart[];
}

/** `GGUF_DEFAULT_ALIGNMENT`. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** `GGUF` as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
