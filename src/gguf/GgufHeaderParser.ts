import {GgmlType, ggmlTypeTraits} from "./GgmlType.js";
import {GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC} from "./GgufFile.js";
import {GgufMetadata, type GgufArrayValue, type GgufMetadataEntry, type GgufValue} from "./GgufMetadata.js";
import {GgufValueType, ggufValueTypeSize, isGgufValueType} from "./GgufValueType.js";
import {GgufDuplicateError} from "./errors/GgufDuplicateError.js";
import {GgufInvalidError} from "./errors/GgufInvalidError.js";
import {GgufLimitError} from "./errors/GgufLimitError.js";
import {GgufMagicError} from "./errors/GgufMagicError.js";
import {GgufTruncatedError} from "./errors/GgufTruncatedError.js";
import {GgufUnknownTypeError} from "./errors/GgufUnknownTypeError.js";
import {GgufVersionError} from "./errors/GgufVersionError.js";
import {
    MAX_ALIGNMENT, MAX_ARRAY_LENGTH, MAX_HEADER_BYTES, MAX_KEY_BYTES, MAX_KV_COUNT, MAX_STRING_BYTES,
    MAX_TENSOR_COUNT, MAX_TENSOR_DIMS, MAX_TENSOR_NAME_BYTES
} from "./limits.js";

/**
 * Thrown by the parser when the bytes given so far end before the header does. Internal: the
 * reader catches it, fetches more of the file and calls `parse` again.
 */
export class GgufNeedMoreBytes extends Error {
    constructor(readonly end: number) {
        super(`need ${end} bytes`);
    }
}

/** A tensor info before it is placed in a part. */
export interface ParsedTensorInfo {
    readonly name: string;
    readonly shape: number[];
    readonly type: GgmlType;
    readonly offset: number;
    readonly byteSize: number;
    readonly elements: number;
}

export interface ParsedGgufHeader {
    readonly version: number;
    readonly metadata: GgufMetadata;
    readonly tensors: ParsedTensorInfo[];
    readonly alignment: number;
    readonly headerSize: number;
    readonly dataOffset: number;
}

/**
 * Resumable, synchronous parser of a GGUF header over a growing prefix of the file. Each call to
 * `parse(prefix)` continues from the last complete record; when the prefix is too short it throws
 * `GgufNeedMoreBytes` (or `GgufTruncatedError` when even the whole file is too short). All sizes
 * are checked against the named limits and the file size before anything is allocated.
 */
export class GgufHeaderParser {
    private bytes: Uint8Array = new Uint8Array(0);
    private buf: Buffer = Buffer.alloc(0);
    private view: DataView = new DataView(new ArrayBuffer(0));
    private pos = 0;
    private version = 0;
    private tensorCount = 0;
    private kvCount = 0;
    private readonly entries: GgufMetadataEntry[] = [];
    private readonly keys = new Set<string>();
    private readonly tensors: ParsedTensorInfo[] = [];
    private readonly tensorNames = new Set<string>();

    constructor(private readonly fileSize: number) {}

    parse(prefix: Uint8Array): ParsedGgufHeader {
        this.bytes = prefix;
        this.buf = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
        this.view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
        if (this.pos === 0) this.readFixedHeader();
        while (this.entries.length < this.kvCount) {
            const start = this.pos;
            try {
                this.readKv();
            } catch (error) {
                this.pos = start;
                throw error;
            }
        }
        while (this.tensors.length < this.tensorCount) {
            const start = this.pos;
            try {
                this.readTensorInfo();
            } catch (error) {
                this.pos = start;
                throw error;
            }
        }
        return this.finish();
    }

    private readFixedHeader(): void {
        if (this.fileSize < 4 || this.bytes.length >= 4) {
            const magic = this.bytes.subarray(0, 4);
            if (magic.length < 4 || this.view.getUint32(0, true) !== GGUF_MAGIC) throw new GgufMagicError(magic);
        }
        this.need(24, "header");
        const version = this.view.getUint32(4, true);
        if (version !== 2 && version !== 3) throw new GgufVersionError(version);
        const tensorCount = this.view.getBigUint64(8, true);
        const kvCount = this.view.getBigUint64(16, true);
        if (tensorCount > BigInt(MAX_TENSOR_COUNT)) throw new GgufLimitError(8, "MAX_TENSOR_COUNT", "tensor count", tensorCount, MAX_TENSOR_COUNT);
        if (kvCount > BigInt(MAX_KV_COUNT)) throw new GgufLimitError(16, "MAX_KV_COUNT", "metadata key count", kvCount, MAX_KV_COUNT);
        this.version = version;
        this.tensorCount = Number(tensorCount);
        this.kvCount = Number(kvCount);
        this.pos = 24;
    }

    private readKv(): void {
        const at = this.pos;
        const key = this.readString(MAX_KEY_BYTES, "MAX_KEY_BYTES", "metadata key");
        if (key.length === 0) throw new GgufInvalidError(at, "empty-key", `GGUF has an empty metadata key at byte ${at}`);
        if (this.keys.has(key)) throw new GgufDuplicateError(at, "key", key);
        const typeAt = this.pos;
        const type = this.readI32("value type");
        if (!isGgufValueType(type)) throw new GgufUnknownTypeError(typeAt, "value", type, `key ${JSON.stringify(key)}`);
        let entry: GgufMetadataEntry;
        if (type === GgufValueType.ARRAY) {
            const elemAt = this.pos;
            const arrayType = this.readI32("array element type");
            if (!isGgufValueType(arrayType)) throw new GgufUnknownTypeError(elemAt, "value", arrayType, `array ${JSON.stringify(key)}`);
            if (arrayType === GgufValueType.ARRAY) throw new GgufInvalidError(elemAt, "nested-array", `GGUF key ${JSON.stringify(key)} at byte ${elemAt} is a nested array, which ggml rejects`);
            const {value, rawStrings} = this.readArray(arrayType, key);
            entry = rawStrings === undefined ? {key, type, arrayType, value} : {key, type, arrayType, value, rawStrings};
        } else if (type === GgufValueType.STRING) {
            const value = this.readString(MAX_STRING_BYTES, "MAX_STRING_BYTES", `string ${JSON.stringify(key)}`);
            const raw = this.lastRaw;
            entry = raw === undefined ? {key, type, value} : {key, type, value, rawStrings: new Map([[0, raw]])};
        } else {
            entry = {key, type, value: this.readScalar(type)};
        }
        this.keys.add(key);
        this.entries.push(entry);
    }

    private readTensorInfo(): void {
        const at = this.pos;
        const name = this.readString(MAX_TENSOR_NAME_BYTES, "MAX_TENSOR_NAME_BYTES", "tensor name");
        if (this.tensorNames.has(name)) throw new GgufDuplicateError(at, "tensor", name);
        const dimsAt = this.pos;
        this.need(4, "tensor dimension count");
        const nDims = this.view.getUint32(this.pos, true);
        this.pos += 4;
        if (nDims > MAX_TENSOR_DIMS) throw new GgufLimitError(dimsAt, "MAX_TENSOR_DIMS", `dimension count of tensor ${name}`, nDims, MAX_TENSOR_DIMS);
        this.need(8 * nDims + 12, "tensor info");
        const shape: number[] = [];
        let elements = 1;
        for (let i = 0; i < nDims; i++) {
            const ne = this.view.getBigInt64(this.pos, true);
            if (ne < 0n || ne > BigInt(Number.MAX_SAFE_INTEGER))
                throw new GgufInvalidError(this.pos, "bad-shape", `GGUF tensor ${name} has dimension ${ne} at byte ${this.pos}`);
            shape.push(Number(ne));
            elements *= Number(ne);
            this.pos += 8;
        }
        if (!Number.isSafeInteger(elements))
            throw new GgufInvalidError(dimsAt, "bad-shape", `GGUF tensor ${name} has ${elements} elements, more than any file can hold`);
        const typeAt = this.pos;
        const type = this.view.getInt32(this.pos, true);
        const traits = ggmlTypeTraits(type);
        if (traits === undefined) throw new GgufUnknownTypeError(typeAt, "tensor", type, `tensor ${name}`);
        if ((shape[0] ?? 1) % traits.blockSize !== 0)
            throw new GgufInvalidError(dimsAt, "bad-shape", `GGUF tensor ${name} has rows of ${shape[0]}, not a multiple of ${traits.name}'s block of ${traits.blockSize}`);
        const offset = this.view.getBigUint64(this.pos + 4, true);
        if (offset > BigInt(Number.MAX_SAFE_INTEGER))
            throw new GgufTruncatedError(typeAt + 4, Number.MAX_SAFE_INTEGER, this.fileSize, `tensor ${name} data offset ${offset}`);
        this.pos += 12;
        this.tensorNames.add(name);
        this.tensors.push({name, shape, type: type as GgmlType, offset: Number(offset), elements, byteSize: elements / traits.blockSize * traits.typeSize});
    }

    private finish(): ParsedGgufHeader {
        const metadata = new GgufMetadata(this.entries);
        const alignment = this.alignment(metadata);
        const headerSize = this.pos;
        const dataOffset = Math.ceil(headerSize / alignment) * alignment;
        for (const tensor of this.tensors) {
            if (tensor.offset % alignment !== 0)
                throw new GgufInvalidError(headerSize, "misaligned-tensor", `GGUF tensor ${tensor.name} data offset ${tensor.offset} is not a multiple of the alignment ${alignment}`);
            const end = dataOffset + tensor.offset + tensor.byteSize;
            if (end > this.fileSize)
                throw new GgufTruncatedError(dataOffset + tensor.offset, end, this.fileSize, `data of tensor ${tensor.name}`);
        }
        return {version: this.version, metadata, tensors: this.tensors, alignment, headerSize, dataOffset};
    }

    private alignment(metadata: GgufMetadata): number {
        const entry = metadata.get("general.alignment");
        if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
        const value = entry.value;
        if (entry.type !== GgufValueType.UINT32 || typeof value !== "number" || value === 0 || (value & (value - 1)) !== 0 || value > MAX_ALIGNMENT)
            throw new GgufInvalidError(-1, "bad-alignment", `GGUF general.alignment must be a power-of-two UINT32 up to ${MAX_ALIGNMENT}, got ${GgufValueType[entry.type]} ${String(value)}`);
        return value;
    }

    /** Ensures `n` more bytes from `pos` are in the prefix, or says why not. */
    private need(n: number, what: string): void {
        const end = this.pos + n;
        if (end <= this.bytes.length) return;
        if (end > this.fileSize) throw new GgufTruncatedError(this.pos, end, this.fileSize, what);
        if (end > MAX_HEADER_BYTES) throw new GgufLimitError(this.pos, "MAX_HEADER_BYTES", "header size", end, MAX_HEADER_BYTES);
        throw new GgufNeedMoreBytes(end);
    }

    private readI32(what: string): number {
        this.need(4, what);
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
    }

    private readLength(limit: number, limitName: string, what: string): number {
        const at = this.pos;
        this.need(8, `length of ${what}`);
        // Two u32 halves instead of a BigInt: this runs once per vocabulary string. Every limit is < 2^32.
        const low = this.view.getUint32(at, true);
        const high = this.view.getUint32(at + 4, true);
        if (high !== 0 || low > limit) throw new GgufLimitError(at, limitName, `length of ${what}`, this.view.getBigUint64(at, true), limit);
        this.pos += 8;
        return low;
    }

    /** Original bytes of the last string read when they are not valid UTF-8, else `undefined`. */
    private lastRaw: Uint8Array | undefined;

    /**
     * Decodes UTF-8, keeping the raw bytes in `lastRaw` only when they are not valid UTF-8 (ggml never
     * validates). Returns a bare string: this runs for every vocabulary entry, so no per-call object.
     */
    private readString(limit: number, limitName: string, what: string): string {
        const length = this.readLength(limit, limitName, what);
        this.need(length, what);
        const start = this.pos;
        this.pos += length;
        const value = this.buf.toString("utf8", start, this.pos);
        this.lastRaw = undefined;
        if (value.includes("\uFFFD")) {
            const raw = this.buf.subarray(start, this.pos);
            if (!Buffer.from(value, "utf8").equals(raw)) this.lastRaw = new Uint8Array(raw);
        }
        return value;
    }

    private readScalar(type: GgufValueType): GgufValue {
        const size = ggufValueTypeSize(type) ?? 0;
        this.need(size, `${GgufValueType[type]} value`);
        const p = this.pos;
        this.pos += size;
        const v = this.view;
        switch (type) {
            case GgufValueType.UINT8: return v.getUint8(p);
            case GgufValueType.INT8: return v.getInt8(p);
            case GgufValueType.UINT16: return v.getUint16(p, true);
            case GgufValueType.INT16: return v.getInt16(p, true);
            case GgufValueType.UINT32: return v.getUint32(p, true);
            case GgufValueType.INT32: return v.getInt32(p, true);
            case GgufValueType.FLOAT32: return v.getFloat32(p, true);
            case GgufValueType.BOOL: return v.getUint8(p) !== 0;
            case GgufValueType.UINT64: return v.getBigUint64(p, true);
            case GgufValueType.INT64: return v.getBigInt64(p, true);
            default: return v.getFloat64(p, true);
        }
    }

    private readArray(type: GgufValueType, key: string): {value: GgufArrayValue, rawStrings?: Map<number, Uint8Array>} {
        const countAt = this.pos;
        const count = this.readLength(MAX_ARRAY_LENGTH, "MAX_ARRAY_LENGTH", `array ${JSON.stringify(key)}`);
        if (type === GgufValueType.STRING) {
            // Every string takes at least its 8-byte length: reject impossible counts before the loop.
            if (this.pos + count * 8 > this.fileSize)
                throw new GgufTruncatedError(countAt, this.pos + count * 8, this.fileSize, `array ${JSON.stringify(key)} of ${count} strings`);
            const values: string[] = new Array<string>(count);
            let rawStrings: Map<number, Uint8Array> | undefined;
            const start = this.pos;
            let i = 0;
            const what = `element of ${JSON.stringify(key)}`;
            try {
                for (; i < count; i++) {
                    values[i] = this.readString(MAX_STRING_BYTES, "MAX_STRING_BYTES", what);
                    if (this.lastRaw !== undefined) (rawStrings ??= new Map()).set(i, this.lastRaw);
                }
            } catch (error) {
                // The record restarts when more bytes arrive: ask for what the whole array probably
                // needs (average element so far × count), so a big vocabulary is re-parsed once, not log(n) times.
                if (error instanceof GgufNeedMoreBytes && i > 0)
                    throw new GgufNeedMoreBytes(Math.max(error.end, Math.min(this.fileSize, start + Math.ceil((this.pos - start) / i * count * 1.05))));
                throw error;
            }
            return rawStrings === undefined ? {value: values} : {value: values, rawStrings};
        }
        const size = ggufValueTypeSize(type) ?? 1;
        this.need(count * size, `array ${JSON.stringify(key)}`);
        const start = this.pos;
        this.pos += count * size;
        // Copy into a fresh, aligned buffer: typed arrays need alignment and must not pin the prefix.
                const copy = new Uint8Array(this.bytes.subarray(start, this.pos)).buffer;
        switch (type) {
            case GgufValueType.UINT8: return {value: new Uint8Array(copy)};
            case GgufValueType.INT8: return {value: new Int8Array(copy)};
            case GgufValueType.UINT16: return {value: new Uint16Array(copy)};
            case GgufValueType.INT16: return {value: new Int16Array(copy)};
            case GgufValueType.UINT32: return {value: new Uint32Array(copy)};
            case GgufValueType.INT32: return {value: new Int32Array(copy)};
            case GgufValueType.FLOAT32: return {value: new Float32Array(copy)};
            case GgufValueType.UINT64: return {value: new BigUint64Array(copy)};
            case GgufValueType.INT64: return {value: new BigInt64Array(copy)};
            case GgufValueType.FLOAT64: return {value: new Float64Array(copy)};
            default: return {value: Array.from(new Uint8Array(copy), (b) => b !== 0)};
        }
    }
}
