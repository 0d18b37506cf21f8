import path from "node:path";
import type {DenseArchitecture, MoeArchitecture, Variant} from "../catalog/index.js";
import {allVariants, findQuantOption, tensorLayer} from "../catalog/index.js";
import {ggufModelInfo, readGguf, type GgufFile, type ReadGgufOptions} from "../gguf/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {ggmlName, groupWeights, type ModelWeights} from "./modelWeights.js";
import {planWeights, type PlanSettings} from "./planModel.js";
import type {ModelPlan} from "./types.js";

/** A GGUF whose metadata lacks what the planner needs (block count, sizes, heads). */
export class UnplannableGgufError extends R1Error {
    constructor(readonly source: string, detail: string) {
        super(`cannot plan ${source}: ${detail}`, {exitCode: ExitCode.badFile, hint: "r1 plans llama.cpp text models with standard metadata"});
    }
}

/** Per-layer weights of a real file, from its tensor infos (exact types, whatever recipe made it). */
export function modelWeightsFromGguf(file: GgufFile): ModelWeights {
    const info = ggufModelInfo(file);
    const experts = info.expertCount ?? 0;
    return groupWeights(file.tensors.map((t) => ({name: t.name, type: ggmlName(t.type), bytes: t.byteSize, elements: t.elements})),
        info.blockCount ?? 0, tensorLayer, experts > 0 ? Math.min(1, (info.expertUsedCount ?? experts) / experts) : 0, file.fileSize);
}

/**
 * The architecture a GGUF declares, as the planner models it: deepseek2 with its MLA (or legacy
 * full) KV layout, anything else as a dense/GQA decoder from the standard keys.
 */
export function architectureFromGguf(file: GgufFile, source = "file"): DenseArchitecture | MoeArchitecture {
    const info = ggufModelInfo(file);
    const m = file.metadata;
    const arch = info.architecture ?? "";
    const layers = info.blockCount, hidden = info.embeddingLength, heads = info.headCount;
    if (layers === undefined || hidden === undefined || heads === undefined || layers <= 0 || hidden <= 0 || heads <= 0)
        throw new UnplannableGgufError(source, `no ${arch}.block_count / embedding_length / attention.head_count`);
    const ffn = Array.isArray(info.feedForwardLength) ? info.feedForwardLength.reduce((x, y) => Math.max(x, y), 0) : info.feedForwardLength ?? 4 * hidden;
    const vocab = info.vocabSize ?? 32000;
    const maxContext = info.contextLength ?? 4096;
    const num = (key: string) => m.getNumber(`${arch}.${key}`);
    if (arch === "deepseek2") {
        const rope = info.ropeDimensionCount ?? 64;
        const mla = num("attention.key_length_mla") !== undefined;
        const keyLength = mla ? num("attention.key_length_mla")! : info.keyLength ?? 192;
        return {
            kind: "moe", arch: "deepseek2", layers, hiddenSize: hidden, heads,
            qLoraRank: num("attention.q_lora_rank") ?? 0, kvLoraRank: num("attention.kv_lora_rank") ?? 512,
            qkNopeHeadDim: keyLength - rope, qkRopeHeadDim: rope,
            vHeadDim: mla ? num("attention.value_length_mla") ?? 128 : info.valueLength ?? 128,
            ffnSize: ffn, denseLayers: num("leading_dense_block_count") ?? 0,
            experts: info.expertCount ?? 1, expertsUsed: info.expertUsedCount ?? 1, sharedExperts: info.expertSharedCount ?? 0,
            expertFfnSize: num("expert_feed_forward_length") ?? ffn,
            vocabSize: vocab, maxContext, ropeTheta: info.ropeFreqBase ?? 10000, rmsNormEps: 1e-6,
            ropeScaling: {type: "yarn", factor: info.ropeScalingFactor ?? 1, originalContext: maxContext, yarnLogMultiplier: 0},
            expertWeightsScale: num("expert_weights_scale") ?? 1, tiedEmbeddings: false, kvLayout: mla ? "mla" : "full"
        };
    }
    const headDim = info.keyLength ?? Math.round(hidden / heads);
    return {
        // Any llama.cpp decoder plans like these three: only the shapes matter to the planner.
        kind: "dense", arch: arch as DenseArchitecture["arch"], layers, hiddenSize: hidden, heads,
        kvHeads: info.headCountKv ?? heads, headDim, ffnSize: ffn, vocabSize: vocab, maxContext,
        ropeTheta: info.ropeFreqBase ?? 10000, rmsNormEps: 1e-6, attentionBias: false, qkNorm: false,
        tiedEmbeddings: !file.tensors.some((t) => t.name === "output.weight")
    };
}

/** The catalog variant a file is (same architecture and sizes), if any. */
function matchVariant(a: DenseArchitecture | MoeArchitecture): Variant | undefined {
    return allVariants().find((v) => v.architecture.arch === a.arch && v.architecture.layers === a.layers &&
        v.architecture.hiddenSize === a.hiddenSize && v.architecture.vocabSize === a.vocabSize);
}

export interface PlanGgufFileOptions extends PlanSettings {
    /** Local path or http(s) URL of the GGUF (any part of a split model). */
    readonly source: string;
    /** Passed to `readGguf` (e.g. an injected `fetch`). */
    readonly read?: ReadGgufOptions;
}

/**
 * Plans a concrete GGUF from its header alone: its real per-tensor types and sizes (any quant mix,
 * e.g. an Unsloth dynamic file), its declared architecture, and the catalog's scores when the
 * file has an R1 variant's shapes. The engine can use this for its GPU-layer decision on the file it loads.
 */
export async function planGgufFile(options: PlanGgufFileOptions): Promise<ModelPlan> {
    const file = await readGguf(options.source, options.read);
    const architecture = architectureFromGguf(file, options.source);
    const matches = matchVariant(architecture);
    const info = ggufModelInfo(file);
    const name = path.basename(options.source).replace(/\.gguf$/i, "");
    const quant = info.fileTypeName ?? "file";
    return planWeights({
        ...options,
        subject: {kind: "file", source: options.source, name, description: info.name ?? `${info.architecture ?? "unknown"} model`, architecture,
            ...(matches === undefined ? {} : {matches})},
        architecture, weights: modelWeightsFromGguf(file), quant,
        qualityNote: findQuantOption(quant)?.qualityNote ?? "as quantized in the file"
    });
}
