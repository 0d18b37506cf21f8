import {GgmlType, ggmlTypeTraits} from "./GgmlType.js";
import {GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC} from "./GgufFile.js";
import type {GgufMetadata, GgufMetadataEntry, GgufNumericArray} from "./GgufMetadata.js";
import {GgufValueType, ggufValueTypeSize} from "./GgufValueType.js";
import {GgufDuplicateError} from "./errors/GgufDuplicateError.js";
import {GgufInvalidError} from "./errors/GgufInvalidError.js";
import {MAX_ALIGNMENT, MAX_TENSOR_DIMS, MAX_TENSOR_NAME_BYTES} from "./limits.js";

/** What the header needs to know about a tensor: no data. */
export interface GgufTensorSpec {
    readonly name: string;
    /** `ne`, fastest first; written with exactly this many dimensions (see `ggmlNDims`). */
    readonly shape: readonly number[];
    readonly type: GgmlType;
}

export interface GgufLayoutEntry {
    readonly name: string;
    /** Offset relative to the data section. */
    readonly offset: number;
    readonly byteSize: number;
    /** Zero bytes written after the data to reach the alignment. */
    readonly padding: number;
}

export interface SerializedGgufHeader {
    /** Header bytes including the zero padding up to the data section. */
    readonly bytes: Uint8Array;
    readonly dataOffset: number;
    readonly alignment: number;
    /** Where each tensor's data goes, in the order given. */
    readonly layout: GgufLayoutEntry[];
    /** Size of the whole file once all tensor data (and padding) is written. */
    readonly fileSize: number;
}

export interface SerializeGgufHeaderOptions {
    readonly metadata: GgufMetadata;
    readonly tensors: readonly GgufTensorSpec[];
    /**
     * Alignment of the data section and of each tensor. Defaults to the metadata's
     * `general.alignment`, else 32. (llama-quantize always lays out with 32: pass 32 to match it.)
     */
    readonly alignment?: number;
}

/**
 * Encodes a GGUF v3 header from metadata and tensor shapes alone, laying the tensors out
 * contiguously in the given order (as ggml requires), each padded to the alignment.
 * Pure: the data itself is streamed afterwards by `writeGgufIter` (or by the caller at `dataOffset`).
 */
export function serializeGgufHeader(options: SerializeGgufHeaderOptions): SerializedGgufHeader {
    const alignment = options.alignment ?? defaultAlignment(options.metadata);
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0 || alignment > MAX_ALIGNMENT)
        throw new GgufInvalidError(-1, "bad-alignment", `GGUF alignment must be a power of two up to ${MAX_ALIGNMENT}, got ${alignment}`);
    const w = new ByteWriter();
    w.u32(GGUF_MAGIC);
    w.u32(3);
    w.u64(BigInt(options.tensors.length));
    w.u64(BigInt(options.metadata.size));
    for (const entry of options.metadata.entries()) writeEntry(w, entry);
    const layout: GgufLayoutEntry[] = [];
    const names = new Set<string>();
    let offset = 0;
    for (const tensor of options.tensors) {
        const byteSize = tensorByteSize(tensor);
        if (names.has(tensor.name)) throw new GgufDuplicateError(-1, "tensor", tensor.name);
        names.add(tensor.name);
        w.string(tensor.name);
        w.u32(tensor.shape.length);
        for (const ne of tensor.shape) w.u64(BigInt(ne));
        w.i32(tensor.type);
        w.u64(BigInt(offset));
        const padded = pad(byteSize, alignment);
        layout.push({name: tensor.name, offset, byteSize, padding: padded - byteSize});
        offset += padded;
    }
    const dataOffset = pad(w.length, alignment);
    w.zeros(dataOffset - w.length);
    return {bytes: w.result(), dataOffset, alignment, layout, fileSize: dataOffset + offset};
}

/** `ggml_n_dims`: the shape with trailing 1-sized dimensions dropped (at least one dimension), as ggml writes it. */
export function ggmlNDims(shape: readonly number[]): number[] {
    let n = shape.length;
    while (n > 1 && shape[n - 1] === 1) n--;
    return shape.slice(0, Math.max(1, n));
}

/** Bytes of a tensor's data, validating its name, shape and type. */
export function tensorByteSize(tensor: GgufTensorSpec): number {
    const traits = ggmlTypeTraits(tensor.type);
    if (traits === undefined) throw new GgufInvalidError(-1, "unknown-tensor-type", `tensor ${tensor.name} has unknown ggml type ${tensor.type}`);
    if (Buffer.byteLength(tensor.name) > MAX_TENSOR_NAME_BYTES || tensor.name.length === 0)
        throw new GgufInvalidError(-1, "bad-name", `tensor name ${JSON.stringify(tensor.name)} must be 1 to ${MAX_TENSOR_NAME_BYTES} bytes`);
    if (tensor.shape.length > MAX_TENSOR_DIMS || tensor.shape.some((ne) => !Number.isSafeInteger(ne) || ne < 0))
        throw new GgufInvalidError(-1, "bad-shape", `tensor ${tensor.name} has an invalid shape [${tensor.shape.join(", ")}]`);
    if ((tensor.shape[0] ?? 1) % traits.blockSize !== 0)
        throw new GgufInvalidError(-1, "bad-shape", `tensor ${tensor.name} has rows of ${tensor.shape[0]}, not a multiple of ${traits.name}'s block of ${traits.blockSize}`);
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    return elements / traits.blockSize * traits.typeSize;
}

function pad(x: number, n: number): number {
    return Math.ceil(x / n) * n;
}

function defaultAlignment(metadata: GgufMetadata): number {
    const value = metadata.get("general.alignment")?.value;
    return typeof value === "number" ? value : GGUF_DEFAULT_ALIGNMENT;
}

function writeEntry(w: ByteWriter, entry: GgufMetadataEntry): void {
    if (entry.key.length === 0) throw new GgufInvalidError(-1, "empty-key", "GGUF metadata keys must not be empty");
    w.string(entry.key);
    w.i32(entry.type);
    if (entry.type === GgufValueType.ARRAY) {
        const arrayType = entry.arrayType;
        if (arrayType === undefined || arrayType === GgufValueType.ARRAY)
            throw new GgufInvalidError(-1, "nested-array", `GGUF key ${entry.key} needs a scalar element type`);
        const values = entry.value as ArrayLike<unknown>;
        w.i32(arrayType);
        w.u64(BigInt(values.length));
        if (arrayType === GgufValueType.STRING) {
            const strings = values as string[];
            for (let i = 0; i < strings.length; i++) w.string(strings[i]!, entry.rawStrings?.get(i));
        } else if (arrayType === GgufValueType.BOOL) {
            for (const b of values as boolean[]) w.u8(b ? 1 : 0);
        } else {
            w.numericArray(arrayType, values as GgufNumericArray, entry.key);
        }
        return;
    }
    if (entry.type === GgufValueType.STRING) w.string(entry.value as string, entry.rawStrings?.get(0));
    else w.scalar(entry.type, entry.value, entry.key);
}

/** Little-endian writer into a buffer that doubles as needed. */
class ByteWriter {
    private buf = Buffer.alloc(64 * 1024);
    length = 0;

    private ensure(n: number): number {
        const at = this.length;
        if (at + n > this.buf.length) {
            const grown = Buffer.alloc(Math.max(this.buf.length * 2, at + n));
            this.buf.copy(grown, 0, 0, at);
            this.buf = grown;
        }
        this.length += n;
        return at;
    }

    // `ensure` may replace `buf`, so it runs before `buf` is read.
    u8(v: number): void { const at = this.ensure(1); this.buf.writeUInt8(v, at); }
    u32(v: number): void { const at = this.ensure(4); this.buf.writeUInt32LE(v, at); }
    i32(v: number): void { const at = this.ensure(4); this.buf.writeInt32LE(v, at); }
    u64(v: bigint): void { const at = this.ensure(8); this.buf.writeBigUInt64LE(v, at); }
    zeros(n: number): void { this.ensure(n); }

    bytes(b: Uint8Array): void {
        const at = this.ensure(b.length);
        this.buf.set(b, at);
    }

    string(s: string, raw?: Uint8Array): void {
        const encoded = raw ?? Buffer.from(s, "utf8");
        this.u64(BigInt(encoded.length));
        this.bytes(encoded);
    }

    scalar(type: GgufValueType, value: unknown, key: string): void {
        const size = ggufValueTypeSize(type);
        if (size === undefined) throw new GgufInvalidError(-1, "unknown-value-type", `GGUF key ${key} has unknown type ${type}`);
        const at = this.ensure(size);
        const b = this.buf;
        try {
            switch (type) {
                case GgufValueType.UINT8: b.writeUInt8(value as number, at); break;
                case GgufValueType.INT8: b.writeInt8(value as number, at); break;
                case GgufValueType.UINT16: b.writeUInt16LE(value as number, at); break;
                case GgufValueType.INT16: b.writeInt16LE(value as number, at); break;
                case GgufValueType.UINT32: b.writeUInt32LE(value as number, at); break;
                case GgufValueType.INT32: b.writeInt32LE(value as number, at); break;
                case GgufValueType.FLOAT32: b.writeFloatLE(value as number, at); break;
                case GgufValueType.BOOL: b.writeUInt8(value === true ? 1 : 0, at); break;
                case GgufValueType.UINT64: b.writeBigUInt64LE(BigInt(value as bigint | number), at); break;
                case GgufValueType.INT64: b.writeBigInt64LE(BigInt(value as bigint | number), at); break;
                default: b.writeDoubleLE(value as number, at);
            }
        } catch (error) {
            throw new GgufInvalidError(-1, "value-range", `GGUF key ${key}: ${String(value)} does not fit ${GgufValueType[type]}`);
        }
    }

    numericArray(type: GgufValueType, values: GgufNumericArray, key: string): void {
        const size = ggufValueTypeSize(type)!;
        const view = ArrayBuffer.isView(values) ? values : undefined;
        if (view !== undefined && view.BYTES_PER_ELEMENT === size && sameKind(type, view)) {
            // Typed arrays are little-endian on every platform Node supports: copy the bytes.
            this.bytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
            return;
        }
        for (const v of Array.from(values as ArrayLike<number | bigint>)) this.scalar(type, v, key);
    }

    result(): Uint8Array {
        return this.buf.subarray(0, this.length);
    }
}

function sameKind(type: GgufValueType, view: GgufNumericArray): boolean {
    switch (type) {
        case GgufValueType.UINT8: return view instanceof Uint8Array;
        case GgufValueType.INT8: return view instanceof Int8Array;
        case GgufValueType.UINT16: return view instanceof Uint16Array;
        case GgufValueType.INT16: return view instanceof Int16Array;
        case GgufValueType.UINT32: return view instanceof Uint32Array;
        case GgufValueType.INT32: return view instanceof Int32Array;
        case GgufValueType.FLOAT32: return view instanceof Float32Array;
        case GgufValueType.UINT64: return view instanceof BigUint64Array;
        case GgufValueType.INT64: return view instanceof BigInt64Array;
        default: return view instanceof Float64Array;
    }
}
