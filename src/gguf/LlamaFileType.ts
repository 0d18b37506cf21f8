import {GgmlType} from "./GgmlType.js";

/** `general.file_type` values (llama.h `llama_ftype`, gguf-quant-spec §6.9). */
export enum LlamaFileType {
    ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q4_1 = 3, MOSTLY_Q8_0 = 7, MOSTLY_Q5_0 = 8, MOSTLY_Q5_1 = 9,
    MOSTLY_Q2_K = 10, MOSTLY_Q3_K_S = 11, MOSTLY_Q3_K_M = 12, MOSTLY_Q3_K_L = 13, MOSTLY_Q4_K_S = 14, MOSTLY_Q4_K_M = 15,
    MOSTLY_Q5_K_S = 16, MOSTLY_Q5_K_M = 17, MOSTLY_Q6_K = 18, MOSTLY_IQ2_XXS = 19, MOSTLY_IQ2_XS = 20, MOSTLY_Q2_K_S = 21,
    MOSTLY_IQ3_XS = 22, MOSTLY_IQ3_XXS = 23, MOSTLY_IQ1_S = 24, MOSTLY_IQ4_NL = 25, MOSTLY_IQ3_S = 26, MOSTLY_IQ3_M = 27,
    MOSTLY_IQ2_S = 28, MOSTLY_IQ2_M = 29, MOSTLY_IQ4_XS = 30, MOSTLY_IQ1_M = 31, MOSTLY_BF16 = 32,
    MOSTLY_TQ1_0 = 36, MOSTLY_TQ2_0 = 37, MOSTLY_MXFP4_MOE = 38, MOSTLY_NVFP4 = 39, MOSTLY_Q1_0 = 40, MOSTLY_Q2_0 = 41
}

/** The user-facing name of a file type as llama-quantize prints it (`Q4_K_M`, `F16`). */
export function llamaFileTypeName(ftype: number): string | undefined {
    if (ftype === LlamaFileType.ALL_F32) return "F32";
    if (ftype === LlamaFileType.MOSTLY_F16) return "F16";
    if (ftype === LlamaFileType.MOSTLY_BF16) return "BF16";
    const name = LlamaFileType[ftype];
    return name?.replace(/^MOSTLY_/, "");
}

/** Parses `Q4_K_M`, `q4_k_m`, `F16`… into a file type. */
export function llamaFileTypeByName(name: string): LlamaFileType | undefined {
    const upper = name.toUpperCase();
    if (upper === "F32") return LlamaFileType.ALL_F32;
    if (upper === "F16") return LlamaFileType.MOSTLY_F16;
    const value = (LlamaFileType as unknown as Record<string, number>)[`MOSTLY_${upper}`];
    return value;
}

/** Default tensor type of a file type (spec §6.9); the per-tensor rules refine it. */
export const defaultTensorTypeOfFileType: Readonly<Partial<Record<LlamaFileType, GgmlType>>> = {
    [LlamaFileType.ALL_F32]: GgmlType.F32,
    [LlamaFileType.MOSTLY_F16]: GgmlType.F16,
    [LlamaFileType.MOSTLY_BF16]: GgmlType.BF16,
    [LlamaFileType.MOSTLY_Q4_0]: GgmlType.Q4_0,
    [LlamaFileType.MOSTLY_Q4_1]: GgmlType.Q4_1,
    [LlamaFileType.MOSTLY_Q5_0]: GgmlType.Q5_0,
    [LlamaFileType.MOSTLY_Q5_1]: GgmlType.Q5_1,
    [LlamaFileType.MOSTLY_Q8_0]: GgmlType.Q8_0,
    [LlamaFileType.MOSTLY_Q2_K]: GgmlType.Q2_K,
    [LlamaFileType.MOSTLY_Q2_K_S]: GgmlType.Q2_K,
    [LlamaFileType.MOSTLY_Q3_K_S]: GgmlType.Q3_K,
    [LlamaFileType.MOSTLY_Q3_K_M]: GgmlType.Q3_K,
    [LlamaFileType.MOSTLY_Q3_K_L]: GgmlType.Q3_K,
    [LlamaFileType.MOSTLY_Q4_K_S]: GgmlType.Q4_K,
    [LlamaFileType.MOSTLY_Q4_K_M]: GgmlType.Q4_K,
    [LlamaFileType.MOSTLY_Q5_K_S]: GgmlType.Q5_K,
    [LlamaFileType.MOSTLY_Q5_K_M]: GgmlType.Q5_K,
    [LlamaFileType.MOSTLY_Q6_K]: GgmlType.Q6_K,
    [LlamaFileType.MOSTLY_IQ4_XS]: GgmlType.IQ4_XS,
    [LlamaFileType.MOSTLY_IQ4_NL]: GgmlType.IQ4_NL,
    [LlamaFileType.MOSTLY_IQ2_XXS]: GgmlType.IQ2_XXS,
    [LlamaFileType.MOSTLY_IQ2_XS]: GgmlType.IQ2_XS,
    [LlamaFileType.MOSTLY_IQ2_S]: GgmlType.IQ2_XS,
    [LlamaFileType.MOSTLY_IQ2_M]: GgmlType.IQ2_S,
    [LlamaFileType.MOSTLY_IQ3_XXS]: GgmlType.IQ3_XXS,
    [LlamaFileType.MOSTLY_IQ3_XS]: GgmlType.IQ3_S,
    [LlamaFileType.MOSTLY_IQ3_S]: GgmlType.IQ3_S,
    [LlamaFileType.MOSTLY_IQ3_M]: GgmlType.IQ3_S,
    [LlamaFileType.MOSTLY_IQ1_S]: GgmlType.IQ1_S,
    [LlamaFileType.MOSTLY_IQ1_M]: GgmlType.IQ1_M,
    [LlamaFileType.MOSTLY_TQ1_0]: GgmlType.TQ1_0,
    [LlamaFileType.MOSTLY_TQ2_0]: GgmlType.TQ2_0
};
