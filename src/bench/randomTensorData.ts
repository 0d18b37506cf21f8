import {GgmlType, ggmlTensorBytes, ggmlTypeTraits} from "../gguf/GgmlType.js";
import {R1Error} from "../util/R1Error.js";

/**
 * Byte offsets of the fp16 scale fields inside one block of each quantized type (ggml-common.h).
 * Everything else in a block is quant indices or small integer scales, for which any bytes are
 * valid; only the fp16 scales must be finite and small, or activations overflow to inf/NaN and
 * llama.cpp takes different (slower or faster) paths than a real model.
 */
const FP16_SCALE_OFFSETS: Partial<Record<GgmlType, readonly number[]>> = {
    [GgmlType.Q4_0]: [0], [GgmlType.Q4_1]: [0, 2], [GgmlType.Q5_0]: [0], [GgmlType.Q5_1]: [0, 2], [GgmlType.Q8_0]: [0],
    [GgmlType.Q2_K]: [80, 82], [GgmlType.Q3_K]: [108], [GgmlType.Q4_K]: [0, 2], [GgmlType.Q5_K]: [0, 2], [GgmlType.Q6_K]: [208],
    [GgmlType.IQ2_XXS]: [0], [GgmlType.IQ2_XS]: [0], [GgmlType.IQ2_S]: [0], [GgmlType.IQ3_XXS]: [0], [GgmlType.IQ3_S]: [0],
    [GgmlType.IQ1_S]: [0], [GgmlType.IQ4_NL]: [0], [GgmlType.IQ4_XS]: [0]
};

/** Bytes of random data made once per tensor and repeated: speed does not depend on the values. */
const PATTERN_BYTES = 256 * 1024;

/** A type that synthetic weights can be generated for. */
export class UnsupportedSyntheticTypeError extends R1Error {
    constructor(readonly type: GgmlType) {
        super(`cannot make synthetic weights of type ${GgmlType[type] ?? type}`, {hint: "choose another quant for --synthetic"});
    }
}

export interface RandomTensorDataOptions {
    /** Constant value for F32 tensors (1 for norm weights keeps activations in range); random when absent. */
    f32Value?: number;
    /** Seed of the pseudo-random bytes, so a synthetic model is the same file every time. Defaults to `1`. */
    seed?: number;
}

/**
 * A fresh chunk stream of `elements` random weights of `type`, valid for llama.cpp: fp16 scales
 * are finite and about 1e-4, so a forward pass stays finite through every layer.
 */
export function randomTensorData(type: GgmlType, elements: number, options: RandomTensorDataOptions = {}): () => Iterable<Uint8Array> {
    const traits = ggmlTypeTraits(type);
    if (traits === undefined) throw new UnsupportedSyntheticTypeError(type);
    const total = ggmlTensorBytes(type, elements);
    const unit = traits.typeSize;
    const pattern = new Uint8Array(Math.max(unit, Math.min(total, Math.floor(PATTERN_BYTES / unit) * unit)));
    fillPattern(pattern, type, unit, options);
    return function* chunks() {
        for (let done = 0; done < total; done += pattern.length) yield total - done >= pattern.length ? pattern : pattern.subarray(0, total - done);
    };
}

function fillPattern(pattern: Uint8Array, type: GgmlType, unit: number, options: RandomTensorDataOptions): void {
    const random = xorshift32(options.seed ?? 1);
    const view = new DataView(pattern.buffer, pattern.byteOffset, pattern.byteLength);
    if (type === GgmlType.F32) {
        for (let i = 0; i < pattern.length; i += 4) view.setFloat32(i, options.f32Value ?? (random() - 0.5) * 0.04, true);
        return;
    }
    if (type === GgmlType.F16) {
        for (let i = 0; i < pattern.length; i += 2) view.setUint16(i, smallHalf(random, random() < 0.5), true);
        return;
    }
    if (type === GgmlType.BF16) {
        for (let i = 0; i < pattern.length; i += 2) view.setUint16(i, (random() < 0.5 ? 0x8000 : 0) | 0x3c00 | Math.floor(random() * 128), true);
        return;
    }
    const offsets = FP16_SCALE_OFFSETS[type];
    if (offsets === undefined) throw new UnsupportedSyntheticTypeError(type);
    const words = new Uint32Array(Math.ceil(pattern.length / 4));
    for (let i = 0; i < words.length; i++) words[i] = random() * 0x100000000;
    pattern.set(new Uint8Array(words.buffer, 0, pattern.length));
    for (let block = 0; block < pattern.length; block += unit)
        for (const offset of offsets) view.setUint16(block + offset, smallHalf(random, false), true);
}

/** A random fp16 of magnitude 2^-14…2^-12 (exponent field 1–2). */
function smallHalf(random: () => number, negative: boolean): number {
    const exponent = 1 + Math.floor(random() * 2);
    return (negative ? 0x8000 : 0) | (exponent << 10) | Math.floor(random() * 1024);
}

/** A small seeded generator of floats in [0, 1): reproducible files, no crypto cost. */
function xorshift32(seed: number): () => number {
    let state = (seed >>> 0) || 0x9e3779b9;
    return () => {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return state / 0x100000000;
    };
}
