import {ggmlTypeTraits} from "./GgmlType.js";
import type {GgufFile} from "./GgufFile.js";
import {llamaFileTypeName} from "./LlamaFileType.js";

/** Bytes and tensor count of one ggml type. */
export interface GgufTypeUsage {
    readonly type: string;
    readonly tensors: number;
    readonly bytes: number;
    readonly elements: number;
}

/** The standard keys of a model, typed, plus figures derived from the tensors. */
export interface GgufModelInfo {
    readonly architecture?: string;
    readonly name?: string;
    readonly contextLength?: number;
    readonly embeddingLength?: number;
    readonly blockCount?: number;
    readonly feedForwardLength?: number | number[];
    /** Attention heads (the largest, when the file stores one count per layer). */
    readonly headCount?: number;
    /** KV heads; equals `headCount` when the key is absent (no GQA). */
    readonly headCountKv?: number;
    readonly keyLength?: number;
    readonly valueLength?: number;
    readonly ropeFreqBase?: number;
    readonly ropeDimensionCount?: number;
    readonly ropeScalingType?: string;
    readonly ropeScalingFactor?: number;
    readonly expertCount?: number;
    readonly expertUsedCount?: number;
    readonly expertSharedCount?: number;
    readonly tokenizerModel?: string;
    readonly tokenizerPre?: string;
    /** `{arch}.vocab_size`, else the length of `tokenizer.ggml.tokens`. */
    readonly vocabSize?: number;
    readonly chatTemplate?: string;
    readonly fileType?: number;
    /** `Q4_K_M`, `F16`… */
    readonly fileTypeName?: string;
    readonly quantizationVersion?: number;
    readonly tensorCount: number;
    readonly parameterCount: number;
    /** Bytes of all tensor data (without padding). */
    readonly tensorBytes: number;
    /** Tensor data bits per parameter. */
    readonly bitsPerWeight: number;
    /** Per ggml type, largest first. */
    readonly byType: GgufTypeUsage[];
    readonly fileSize: number;
}

/** Typed view of the standard metadata keys and tensor totals (gguf-quant-spec §1.7). */
export function ggufModelInfo(file: GgufFile): GgufModelInfo {
    const m = file.metadata;
    const arch = m.getString("general.architecture");
    const a = (key: string) => `${arch ?? "llama"}.${key}`;
    const heads = m.getNumberOrArray(a("attention.head_count"));
    const kvHeads = m.getNumberOrArray(a("attention.head_count_kv"));
    // reduce, not Math.max(...v): a hostile per-layer array can hold millions of entries.
    const maxOf = (v: number | number[] | undefined) => Array.isArray(v) ? (v.length === 0 ? undefined : v.reduce((x, y) => Math.max(x, y))) : v;
    const fileType = m.getNumber("general.file_type");

    const byType = new Map<string, {tensors: number, bytes: number, elements: number}>();
    let parameterCount = 0;
    let tensorBytes = 0;
    for (const t of file.tensors) {
        const name = ggmlTypeTraits(t.type)?.name ?? String(t.type);
        const usage = byType.get(name) ?? {tensors: 0, bytes: 0, elements: 0};
        usage.tensors++;
        usage.bytes += t.byteSize;
        usage.elements += t.elements;
        byType.set(name, usage);
        parameterCount += t.elements;
        tensorBytes += t.byteSize;
    }
    return {
        architecture: arch,
        name: m.getString("general.name"),
        contextLength: m.getNumber(a("context_length")),
        embeddingLength: m.getNumber(a("embedding_length")),
        blockCount: m.getNumber(a("block_count")),
        feedForwardLength: m.getNumberOrArray(a("feed_forward_length")),
        headCount: maxOf(heads),
        headCountKv: maxOf(kvHeads) ?? maxOf(heads),
        keyLength: m.getNumber(a("attention.key_length")),
        valueLength: m.getNumber(a("attention.value_length")),
        ropeFreqBase: m.getNumber(a("rope.freq_base")),
        ropeDimensionCount: m.getNumber(a("rope.dimension_count")),
        ropeScalingType: m.getString(a("rope.scaling.type")),
        ropeScalingFactor: m.getNumber(a("rope.scaling.factor")),
        expertCount: m.getNumber(a("expert_count")),
        expertUsedCount: m.getNumber(a("expert_used_count")),
        expertSharedCount: m.getNumber(a("expert_shared_count")),
        tokenizerModel: m.getString("tokenizer.ggml.model"),
        tokenizerPre: m.getString("tokenizer.ggml.pre"),
        vocabSize: m.getNumber(a("vocab_size")) ?? (m.has("tokenizer.ggml.tokens") ? m.getArrayLength("tokenizer.ggml.tokens") : undefined),
        chatTemplate: m.getString("tokenizer.chat_template"),
        fileType,
        fileTypeName: fileType === undefined ? undefined : llamaFileTypeName(fileType),
        quantizationVersion: m.getNumber("general.quantization_version"),
        tensorCount: file.tensors.length,
        parameterCount,
        tensorBytes,
        bitsPerWeight: parameterCount === 0 ? 0 : tensorBytes * 8 / parameterCount,
        byType: [...byType.entries()].map(([type, u]) => ({type, ...u})).sort((x, y) => y.bytes - x.bytes),
        fileSize: file.fileSize
    };
}
