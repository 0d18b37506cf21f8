import {GgmlType} from "../gguf/GgmlType.js";
import type {GgufFile} from "../gguf/GgufFile.js";
import type {GgufMetadata} from "../gguf/GgufMetadata.js";
import {LlamaFileType, llamaFileTypeName} from "../gguf/LlamaFileType.js";
import {serializeGgufHeader} from "../gguf/serializeGgufHeader.js";
import {R1Error, ExitCode} from "../util/R1Error.js";
import {chooseTensorTypes, modelFactsFromMetadata, type ChooseTensorTypesOptions, type TensorTypeOverride, type TensorTypePlan} from "./chooseTensorType.js";
import {canQuantizeTo} from "./quantizableTypes.js";

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
}

export interface QuantizationPlan {
    readonly plan: TensorTypePlan;
    /** Output metadata: the input's, `general.quantization_version` and `general.file_type` set, split keys removed. */
    readonly metadata: GgufMetadata;
    /** Bytes of the output file (header, tensor data and alignment padding). */
    readonly outputFileSize: number;
    readonly outputHeaderSize: number;
    /** Tensors whose input is already quantized and would be re-quantized. */
    readonly requantized: readonly string[];
    /** Target types r1 has no quantizer for (IQ1/IQ2/IQ3), by tensor. */
    readonly unsupported: ReadonlyArray<{readonly tensor: string, readonly type: GgmlType}>;
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
        pure: options.pure ?? false, leaveOutputTensor: options.leaveOutputTensor ?? false,
        ...(options.tokenEmbeddingType === undefined ? {} : {tokenEmbeddingType: options.tokenEmbeddingType}),
        ...(options.outputTensorType === undefined ? {} : {outputTensorType: options.outputTensorType})
    });
    const metadata = file.metadata.clone();
    metadata.setUint32("general.quantization_version", GGML_QUANTIZATION_VERSION);
    metadata.setUint32("general.file_type", options.fileType);
    for (const key of ["split.no", "split.count", "split.tensors.count"]) metadata.delete(key);
    const header = serializeGgufHeader({
        metadata, alignment: QUANTIZE_ALIGNMENT,
        tensors: plan.tensors.map((t) => ({name: t.name, shape: t.shape, type: t.targetType}))
    });
    const changed = plan.tensors.filter((t) => t.targetType !== t.sourceType);
    return {
        plan, metadata, outputFileSize: header.fileSize, outputHeaderSize: header.dataOffset,
        requantized: changed.filter((t) => !floatTypes.has(t.sourceType)).map((t) => t.name),
        unsupported: changed.filter((t) => !canQuantizeTo(t.targetType)).map((t) => ({tensor: t.name, type: t.targetType}))
    };
}

/** Throws when the plan needs something r1 cannot do or the user did not allow. */
export function assertPlanExecutable(q: QuantizationPlan, allowRequantize: boolean): void {
    if (q.unsupported.length > 0) {
        const types = [...new Set(q.unsupported.map((u) => GgmlType[u.type]))].join(", ");
        throw new QuantizationPlanError(`${q.unsupported.length} tensor(s) would need ${types}, which r1 cannot quantize (it needs an importance matrix)`,
            "use --dry-run to see the plan, or pick K-quant types (Q2_K…Q6_K, IQ4_XS)", q.unsupported.map((u) => u.tensor));
    }
    if (q.requantized.length > 0 && !allowRequantize) {
        throw new QuantizationPlanError(`the input is already quantized (${q.requantized.length} tensor(s) would be re-quantized, losing quality)`,
            "quantize from an F16/BF16/F32 file, or pass --allow-requantize", q.requantized);
    }
}

/** `Q4_K_M` for a file type, or its number. */
export function fileTypeLabel(ftype: LlamaFileType): string {
    return llamaFileTypeName(ftype) ?? String(ftype);
}
