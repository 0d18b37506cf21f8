import {tensorLayer, variantFileSize, type Variant} from "../catalog/index.js";
import {GgmlType} from "../gguf/GgmlType.js";

/** Bytes and parameters of one ggml type within a group of tensors. */
export interface TypeAmount {
    readonly bytes: number;
    readonly params: number;
}

/** Amounts per ggml type name (`"Q4_K"`, `"Q6_K"`, `"F32"`…): the speed model rates each type separately. */
export type AmountsByType = Readonly<Record<string, TypeAmount>>;

/** Weight bytes of one layer, split by how a token reads them. */
export interface LayerWeights {
    /** Read in full by every token: attention, norms, dense FFN, shared experts, router. */
    readonly denseBytes: number;
    /** Routed experts: a token reads only `expertsUsed / experts` of them. */
    readonly expertBytes: number;
    /** Parameters behind `denseBytes` (for FLOPs: 2 per parameter per token). */
    readonly denseParams: number;
    readonly expertParams: number;
    /** `denseBytes`/`denseParams` per ggml type. */
    readonly denseByType: AmountsByType;
    /** `expertBytes`/`expertParams` per ggml type. */
    readonly expertByType: AmountsByType;
}

/** A model's weights as the planner places them. */
export interface ModelWeights {
    readonly layers: readonly LayerWeights[];
    /** `token_embd`: llama.cpp keeps the input embeddings in system RAM even on full offload; a token reads one row. */
    readonly tokenEmbeddingBytes: number;
    /** `output` + `output_norm`: on the GPU only when every layer is (`gpuLayers = layers + 1`). */
    readonly outputBytes: number;
    readonly outputParams: number;
    /** `output` + `output_norm` per ggml type. */
    readonly outputByType: AmountsByType;
    /** Share of expert bytes one token reads (0 for dense models). */
    readonly activeExpertFraction: number;
    /** Size of the file (metadata included). */
    readonly fileBytes: number;
}

/** One tensor as the weights accounting needs it. */
export interface WeightTensor {
    readonly name: string;
    /** ggml type name. */
    readonly type: string;
    readonly bytes: number;
    readonly elements: number;
}

/**
 * Groups tensors into per-layer dense/expert weights, the token embeddings and the output, with
 * per-type amounts. Shared by the catalog path (computed types) and real files (their types).
 */
export function groupWeights(tensors: Iterable<WeightTensor>, layerCount: number, layerOf: (name: string) => number | undefined,
    activeExpertFraction: number, fileBytes: number): ModelWeights {
    const layers = Array.from({length: layerCount}, () => ({
        denseBytes: 0, expertBytes: 0, denseParams: 0, expertParams: 0,
        denseByType: {} as Record<string, TypeAmount>, expertByType: {} as Record<string, TypeAmount>
    }));
    let tokenEmbeddingBytes = 0, outputBytes = 0, outputParams = 0;
    const outputByType: Record<string, TypeAmount> = {};
    for (const t of tensors) {
        const index = layerOf(t.name);
        const layer = index === undefined ? undefined : layers[index];
        if (layer === undefined) {
            if (index !== undefined) continue;
            if (t.name === "token_embd.weight") tokenEmbeddingBytes += t.bytes;
            else {
                outputBytes += t.bytes;
                outputParams += t.elements;
                addAmount(outputByType, t);
            }
        } else if (t.name.includes("_exps.")) {
            layer.expertBytes += t.bytes;
            layer.expertParams += t.elements;
            addAmount(layer.expertByType, t);
        } else {
            layer.denseBytes += t.bytes;
            layer.denseParams += t.elements;
            addAmount(layer.denseByType, t);
        }
    }
    return {layers, tokenEmbeddingBytes, outputBytes, outputParams, outputByType, activeExpertFraction, fileBytes};
}

function addAmount(into: Record<string, TypeAmount>, t: WeightTensor): void {
    const previous = into[t.type] ?? {bytes: 0, params: 0};
    into[t.type] = {bytes: previous.bytes + t.bytes, params: previous.params + t.elements};
}

const cache = new WeakMap<object, Map<string, ModelWeights>>();

/** Per-layer weight bytes of a variant × quant, from the computed per-tensor types. Memoized (immutable result). */
export function modelWeights(variant: Variant, quant: string): ModelWeights {
    let perArchitecture = cache.get(variant.architecture);
    if (perArchitecture === undefined) cache.set(variant.architecture, perArchitecture = new Map());
    const hit = perArchitecture.get(quant);
    if (hit !== undefined) return hit;
    const size = variantFileSize(variant, quant);
    const a = variant.architecture;
    const result = groupWeights(size.tensors.map((t) => ({name: t.name, type: ggmlName(t.targetType), bytes: t.targetBytes, elements: t.elements})),
        a.layers, tensorLayer, a.kind === "moe" ? a.expertsUsed / a.experts : 0, size.totalBytes);
    perArchitecture.set(quant, result);
    return result;
}


/** ggml's name of a type id (`"Q4_K"`), `"type <id>"` for ids r1 does not know. */
export function ggmlName(type: number): string {
    return GgmlType[type] ?? `type ${type}`;
}
