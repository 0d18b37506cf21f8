import {GgmlType} from "../gguf/GgmlType.js";

/** Target types r1's codecs can produce (byte-identical with ggml's quantizers). */
export const quantizableTypes: ReadonlySet<GgmlType> = new Set([
    GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
    GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS,
    GgmlType.TQ1_0, GgmlType.TQ2_0,
    GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S
]);

/** ggml has no quantizer for these without importance weights (`ggml_quantize_requires_imatrix`). */
export const typesNeedingImportance: ReadonlySet<GgmlType> = new Set([GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ1_S]);

/** Whether r1 can write tensors of this type (some only with an importance matrix). */
export function canQuantizeTo(type: GgmlType): boolean {
    return quantizableTypes.has(type);
}
