import {chooseTensorTypes, compareTensorNamesLikeLlama, type ModelFacts, type TensorTypeChoice} from "../quant/chooseTensorType.js";
import {findQuantRecipe} from "../quant/recipes.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {findQuantOption} from "./quantOptions.js";
import type {TensorSpec, Variant} from "./types.js";
import {variantTensors} from "./variantTensors.js";

/** GGUF data alignment llama.cpp writes (gguf-quant-spec §1.5): every tensor is padded to it. */
const GGUF_ALIGNMENT = 32;

/**
 * Metadata bytes per vocabulary entry of a byte-level BPE tokenizer (the string + its length,
 * its token type, and about one merge rule per token). Fitted on Ollama's deepseek-r1:7b file
 * (4,683,075,271 B minus its computed tensor bytes ≈ 5.96 MB for 152,064 entries); the -14B file,
 * which was not used for the fit, lands within 0.001% with it.
 */
const TOKENIZER_METADATA_BYTES_PER_VOCAB_ENTRY = 39;

/** Header, architecture keys and chat template: a few KiB. */
const FIXED_METADATA_BYTES = 16 * 1024;

/** A quant name the variant does not offer. */
export class UnknownQuantError extends R1Error {
    constructor(readonly quant: string, readonly validQuants: readonly string[]) {
        super(`unknown quant "${quant}"; valid: ${validQuants.join(", ")}`, {exitCode: ExitCode.usage});
    }
}

export interface VariantFileSize {
    /** Whole file: metadata + padded tensor data. */
    readonly totalBytes: number;
    /** Σ tensor bytes padded to the alignment. */
    readonly tensorBytes: number;
    /** Estimated header + tokenizer + keys. */
    readonly metadataBytes: number;
    /** 8 · tensor bytes / parameters, as llama.cpp reports BPW. */
    readonly bitsPerWeight: number;
    /** Per-tensor types and sizes, in llama-quantize's order. */
    readonly tensors: readonly TensorTypeChoice[];
}

/** The facts llama-quantize's rules read from a variant's metadata. */
export function variantModelFacts(variant: Variant): ModelFacts {
    const a = variant.architecture;
    return {
        architecture: a.arch,
        layerCount: a.layers,
        headCount: a.heads,
        // MLA files store head_count_kv 1 (the latent cache is shared by all heads).
        headCountKv: a.kind === "dense" ? a.kvHeads : 1,
        expertCount: a.kind === "moe" ? a.experts : 0
    };
}

// Keyed by architecture object: R1 and R1-0528 share one and so share their results.
const cache = new WeakMap<object, Map<string, VariantFileSize>>();
const sortedTensors = new WeakMap<object, TensorSpec[]>();

// Handing the rules their input already in llama-quantize's order makes their sort linear
// (TimSort on sorted input), which keeps `r1 plan` for the whole family well under a second.
function tensorsInQuantizeOrder(variant: Variant): TensorSpec[] {
    let tensors = sortedTensors.get(variant.architecture);
    if (tensors === undefined) {
        tensors = variantTensors(variant).sort((a, b) => compareTensorNamesLikeLlama(a.name, b.name));
        sortedTensors.set(variant.architecture, tensors);
    }
    return tensors;
}

/**
 * Size of the variant's GGUF in `quant`, computed tensor by tensor from the shapes and
 * llama-quantize's per-tensor type rules (src/quant) — not params × nominal bpw. Dynamic quants
 * apply their recipe's `--tensor-type` rules first. Memoized: the result is immutable.
 */
export function variantFileSize(variant: Variant, quant: string): VariantFileSize {
    let perArchitecture = cache.get(variant.architecture);
    if (perArchitecture === undefined) cache.set(variant.architecture, perArchitecture = new Map());
    const key = quant.toUpperCase();
    const hit = perArchitecture.get(key);
    if (hit !== undefined && variant.quants.includes(key)) return hit;
    const option = findQuantOption(quant);
    if (option === undefined || !variant.quants.includes(option.name)) throw new UnknownQuantError(quant, variant.quants);
    const recipe = option.recipe === undefined ? undefined : findQuantRecipe(option.recipe);
    const fileType = recipe?.baseFileType ?? option.fileType;
    if (fileType === undefined) throw new UnknownQuantError(quant, variant.quants);
    const plan = chooseTensorTypes(tensorsInQuantizeOrder(variant), variantModelFacts(variant), {
        fileType,
        overrides: recipe?.rules ?? [],
        // The dynamic quants were made with an imatrix; it only relaxes rules, never sizes.
        hasImatrix: recipe !== undefined
    });
    const tensorBytes = plan.tensors.reduce((sum, t) => sum + Math.ceil(t.targetBytes / GGUF_ALIGNMENT) * GGUF_ALIGNMENT, 0);
    const metadataBytes = FIXED_METADATA_BYTES + variant.architecture.vocabSize * TOKENIZER_METADATA_BYTES_PER_VOCAB_ENTRY;
    const result: VariantFileSize = {
        totalBytes: tensorBytes + metadataBytes, tensorBytes, metadataBytes,
        bitsPerWeight: plan.bitsPerWeight, tensors: plan.tensors
    };
    perArchitecture.set(key, result);
    return result;
}
