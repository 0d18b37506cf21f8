import {GgufValueType} from "./GgufValueType.js";
import {GgufInvalidError} from "./errors/GgufInvalidError.js";

/** Numeric arrays are kept as typed arrays: compact for 150k-entry vocabularies and exact for round trips. */
export type GgufNumericArray =
    Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array |
    BigUint64Array | BigInt64Array | Float64Array;
export type GgufScalarValue = number | bigint | boolean | string;
export type GgufArrayValue = GgufNumericArray | boolean[] | string[];
export type GgufValue = GgufScalarValue | GgufArrayValue;

/** One key/value record, with its exact stored type (UINT64/INT64 values are `bigint`). */
export interface GgufMetadataEntry {
    readonly key: string;
    readonly type: GgufValueType;
    /** Element type when `type` is ARRAY. */
    readonly arrayType?: GgufValueType;
    readonly value: GgufValue;
    /**
     * Original bytes of strings that are not valid UTF-8 (index 0 for a scalar string, else the
     * element index), so writing the file back reproduces them exactly. Absent in the usual case.
     */
    readonly rawStrings?: ReadonlyMap<number, Uint8Array>;
}

/**
 * Ordered GGUF metadata. Order and value types are preserved exactly (a read-then-write is
 * byte-identical). Setting a key follows ggml: it is removed, then appended at the end.
 * Getters return `undefined` for a missing key and throw `GgufInvalidError` for a key of the
 * wrong kind (llama.cpp's loader is equally type-strict).
 */
export class GgufMetadata {
    private readonly _entries = new Map<string, GgufMetadataEntry>();

    constructor(entries: Iterable<GgufMetadataEntry> = []) {
        for (const entry of entries) this._entries.set(entry.key, entry);
    }

    get size(): number {
        return this._entries.size;
    }

    /** Entries in file order. */
    entries(): GgufMetadataEntry[] {
        return [...this._entries.values()];
    }

    keys(): string[] {
        return [...this._entries.keys()];
    }

    has(key: string): boolean {
        return this._entries.has(key);
    }

    get(key: string): GgufMetadataEntry | undefined {
        return this._entries.get(key);
    }

    /** A copy that can be changed without touching this one (values are shared, not copied). */
    clone(): GgufMetadata {
        return new GgufMetadata(this._entries.values());
    }

    /** Removes `key` if present and appends the entry at the end (ggml's `gguf_set_*`). */
    set(entry: GgufMetadataEntry): this {
        this._entries.delete(entry.key);
        this._entries.set(entry.key, entry);
        return this;
    }

    delete(key: string): boolean {
        return this._entries.delete(key);
    }

    setString(key: string, value: string): this {
        return this.set({key, type: GgufValueType.STRING, value});
    }

    setUint32(key: string, value: number): this {
        return this.set({key, type: GgufValueType.UINT32, value: value >>> 0});
    }

    setInt32(key: string, value: number): this {
        return this.set({key, type: GgufValueType.INT32, value: value | 0});
    }

    setFloat32(key: string, value: number): this {
        return this.set({key, type: GgufValueType.FLOAT32, value: Math.fround(value)});
    }

    setBool(key: string, value: boolean): this {
        return this.set({key, type: GgufValueType.BOOL, value});
    }

    setStringArray(key: string, value: string[]): this {
        return this.set({key, type: GgufValueType.ARRAY, arrayType: GgufValueType.STRING, value});
    }

    /** Sets a numeric array; the element type follows the typed array (Int32Array → INT32…). */
    setNumericArray(key: string, value: GgufNumericArray): this {
        return this.set({key, type: GgufValueType.ARRAY, arrayType: numericArrayType(value), value});
    }

    getString(key: string): string | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type !== GgufValueType.STRING) throw wrongType(entry, "a string");
        return entry.value as string;
    }

    /** Any scalar integer or float as a number (64-bit integers must be exactly representable). */
    getNumber(key: string): number | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type === GgufValueType.STRING || entry.type === GgufValueType.ARRAY || entry.type === GgufValueType.BOOL)
            throw wrongType(entry, "a number");
        return toNumber(entry, entry.value as number | bigint);
    }

    getBoolean(key: string): boolean | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type !== GgufValueType.BOOL) throw wrongType(entry, "a bool");
        return entry.value as boolean;
    }

    /** Number of elements of an array key. */
    getArrayLength(key: string): number | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type !== GgufValueType.ARRAY) throw wrongType(entry, "an array");
        return (entry.value as GgufArrayValue).length;
    }

    getStringArray(key: string): string[] | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type !== GgufValueType.ARRAY || entry.arrayType !== GgufValueType.STRING) throw wrongType(entry, "an array of strings");
        return entry.value as string[];
    }

    getNumberArray(key: string): number[] | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        if (entry.type !== GgufValueType.ARRAY || entry.arrayType === GgufValueType.STRING || entry.arrayType === GgufValueType.BOOL)
            throw wrongType(entry, "a numeric array");
        return Array.from(entry.value as ArrayLike<number | bigint>, (v) => toNumber(entry, v));
    }

    /** A per-layer key that may be one number or an array (`head_count`, `feed_forward_length`). */
    getNumberOrArray(key: string): number | number[] | undefined {
        const entry = this._entries.get(key);
        if (entry === undefined) return undefined;
        return entry.type === GgufValueType.ARRAY ? this.getNumberArray(key) : this.getNumber(key);
    }
}

function toNumber(entry: GgufMetadataEntry, value: number | bigint): number {
    if (typeof value === "number") return value;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new GgufInvalidError(-1, "value-range", `GGUF key ${entry.key} holds ${value}, too large to use`);
    return n;
}

function wrongType(entry: GgufMetadataEntry, expected: string): GgufInvalidError {
    const actual = entry.type === GgufValueType.ARRAY
        ? `array of ${GgufValueType[entry.arrayType ?? 0]}`
        : GgufValueType[entry.type];
    return new GgufInvalidError(-1, "wrong-value-type", `GGUF key ${entry.key} is ${actual}, expected ${expected}`);
}

function numericArrayType(value: GgufNumericArray): GgufValueType {
    if (value instanceof Uint8Array) return GgufValueType.UINT8;
    if (value instanceof Int8Array) return GgufValueType.INT8;
    if (value instanceof Uint16Array) return GgufValueType.UINT16;
    if (value instanceof Int16Array) return GgufValueType.INT16;
    if (value instanceof Uint32Array) return GgufValueType.UINT32;
    if (value instanceof Int32Array) return GgufValueType.INT32;
    if (value instanceof Float32Array) return GgufValueType.FLOAT32;
    if (value instanceof BigUint64Array) return GgufValueType.UINT64;
    if (value instanceof BigInt64Array) return GgufValueType.INT64;
    return GgufValueType.FLOAT64;
}
