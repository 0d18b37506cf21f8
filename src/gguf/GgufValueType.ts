/** Metadata value types (gguf-quant-spec §1.3). */
export enum GgufValueType {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12
}

/** Encoded size of a fixed-size value type, or `undefined` for STRING and ARRAY. */
export function ggufValueTypeSize(type: GgufValueType): number | undefined {
    switch (type) {
        case GgufValueType.UINT8: case GgufValueType.INT8: case GgufValueType.BOOL: return 1;
        case GgufValueType.UINT16: case GgufValueType.INT16: return 2;
        case GgufValueType.UINT32: case GgufValueType.INT32: case GgufValueType.FLOAT32: return 4;
        case GgufValueType.UINT64: case GgufValueType.INT64: case GgufValueType.FLOAT64: return 8;
        default: return undefined;
    }
}

export function isGgufValueType(id: number): id is GgufValueType {
    return Number.isInteger(id) && id >= 0 && id <= 12;
}
