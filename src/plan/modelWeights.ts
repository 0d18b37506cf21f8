import {tensorLayer, variantFileSize, type Variant} from "../catalog/index.js";

/** Weight bytes of one layer, split by how a token reads them. */
export interface LayerWeights {
    /** Read in full by every token: attention, norms, dense FFN, shared experts, router. */
    readonly denseBytes: number;
    /** Routed experts: a token reads only `expertsUsed / experts` of them. */
    readonly expertBytes: number;
    /** Parameters behind `denseBytes` (for FLOPs: 2 per parameter per token). */
    readonly denseParams: number;
    readonly expertParams: number;
}

/** A model's weights as the planner places them. */
export interface ModelWeights {
    readonly layers: readonly LayerWeights[];
    /** `token_embd`: llama.cpp keeps the input embeddings in system RAM even on full offload; a token reads one row. */
    readonly tokenEmbeddingBytes: number;
    /** `output` + `output_norm`: on the GPU only when every layer is (`gpuLayers = layers + 1`). */
    readonly outputBytes: number;
    readonly outputParams: number;
    /** Share of expert bytes one token reads (0 for dense models). */
    readonly activeExpertFraction: number;
    /** Size of the file (metadata included). */
    readonly fileBytes: number;
}

const cache = new WeakMap<object, Map<string, ModelWeights>>();

/** Per-layer weight bytes of a variant × quant, from the computed per-tensor types. Memoized (immutable result). */
export function modelWeights(variant: Variant, quant: string): ModelWeights {
    let perArchitecture = cache.get(variant.architecture);
    if (perArchitecture === undefined) cache.set(variant.architecture, perArchitecture = new Map());
    const hit = perArchitecture.get(quant);
    if (hit !== undefined) return hit;
    const result = computeModelWeights(variant, quant);
    perArchitecture.set(quant, result);
    return result;
}

function computeModelWeights(variant: Variant, quant: string): ModelWeights {
    const size = variantFileSize(variant, quant);
    const a = variant.architecture;
    const layers = Array.from({length: a.layers}, () => ({denseBytes: 0, expertBytes: 0, denseParams: 0, expertParams: 0}));
    let tokenEmbeddingBytes = 0, outputBytes = 0, outputParams = 0;
    for (const t of size.tensors) {
        const layer = tensorLayer(t.name);
        if (layer === undefined) {
            if (t.name === "token_embd.weight") tokenEmbeddingBytes += t.targetBytes;
            else {
                outputBytes += t.targetBytes;
                outputParams += t.elements;
            }
            continue;
        }
        const entry = layers[layer];
        if (entry === undefined) continue;
        if (t.name.includes("_exps.")) {
            entry.expertBytes += t.targetBytes;
            entry.expertParams += t.elements;
        } else {
            entry.denseBytes += t.targetBytes;
            entry.denseParams += t.elements;
        }
    }
    return {
        layers, tokenEmbeddingBytes, outputBytes, outputParams,
        activeExpertFraction: a.kind === "moe" ? a.expertsUsed / a.experts : 0,
        fileBytes: size.totalBytes
    };
}
