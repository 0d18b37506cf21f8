import {GgmlType} from "../gguf/GgmlType.js";
import type {GgufFile} from "../gguf/GgufFile.js";
import type {GgufMetadata} from "../gguf/GgufMetadata.js";
import {LlamaFileType, llamaFileTypeName} from "../gguf/LlamaFileType.js";
import {serializeGgufHeader} from "../gguf/serializeGgufHeader.js";
import {R1Error, ExitCode} from "../util/R1Error.js";
import {chooseTensorTypes, modelFactsFromMetadata, tensorRequiresImatrix, type ChooseTensorTypesOptions, type TensorTypeOverride, type TensorTypePlan} from "./chooseTensorType.js";
import type {ImportanceWeights} from "./imatrix/importanceWeights.js";
import {canQuantizeTo, typesNeedingImportance} from "./quantizableTypes.js";

/** llama-quantize's `GGML_QNT_VERSION`, written as `general.quantization_version`. */
export const GGML_QUANTIZATION_VERSION = 2;
/** llama-quantize lays its output out with 32-byte alignment whatever the input said. */
export const QUANTIZE_ALIGNMENT = 32;

/** llama-quantize's per-tensor type choices besides the file type, as `chooseTensorTypes` takes them. */
export type TensorTypeRules = Pick<ChooseTensorTypesOptions, "pure" | "leaveOutputTensor" | "tokenEmbeddingType" | "outputTensorType">;

export interface PlanQuantizationOptions extends TensorTypeRules {
    readonly fileType: LlamaFileType;
    /** `--tensor-type` rules (a recipe's rules come first). Defaults to none. */
    readonly overrides?: readonly TensorTypeOverride[];
    /** Allow re-quantizing tensors that are already quantized. Defaults to `false`. */
    readonly allowRequantize?: boolean;
    /** Importance weights (`--imatrix`, from `loadImportanceWeights`). Defaults to none. */
    readonly imatrix?: ImportanceWeights;
}

/** How to get an importance matrix, for errors that need one. */
export const IMATRIX_HINT = "compute one with `r1 imatrix MODEL --text calibration.txt` (llama.cpp's llama-imatrix), then pass --imatrix MODEL.imatrix.gguf";

/** llama-quantize copies the imatrix path and dataset into 128-byte fields (127 bytes and a NUL). */
const IMATRIX_STRING_BYTES = 127;

export interface QuantizationPlan {
    readonly plan: TensorTypePlan;
    /** Output metadata: the input's, `general.quantization_version` and `general.file_type` set, split keys removed. */
    readonly metadata: GgufMetadata;
    /** Bytes of the output file (header, tensor data and alignment padding). */
    readonly outputFileSize: number;
    readonly outputHeaderSize: number;
    /** Tensors whose input is already quantized and would be re-quantized. */
    readonly requantized: readonly string[];
    /** Target types r1 has no quantizer for, by tensor. */
    readonly unsupported: ReadonlyArray<{readonly tensor: string, readonly type: GgmlType}>;
    /** Per converted tensor: the importance weights it is quantized with (`ne0 × n_expert`). */
    readonly importance: ReadonlyMap<string, Float32Array>;
    /**
     * Tensors whose type needs importance weights they do not get: llama-quantize's rule
     * (`tensorRequiresImatrix`), or a type ggml cannot quantize without (IQ2_XXS, IQ2_XS, IQ1_S).
     */
    readonly missingImportance: readonly string[];
    /** An importance matrix was given. */
    readonly hasImatrix: boolean;
    /** Tensors whose imatrix entry has the wrong size (llama-quantize refuses; `token_embd` is only skipped). */
    readonly importanceMismatch: ReadonlyArray<{readonly tensor: string, readonly expected: number, readonly actual: number}>;
}

/** The plan cannot be executed (re-quantizing without permission, a type r1 cannot write…). */
export class QuantizationPlanError extends R1Error {
    constructor(message: string, hint: string, readonly tensors: readonly string[]) {
        super(message, {exitCode: ExitCode.usage, hint});
    }
}

const floatTypes = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

/**
 * Everything `r1 quantize` decides, from the header alone: per-tensor types, output metadata
 * and the exact output size. Pure; `--dry-run` prints it, the quantizer executes it.
 */
export function planQuantization(file: GgufFile, options: PlanQuantizationOptions): QuantizationPlan {
    const facts = modelFactsFromMetadata((key) => {
        const entry = file.metadata.get(key);
        return entry?.value;
    });
    const plan = chooseTensorTypes(file.tensors, facts, {
        fileType: options.fileType, overrides: options.overrides ?? [],
        pure: options.pure ?? false, leaveOutputTensor: options.leaveOutputTensor ?? false, hasImatrix: options.imatrix !== undefined,
        ...(options.tokenEmbeddingType === undefined ? {} : {tokenEmbeddingType: options.tokenEmbeddingType}),
        ...(options.outputTensorType === undefined ? {} : {outputTensorType: options.outputTensorType})
    });
    const metadata = file.metadata.clone();
    metadata.setUint32("general.quantization_version", GGML_QUANTIZATION_VERSION);
    metadata.setUint32("general.file_type", options.fileType);
    for (const key of ["split.no", "split.count", "split.tensors.count"]) metadata.delete(key);
    const im = options.imatrix;
    if (im !== undefined) {
        // quantize.cpp passes these as --override-kv entries, set (appended) in this order
        metadata.setString("quantize.imatrix.file", truncateUtf8(im.file, IMATRIX_STRING_BYTES));
        if (im.dataset !== undefined) metadata.setString("quantize.imatrix.dataset", truncateUtf8(im.dataset, IMATRIX_STRING_BYTES));
        metadata.setUint32("quantize.imatrix.entries_count", im.weights.size);
        if (im.chunkCount > 0) metadata.setUint32("quantize.imatrix.chunks_count", im.chunkCount);
    }
    const header = serializeGgufHeader({
        metadata, alignment: QUANTIZE_ALIGNMENT,
        tensors: plan.tensors.map((t) => ({name: t.name, shape: t.shape, type: t.targetType}))
    });
    const changed = plan.tensors.filter((t) => t.targetType !== t.sourceType);
    const importance = new Map<string, Float32Array>();
    const missingImportance: string[] = [];
    const importanceMismatch: Array<{tensor: string, expected: number, actual: number}> = [];
    for (const t of changed) {
        const w = im?.weights.get(t.name);
        const expected = (t.shape[0] ?? 1) * (t.shape[2] ?? 1);
        if (w !== undefined && w.length === expected) importance.set(t.name, w);
        else if (w !== undefined && t.name !== "token_embd.weight" && t.name !== "per_layer_token_embd.weight") {
            importanceMismatch.push({tensor: t.name, expected, actual: w.length});
        } else if ((t.quantizable && tensorRequiresImatrix(t.name, t.targetType, options.fileType)) || typesNeedingImportance.has(t.targetType)) {
            missingImportance.push(t.name);
        }
    }
    return {
        plan, metadata, outputFileSize: header.fileSize, outputHeaderSize: header.dataOffset,
        requantized: changed.filter((t) => !floatTypes.has(t.sourceType)).map((t) => t.name),
        unsupported: changed.filter((t) => !canQuantizeTo(t.targetType)).map((t) => ({tensor: t.name, type: t.targetType})),
        importance, missingImportance, importanceMismatch, hasImatrix: im !== undefined
    };
}

/** Throws when the plan needs something r1 cannot do or the user did not allow. */
export function assertPlanExecutable(q: QuantizationPlan, allowRequantize: boolean): void {
    if (q.unsupported.length > 0) {
        const types = [...new Set(q.unsupported.map((u) => GgmlType[u.type]))].join(", ");
        throw new QuantizationPlanError(`${q.unsupported.length} tensor(s) would need ${types}, which r1 cannot quantize`,
            "use --dry-run to see the plan, or pick K-quant, IQ or legacy types", q.unsupported.map((u) => u.tensor));
    }
    if (q.importanceMismatch.length > 0) {
        const m = q.importanceMismatch[0]!;
        throw new QuantizationPlanError(`the importance matrix does not fit this model: ${m.tensor} has ${m.actual} weights, the tensor needs ${m.expected}`
            + (q.importanceMismatch.length > 1 ? ` (and ${q.importanceMismatch.length - 1} more)` : ""),
        "use an imatrix computed for this model", q.importanceMismatch.map((x) => x.tensor));
    }
    if (q.missingImportance.length > 0) {
        const missing = q.missingImportance;
        const types = [...new Set(q.plan.tensors.filter((t) => missing.includes(t.name)).map((t) => GgmlType[t.targetType]))].join(", ");
        if (!q.hasImatrix) {
            throw new QuantizationPlanError(`${missing.length} tensor(s) would be ${types}, which needs an importance matrix (llama-quantize's rule: without one the result is garbage)`,
                IMATRIX_HINT, missing);
        }
        throw new QuantizationPlanError(`the importance matrix has no entry for ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""}, `
            + `which ${types} needs`, "use an imatrix computed for this model, without --include/--exclude-weights dropping those tensors", missing);
    }
    if (q.requantized.length > 0 && !allowRequantize) {
        throw new QuantizationPlanError(`the input is already quantized (${q.requantized.length} tensor(s) would be re-quantized, losing quality)`,
            "quantize from an F16/BF16/F32 file, or pass --allow-requantize", q.requantized);
    }
}

// strncpy into a 128-byte field: the first 127 bytes (a cut UTF-8 sequence becomes U+FFFD, as a reader sees it)
function truncateUtf8(s: string, bytes: number): string {
    const b = Buffer.from(s, "utf8");
    return b.length <= bytes ? s : b.subarray(0, bytes).toString("utf8");
}

/** `Q4_K_M` for a file type, or its number. */
export function fileTypeLabel(ftype: LlamaFileType): string {
    return llamaFileTypeName(ftype) ?? String(ftype);
}
