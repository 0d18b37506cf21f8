/**
 * ggml tensor types and their block geometry (gguf-quant-spec §2.1–§2.2, ggml.h).
 * This table is the single source of truth for sizes everywhere in r1: the GGUF reader's
 * bounds checks, the quantizer, the planner's memory model.
 */
export enum GgmlType {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41, Q2_0 = 42
}

export interface GgmlTypeTraits {
    readonly type: GgmlType;
    readonly name: string;
    /** Elements per block; a row length (ne[0]) must be a multiple of it. */
    readonly blockSize: number;
    /** Bytes per block. */
    readonly typeSize: number;
}

const table: ReadonlyArray<readonly [GgmlType, number, number]> = [
    [GgmlType.F32, 1, 4], [GgmlType.F16, 1, 2], [GgmlType.Q4_0, 32, 18], [GgmlType.Q4_1, 32, 20],
    [GgmlType.Q5_0, 32, 22], [GgmlType.Q5_1, 32, 24], [GgmlType.Q8_0, 32, 34], [GgmlType.Q8_1, 32, 36],
    [GgmlType.Q2_K, 256, 84], [GgmlType.Q3_K, 256, 110], [GgmlType.Q4_K, 256, 144], [GgmlType.Q5_K, 256, 176],
    [GgmlType.Q6_K, 256, 210], [GgmlType.Q8_K, 256, 292], [GgmlType.IQ2_XXS, 256, 66], [GgmlType.IQ2_XS, 256, 74],
    [GgmlType.IQ3_XXS, 256, 98], [GgmlType.IQ1_S, 256, 50], [GgmlType.IQ4_NL, 32, 18], [GgmlType.IQ3_S, 256, 110],
    [GgmlType.IQ2_S, 256, 82], [GgmlType.IQ4_XS, 256, 136], [GgmlType.I8, 1, 1], [GgmlType.I16, 1, 2],
    [GgmlType.I32, 1, 4], [GgmlType.I64, 1, 8], [GgmlType.F64, 1, 8], [GgmlType.IQ1_M, 256, 56],
    [GgmlType.BF16, 1, 2], [GgmlType.TQ1_0, 256, 54], [GgmlType.TQ2_0, 256, 66], [GgmlType.MXFP4, 32, 17],
    [GgmlType.NVFP4, 64, 36], [GgmlType.Q1_0, 128, 18], [GgmlType.Q2_0, 64, 18]
];

const traitsById = new Map<number, GgmlTypeTraits>(
    table.map(([type, blockSize, typeSize]) => [type, {type, name: GgmlType[type], blockSize, typeSize}])
);
const traitsByName = new Map<string, GgmlTypeTraits>([...traitsById.values()].map((t) => [t.name, t]));

/** Traits of a known type id, or `undefined` for ids ggml does not define (untrusted input). */
export function ggmlTypeTraits(type: number): GgmlTypeTraits | undefined {
    return traitsById.get(type);
}

/** Looks a type up by its ggml name (`"Q4_K"`, case-insensitive). */
export function ggmlTypeByName(name: string): GgmlTypeTraits | undefined {
    return traitsByName.get(name.toUpperCase());
}

/** Nominal bits per weight of a type (bytes·8 / elements of one block). */
export function ggmlTypeBitsPerWeight(type: GgmlType): number {
    const t = requireTraits(type);
    return t.typeSize * 8 / t.blockSize;
}

/**
 * Bytes of a tensor with `elements` elements whose rows are `rowLength` long.
 * Returns a bigint-free number: safe up to 2^53 bytes, far beyond any model.
 */
export function ggmlTensorBytes(type: GgmlType, elements: number): number {
    const t = requireTraits(type);
    return elements / t.blockSize * t.typeSize;
}

function requireTraits(type: GgmlType): GgmlTypeTraits {
    const t = traitsById.get(type);
    if (t === undefined) throw new RangeError(`unknown ggml type ${type}`);
    return t;
}
