// Port of llama.cpp's per-tensor type selection (src/llama-quant.cpp, llama.cpp release v0.4.0,
// gguf-quant-spec §6). MIT-licensed original; this is a derivative work.
import {GgmlType, ggmlTypeTraits, ggmlTensorBytes} from "../gguf/GgmlType.js";
import {LlamaFileType, defaultTensorTypeOfFileType} from "../gguf/LlamaFileType.js";
import {ExitCode, R1Error} from "../util/R1Error.js";

/** What the type rules need to know about one tensor: header data only. */
export interface TensorHeader {
    readonly name: string;
    /** ggml `ne`, fastest-varying dimension first. */
    readonly shape: readonly number[];
    readonly type: GgmlType;
}

/** Model-wide facts the rules consult (all from the GGUF metadata). */
export interface ModelFacts {
    /** `general.architecture` (`llama`, `qwen2`, `deepseek2`, `falcon`…). */
    readonly architecture: string;
    /** `{arch}.block_count`. */
    readonly layerCount: number;
    /** `{arch}.attention.head_count` (layer 0 when per-layer). */
    readonly headCount: number;
    /** `{arch}.attention.head_count_kv`; equals headCount when absent. */
    readonly headCountKv: number;
    /** `{arch}.expert_count`; 0 for dense models. */
    readonly expertCount: number;
}

/** One `--tensor-type REGEX=TYPE` rule. */
export interface TensorTypeOverride {
    readonly pattern: RegExp;
    readonly type: GgmlType;
}

export interface ChooseTensorTypesOptions {
    readonly fileType: LlamaFileType;
    /** Regex → type, first match wins, applied before the file type's rules. Defaults to none. */
    readonly overrides?: readonly TensorTypeOverride[];
    /** Skip the file type's "more bits" rules (llama-quantize `--pure`). Defaults to `false`. */
    readonly pure?: boolean;
    /** Keep `output.weight` unquantized (`--leave-output-tensor`). Defaults to `false`. */
    readonly leaveOutputTensor?: boolean;
    /** Type for `token_embd.weight` (`--token-embedding-type`). Defaults to the rules. */
    readonly tokenEmbeddingType?: GgmlType;
    /** Type for `output.weight` (`--output-tensor-type`). Defaults to the rules. */
    readonly outputTensorType?: GgmlType;
    /** Whether an importance matrix is used (changes a few rules). Defaults to `false`. */
    readonly hasImatrix?: boolean;
}

export interface TensorTypeChoice {
    readonly name: string;
    readonly shape: readonly number[];
    readonly sourceType: GgmlType;
    readonly targetType: GgmlType;
    /** The rules allow quantizing this tensor at all (2-D+, a weight, not a norm or router…). */
    readonly quantizable: boolean;
    /** A `--tensor-type` override decided the type. */
    readonly overridden: boolean;
    /** The row length forced a fallback type (spec §6.7). */
    readonly fallback: boolean;
    readonly elements: number;
    readonly sourceBytes: number;
    readonly targetBytes: number;
}

export interface TensorTypePlan {
    /** One entry per tensor, in llama-quantize's output order (§1.6 step 5). */
    readonly tensors: readonly TensorTypeChoice[];
    readonly fileType: LlamaFileType;
    readonly totalElements: number;
    readonly totalSourceBytes: number;
    /** Σ tensor bytes of the output (no metadata, no alignment padding). */
    readonly totalTargetBytes: number;
    /** 8·Σbytes/Σelements of the output, as llama.cpp reports it (§7). */
    readonly bitsPerWeight: number;
    readonly fallbackCount: number;
    /** Override patterns that matched no tensor (usually a typo). */
    readonly unusedOverrides: readonly TensorTypeOverride[];
    /** Tensors whose chosen type needs an importance matrix r1 does not have. */
    readonly requiresImatrix: readonly string[];
}

/** The file type has no quantized default tensor type r1 knows (e.g. MXFP4_MOE). */
export class UnsupportedFileTypeError extends R1Error {
    constructor(readonly fileType: number) {
        super(`file type ${fileType} has no default tensor type`, {hint: "choose one of the listed --type values"});
    }
}

/** A MoE tensor name without a parsable layer, or a layer beyond block_count. */
export class BadTensorLayerError extends R1Error {
    constructor(readonly tensorName: string, detail: string) {
        super(`tensor ${tensorName}: ${detail}`, {exitCode: ExitCode.badFile, hint: "the file's tensor names or block_count are inconsistent"});
    }
}

export enum TensorCategory {
    Output, TokenEmbd, AttnQkv, AttnKvB, AttnV, AttnK, AttnQ, AttnOutput, FfnUp, FfnGate, FfnDown, Other
}

/** Category of a tensor by name, first match wins (spec §6.2). */
export function tensorCategory(name: string): TensorCategory {
    if (name === "output.weight") return TensorCategory.Output;
    if (name === "token_embd.weight" || name === "per_layer_token_embd.weight") return TensorCategory.TokenEmbd;
    if (name.includes("attn_qkv.weight")) return TensorCategory.AttnQkv;
    if (name.includes("attn_kv_b.weight")) return TensorCategory.AttnKvB;
    if (name.includes("attn_v.weight")) return TensorCategory.AttnV;
    if (name.includes("attn_k.weight")) return TensorCategory.AttnK;
    if (name.includes("attn_q.weight")) return TensorCategory.AttnQ;
    if (name.includes("attn_output.weight")) return TensorCategory.AttnOutput;
    if (name.includes("ffn_up")) return TensorCategory.FfnUp;
    if (name.includes("ffn_gate")) return TensorCategory.FfnGate;
    if (name.includes("ffn_down")) return TensorCategory.FfnDown;
    return TensorCategory.Other;
}

function isAttnVLike(c: TensorCategory): boolean {
    return c === TensorCategory.AttnV || c === TensorCategory.AttnQkv || c === TensorCategory.AttnKvB;
}

/** `ggml_n_dims`: index of the last dimension > 1, plus one (at least 1). */
export function ggmlNDims(shape: readonly number[]): number {
    for (let i = shape.length - 1; i >= 1; i--) if ((shape[i] ?? 1) > 1) return i + 1;
    return 1;
}

const neverQuantizedSubstrings = [
    "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
    "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
    "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight",
    "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
    "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
    "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_",
    ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd"
];

/** Whether llama-quantize may change this tensor's type at all (spec §6.1 step 1). */
export function tensorAllowsQuantization(name: string, shape: readonly number[], leaveOutputTensor = false): boolean {
    if (ggmlNDims(shape) < 2) return false;
    if (!name.endsWith("weight")) return false;
    if (leaveOutputTensor && name === "output.weight") return false;
    // BERT position embeddings / token types (LLM_TN names)
    if (name === "position_embd.weight" || name === "token_types.weight") return false;
    return !neverQuantizedSubstrings.some((s) => name.includes(s));
}

/** `sscanf(name, "blk.%d.")`: the layer number, or -1. */
export function tensorLayer(name: string): number {
    const m = /^blk\.\s*([+-]?\d+)/.exec(name);
    return m === null ? -1 : Number.parseInt(m[1]!, 10);
}

/** llama.cpp's `weights_map` order: layer ascending (non-`blk.` first), then byte-wise name. */
export function compareTensorNamesLikeLlama(a: string, b: string): number {
    const la = tensorLayer(a), lb = tensorLayer(b);
    if (la !== lb) return la < lb ? -1 : 1;
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function useMoreBits(i: number, n: number): boolean {
    const n8 = Math.trunc(n / 8);
    // C's % keeps the dividend's sign; JS's does too.
    return i < n8 || i >= Math.trunc(7 * n / 8) || (i - n8) % 3 === 2;
}

const isQuantizedType = (t: GgmlType): boolean =>
    !(t === GgmlType.F32 || t === GgmlType.F16 || t === GgmlType.BF16 || t === GgmlType.F64 ||
        t === GgmlType.I8 || t === GgmlType.I16 || t === GgmlType.I32 || t === GgmlType.I64);

function blockSize(t: GgmlType): number {
    const traits = ggmlTypeTraits(t);
    if (traits === undefined) throw new RangeError(`unknown ggml type ${t}`);
    return traits.blockSize;
}

/** Fallback when ne[0] is not a multiple of the chosen type's block size (spec §6.7). */
export function fallbackTensorType(rowLength: number, target: GgmlType): {type: GgmlType, fallback: boolean} {
    const qk = blockSize(target);
    if (rowLength % qk === 0) return {type: target, fallback: false};
    let type: GgmlType;
    switch (target) {
        case GgmlType.IQ1_S: case GgmlType.IQ1_M: case GgmlType.IQ2_XXS: case GgmlType.IQ2_XS: case GgmlType.IQ2_S:
        case GgmlType.IQ3_XXS: case GgmlType.IQ3_S: case GgmlType.IQ4_XS:
            type = GgmlType.IQ4_NL; break;
        case GgmlType.Q2_0: case GgmlType.Q2_K: case GgmlType.Q3_K: case GgmlType.TQ1_0: case GgmlType.TQ2_0:
            type = GgmlType.Q4_0; break;
        case GgmlType.Q4_K: type = GgmlType.Q5_0; break;
        case GgmlType.Q5_K: type = GgmlType.Q5_1; break;
        case GgmlType.Q6_K: type = GgmlType.Q8_0; break;
        default:
            if (qk <= 32) { type = target; break; }
            throw new R1Error(`no tensor type fallback is defined for type ${GgmlType[target]}`);
    }
    if (rowLength % blockSize(type) !== 0) type = GgmlType.F16;
    return {type, fallback: true};
}

const F = LlamaFileType;
const T = GgmlType;

interface RuleState {
    readonly facts: ModelFacts;
    readonly ftype: LlamaFileType;
    readonly hasImatrix: boolean;
    readonly nAttentionWv: number;
    readonly hasTiedEmbeddings: boolean;
    readonly nGqa: number;
    readonly is70B: boolean;
    iAttentionWv: number;
    iFfnDown: number;
    iFfnGate: number;
    iFfnUp: number;
}

// `llama_tensor_get_type_impl`: the file type's mixture rules. Mutates the counters like the original.
function applyMixtureRules(s: RuleState, type: GgmlType, t: TensorHeader, category: TensorCategory): GgmlType {
    const ftype = s.ftype, arch = s.facts.architecture, nExpert = s.facts.expertCount;
    const isFalcon = arch === "falcon";
    const layerInfo = (counter: number): [number, number] => {
        const n = s.facts.layerCount;
        if (Math.max(1, nExpert) > 1) {
            const layer = tensorLayer(t.name);
            if (layer < 0 || layer >= n) throw new BadTensorLayerError(t.name, `layer ${layer} is outside [0, ${n})`);
            return [layer, n];
        }
        return [counter, n];
    };
    const iq12 = ftype === F.MOSTLY_IQ2_XXS || ftype === F.MOSTLY_IQ2_XS || ftype === F.MOSTLY_IQ1_S ||
        ftype === F.MOSTLY_IQ2_S || ftype === F.MOSTLY_IQ2_M || ftype === F.MOSTLY_IQ1_M;

    if (category === TensorCategory.Output || (s.hasTiedEmbeddings && category === TensorCategory.TokenEmbd)) {
        const nx = t.shape[0] ?? 1;
        if (ftype === F.MOSTLY_MXFP4_MOE) return T.Q8_0;
        if (isFalcon || nx % blockSize(type) !== 0) return T.Q8_0;
        if (ftype === F.MOSTLY_IQ2_XXS || ftype === F.MOSTLY_IQ2_XS || ftype === F.MOSTLY_IQ3_XXS || ftype === F.MOSTLY_IQ1_S ||
            ftype === F.MOSTLY_IQ2_S || ftype === F.MOSTLY_IQ2_M || ftype === F.MOSTLY_IQ1_M) return T.Q5_K;
        return type !== T.Q8_0 ? T.Q6_K : type;
    }
    if (ftype === F.MOSTLY_MXFP4_MOE) {
        return (t.shape[2] ?? 1) > 1 ? T.MXFP4 : T.Q8_0;
    }
    if (category === TensorCategory.TokenEmbd) {
        if (ftype === F.MOSTLY_IQ2_XXS || ftype === F.MOSTLY_IQ2_XS || ftype === F.MOSTLY_IQ1_S || ftype === F.MOSTLY_IQ1_M) return T.Q2_K;
        if (ftype === F.MOSTLY_IQ2_S || ftype === F.MOSTLY_IQ2_M || ftype === F.MOSTLY_IQ3_XXS) return T.IQ3_S;
        if (ftype === F.MOSTLY_TQ1_0 || ftype === F.MOSTLY_TQ2_0 || ftype === F.MOSTLY_Q2_0) return T.Q4_K;
        return type;
    }
    if (iq12) {
        const iq2sm = ftype === F.MOSTLY_IQ2_S || ftype === F.MOSTLY_IQ2_M;
        if (isAttnVLike(category)) {
            type = s.nGqa >= 4 || nExpert >= 4 ? T.Q4_K : iq2sm ? T.IQ3_S : T.Q2_K;
            s.iAttentionWv++;
        } else if (nExpert === 8 && category === TensorCategory.AttnK) {
            type = T.Q4_K;
        } else if (category === TensorCategory.FfnDown) {
            if (s.iFfnDown < Math.trunc(s.facts.layerCount / 8)) type = iq2sm ? T.IQ3_S : T.Q2_K;
            s.iFfnDown++;
        } else if (category === TensorCategory.AttnOutput) {
            if (nExpert === 8) type = T.Q5_K;
            else if (ftype === F.MOSTLY_IQ1_S || ftype === F.MOSTLY_IQ1_M) type = T.IQ2_XXS;
            else if (iq2sm) type = T.IQ3_S;
        }
        return type;
    }
    if (isAttnVLike(category)) {
        if (ftype === F.MOSTLY_Q2_K) type = s.nGqa >= 4 ? T.Q4_K : T.Q3_K;
        else if (ftype === F.MOSTLY_Q2_K_S && s.nGqa >= 4) type = T.Q4_K;
        else if (ftype === F.MOSTLY_IQ3_XXS) type = s.nGqa >= 4 ? T.Q4_K : !s.hasImatrix ? T.IQ3_S : T.IQ3_XXS;
        else if ((ftype === F.MOSTLY_IQ3_XS || ftype === F.MOSTLY_IQ3_S) && s.nGqa >= 4) type = T.Q4_K;
        else if (ftype === F.MOSTLY_IQ3_M) type = T.Q4_K;
        else if (ftype === F.MOSTLY_Q3_K_M) type = s.iAttentionWv < 2 ? T.Q5_K : T.Q4_K;
        else if (ftype === F.MOSTLY_Q3_K_L) type = T.Q5_K;
        else if ((ftype === F.MOSTLY_IQ4_NL || ftype === F.MOSTLY_IQ4_XS) && s.nGqa >= 4) type = T.Q5_K;
        else if ((ftype === F.MOSTLY_Q4_K_M || ftype === F.MOSTLY_Q5_K_M) && useMoreBits(s.iAttentionWv, s.nAttentionWv)) type = T.Q6_K;
        else if (ftype === F.MOSTLY_Q4_K_S && s.iAttentionWv < 4) type = T.Q5_K;
        if (s.is70B && (type === T.Q3_K || type === T.Q4_K)) type = T.Q5_K;
        if (nExpert === 8) type = T.Q8_0;
        s.iAttentionWv++;
        return type;
    }
    switch (category) {
        case TensorCategory.AttnK:
            if (nExpert === 8) return T.Q8_0;
            if (ftype === F.MOSTLY_IQ3_XS) return T.IQ3_XXS;
            if (ftype === F.MOSTLY_IQ3_XXS) return T.IQ2_S;
            return type;
        case TensorCategory.AttnQ:
            if (ftype === F.MOSTLY_IQ3_XS) return T.IQ3_XXS;
            if (ftype === F.MOSTLY_IQ3_XXS) return T.IQ2_S;
            return type;
        case TensorCategory.FfnDown: {
            const [i, n] = layerInfo(s.iFfnDown);
            const n8 = Math.trunc(n / 8), n16 = Math.trunc(n / 16);
            if (ftype === F.MOSTLY_Q2_K) type = T.Q3_K;
            else if (ftype === F.MOSTLY_Q2_K_S) { if (i < n8) type = T.Q4_K; }
            else if (ftype === F.MOSTLY_IQ3_XXS && !s.hasImatrix) type = i < n8 ? T.Q4_K : T.Q3_K;
            else if (ftype === F.MOSTLY_Q3_K_M) type = i < n16 ? T.Q5_K : !isFalcon || useMoreBits(i, n) ? T.Q4_K : T.Q3_K;
            else if (ftype === F.MOSTLY_IQ3_M && (i < n8 || (nExpert === 8 && useMoreBits(i, n)))) type = T.Q4_K;
            else if (ftype === F.MOSTLY_Q3_K_L) type = isFalcon ? T.Q4_K : T.Q5_K;
            else if (ftype === F.MOSTLY_Q4_K_M) {
                if (isFalcon) type = i < n16 ? T.Q6_K : useMoreBits(i, n) ? T.Q5_K : T.Q4_K;
                else if (useMoreBits(i, n)) type = T.Q6_K;
            } else if (i < n8 && (ftype === F.MOSTLY_IQ4_NL || ftype === F.MOSTLY_IQ4_XS) && !s.hasImatrix) type = T.Q5_K;
            else if (ftype === F.MOSTLY_Q5_K_M && useMoreBits(i, n)) type = T.Q6_K;
            else if (ftype === F.MOSTLY_Q4_K_S && !isFalcon && i < n8) type = T.Q5_K;
            else if ((ftype === F.MOSTLY_Q4_0 || ftype === F.MOSTLY_Q5_0) && s.hasImatrix && i < n8) {
                type = ftype === F.MOSTLY_Q4_0 ? T.Q4_1 : T.Q5_1;
            }
            s.iFfnDown++;
            return type;
        }
        case TensorCategory.AttnOutput:
            if (!isFalcon) {
                if (nExpert === 8) {
                    if (ftype === F.MOSTLY_Q2_K || ftype === F.MOSTLY_IQ3_XS || ftype === F.MOSTLY_IQ3_XXS ||
                        ftype === F.MOSTLY_Q3_K_S || ftype === F.MOSTLY_Q3_K_M || ftype === F.MOSTLY_IQ4_NL ||
                        ftype === F.MOSTLY_Q4_K_S || ftype === F.MOSTLY_Q4_K_M || ftype === F.MOSTLY_IQ3_S ||
                        ftype === F.MOSTLY_IQ3_M || ftype === F.MOSTLY_IQ4_XS) type = T.Q5_K;
                } else if (ftype === F.MOSTLY_Q2_K) type = T.Q3_K;
                else if (ftype === F.MOSTLY_IQ3_XXS) type = T.IQ3_S;
                else if (ftype === F.MOSTLY_Q3_K_M) type = T.Q4_K;
                else if (ftype === F.MOSTLY_Q3_K_L) type = T.Q5_K;
                else if (ftype === F.MOSTLY_IQ3_M) type = T.Q4_K;
            } else if (ftype === F.MOSTLY_Q3_K_L) type = T.Q4_K;
            return type;
        case TensorCategory.FfnGate:
        case TensorCategory.FfnUp: {
            const isGate = category === TensorCategory.FfnGate;
            const [i, n] = layerInfo(isGate ? s.iFfnGate : s.iFfnUp);
            if (ftype === F.MOSTLY_IQ3_XS && i >= Math.trunc(n / 8) && i < Math.trunc(7 * n / 8)) type = T.IQ3_XXS;
            if (isGate) s.iFfnGate++; else s.iFfnUp++;
            return type;
        }
        default:
            return type;
    }
}

const imatrixTypes = new Set([T.IQ3_XXS, T.IQ2_XXS, T.IQ2_XS, T.IQ2_S, T.IQ1_M, T.IQ1_S]);

/** llama-quant's `tensor_requires_imatrix`: IQ1/IQ2/IQ3_XXS targets (and Q2_K in a Q2_K_S file), never the embeddings or output. */
export function tensorRequiresImatrix(name: string, type: GgmlType, ftype: LlamaFileType): boolean {
    if (name === "token_embd.weight" || name === "per_layer_token_embd.weight" || name === "output.weight") return false;
    if (imatrixTypes.has(type)) return true;
    return type === T.Q2_K && ftype === F.MOSTLY_Q2_K_S;
}

/** The llama architectures whose 80-layer models llama.cpp calls "70B" (attn_v gets Q5_K). */
function is70B(facts: ModelFacts): boolean {
    if (facts.layerCount !== 80) return false;
    if (facts.architecture === "llama") return facts.headCount !== facts.headCountKv;
    return facts.architecture === "qwen2" || facts.architecture === "deci" || facts.architecture === "olmo";
}

/**
 * Plans the type of every tensor exactly as llama-quantize would (spec §6), from header data
 * alone: usable for `--dry-run`, the planner's file sizes, and the quantizer itself.
 */
export function chooseTensorTypes(tensors: readonly TensorHeader[], facts: ModelFacts, options: ChooseTensorTypesOptions): TensorTypePlan {
    const {fileType, overrides = [], pure = false, leaveOutputTensor = false, hasImatrix = false} = options;
    const defaultType = defaultTensorTypeOfFileType[fileType] ?? (fileType === F.MOSTLY_Q1_0 ? T.Q1_0
        : fileType === F.MOSTLY_Q2_0 ? T.Q2_0 : fileType === F.MOSTLY_MXFP4_MOE ? T.MXFP4 : undefined);
    if (defaultType === undefined) throw new UnsupportedFileTypeError(fileType);

    const sorted = [...tensors].sort((a, b) => compareTensorNamesLikeLlama(a.name, b.name));
    const state: RuleState = {
        facts, ftype: fileType, hasImatrix,
        nAttentionWv: sorted.filter((t) => isAttnVLike(tensorCategory(t.name))).length,
        hasTiedEmbeddings: !sorted.some((t) => t.name === "output.weight"),
        nGqa: facts.headCountKv > 0 ? Math.trunc(facts.headCount / facts.headCountKv) : 0,
        is70B: is70B(facts),
        iAttentionWv: 0, iFfnDown: 0, iFfnGate: 0, iFfnUp: 0
    };
    const used = new Set<TensorTypeOverride>();
    const needImatrix: string[] = [];
    let fallbackCount = 0, totalElements = 0, totalSourceBytes = 0, totalTargetBytes = 0;

    const choices = sorted.map((t): TensorTypeChoice => {
        const quantizable = tensorAllowsQuantization(t.name, t.shape, leaveOutputTensor);
        const category = tensorCategory(t.name);
        let target = t.type, overridden = false, fallback = false;
        if (quantizable) {
            if (options.tokenEmbeddingType !== undefined && category === TensorCategory.TokenEmbd &&
                !(t.name === "per_layer_token_embd.weight" && overrides.some((o) => o.pattern.test(t.name)))) {
                target = options.tokenEmbeddingType;
            } else if (options.outputTensorType !== undefined && category === TensorCategory.Output) {
                target = options.outputTensorType;
            } else {
                target = defaultType;
                if (isQuantizedType(defaultType)) {
                    const override = overrides.find((o) => regexSearch(o.pattern, t.name));
                    if (override !== undefined) {
                        target = override.type;
                        overridden = true;
                        used.add(override);
                    } else if (!pure) {
                        target = applyMixtureRules(state, target, t, category);
                    }
                    const fb = fallbackTensorType(t.shape[0] ?? 1, target);
                    target = fb.type;
                    fallback = fb.fallback;
                    if (fallback) fallbackCount++;
                }
            }
            if (tensorRequiresImatrix(t.name, target, fileType) && !hasImatrix) needImatrix.push(t.name);
        }
        const elements = t.shape.reduce((a, b) => a * b, 1);
        const sourceBytes = ggmlTensorBytes(t.type, elements);
        const targetBytes = ggmlTensorBytes(target, elements);
        totalElements += elements;
        totalSourceBytes += sourceBytes;
        totalTargetBytes += targetBytes;
        return {name: t.name, shape: t.shape, sourceType: t.type, targetType: target, quantizable, overridden, fallback,
            elements, sourceBytes, targetBytes};
    });

    return {
        tensors: choices, fileType, totalElements, totalSourceBytes, totalTargetBytes,
        bitsPerWeight: totalElements > 0 ? 8 * totalTargetBytes / totalElements : 0,
        fallbackCount,
        unusedOverrides: overrides.filter((o) => !used.has(o)),
        requiresImatrix: needImatrix
    };
}

// std::regex_search semantics: a match anywhere; a global/sticky flag must not carry state.
function regexSearch(pattern: RegExp, name: string): boolean {
    pattern.lastIndex = 0;
    return pattern.test(name);
}

/** Reads {@link ModelFacts} from GGUF metadata given as key → value (arrays: first element). */
export function modelFactsFromMetadata(get: (key: string) => unknown): ModelFacts {
    const architecture = String(get("general.architecture") ?? "");
    const num = (key: string, fallback: number): number => {
        let v = get(`${architecture}.${key}`);
        if (Array.isArray(v) || ArrayBuffer.isView(v)) v = (v as ArrayLike<unknown>)[0];
        if (typeof v === "bigint") return Number(v);
        return typeof v === "number" ? v : fallback;
    };
    const headCount = num("attention.head_count", 0);
    return {
        architecture,
        layerCount: num("block_count", 0),
        headCount,
        headCountKv: num("attention.head_count_kv", headCount),
        expertCount: num("expert_count", 0)
    };
}
