import {GgmlType} from "../gguf/GgmlType.js";
import type {DenseArchitecture, MoeArchitecture, TensorSpec, Variant} from "./types.js";

export interface VariantTensorsOptions {
    /** Type of the 2-D weights in the source file. Defaults to `GgmlType.F16` (convert_hf_to_gguf's default). */
    readonly weightType?: GgmlType;
}

/**
 * Every tensor of the variant's GGUF as llama.cpp's converter writes it (gguf-quant-spec §1.8):
 * names, shapes in ggml `ne` order (fastest dimension first) and the source-precision type.
 * 1-D tensors (norms, biases, rope factors) and the MoE router are F32, as convert writes them.
 * The 671B uses the current MLA layout (`attn_k_b`/`attn_v_b`, 1086 tensors; the MTP layer is
 * not converted).
 */
export function variantTensors(variant: Variant, options: VariantTensorsOptions = {}): TensorSpec[] {
    const weightType = options.weightType ?? GgmlType.F16;
    const a = variant.architecture;
    return a.kind === "dense" ? denseTensors(a, weightType) : moeTensors(a, weightType);
}

function denseTensors(a: DenseArchitecture, w: GgmlType): TensorSpec[] {
    const f32 = GgmlType.F32;
    const n = a.hiddenSize;
    const q = a.heads * a.headDim;
    const kv = a.kvHeads * a.headDim;
    const tensors: TensorSpec[] = [{name: "token_embd.weight", shape: [n, a.vocabSize], type: w}];
    tensors.push({name: "output_norm.weight", shape: [n], type: f32});
    if (!a.tiedEmbeddings) tensors.push({name: "output.weight", shape: [n, a.vocabSize], type: w});
    // Llama 3.1-style rope scaling is baked into per-frequency factors (convert's LlamaModel).
    if (a.ropeScaling?.type === "llama3") tensors.push({name: "rope_freqs.weight", shape: [a.headDim / 2], type: f32});
    for (let i = 0; i < a.layers; i++) {
        const b = `blk.${i}.`;
        tensors.push({name: `${b}attn_norm.weight`, shape: [n], type: f32});
        tensors.push({name: `${b}attn_q.weight`, shape: [n, q], type: w});
        tensors.push({name: `${b}attn_k.weight`, shape: [n, kv], type: w});
        tensors.push({name: `${b}attn_v.weight`, shape: [n, kv], type: w});
        if (a.attentionBias) {
            tensors.push({name: `${b}attn_q.bias`, shape: [q], type: f32});
            tensors.push({name: `${b}attn_k.bias`, shape: [kv], type: f32});
            tensors.push({name: `${b}attn_v.bias`, shape: [kv], type: f32});
        }
        if (a.qkNorm) {
            tensors.push({name: `${b}attn_q_norm.weight`, shape: [a.headDim], type: f32});
            tensors.push({name: `${b}attn_k_norm.weight`, shape: [a.headDim], type: f32});
        }
        tensors.push({name: `${b}attn_output.weight`, shape: [q, n], type: w});
        tensors.push({name: `${b}ffn_norm.weight`, shape: [n], type: f32});
        tensors.push({name: `${b}ffn_gate.weight`, shape: [n, a.ffnSize], type: w});
        tensors.push({name: `${b}ffn_up.weight`, shape: [n, a.ffnSize], type: w});
        tensors.push({name: `${b}ffn_down.weight`, shape: [a.ffnSize, n], type: w});
    }
    return tensors;
}

function moeTensors(a: MoeArchitecture, w: GgmlType): TensorSpec[] {
    const f32 = GgmlType.F32;
    const n = a.hiddenSize;
    const qHead = a.qkNopeHeadDim + a.qkRopeHeadDim;
    const shexp = a.expertFfnSize * a.sharedExperts;
    const tensors: TensorSpec[] = [
        {name: "token_embd.weight", shape: [n, a.vocabSize], type: w},
        {name: "output_norm.weight", shape: [n], type: f32},
        {name: "output.weight", shape: [n, a.vocabSize], type: w}
    ];
    for (let i = 0; i < a.layers; i++) {
        const b = `blk.${i}.`;
        tensors.push(
            {name: `${b}attn_norm.weight`, shape: [n], type: f32},
            {name: `${b}attn_q_a.weight`, shape: [n, a.qLoraRank], type: w},
            {name: `${b}attn_q_a_norm.weight`, shape: [a.qLoraRank], type: f32},
            {name: `${b}attn_q_b.weight`, shape: [a.qLoraRank, a.heads * qHead], type: w},
            {name: `${b}attn_kv_a_mqa.weight`, shape: [n, a.kvLoraRank + a.qkRopeHeadDim], type: w},
            {name: `${b}attn_kv_a_norm.weight`, shape: [a.kvLoraRank], type: f32},
            {name: `${b}attn_k_b.weight`, shape: [a.qkNopeHeadDim, a.kvLoraRank, a.heads], type: w},
            {name: `${b}attn_v_b.weight`, shape: [a.kvLoraRank, a.vHeadDim, a.heads], type: w},
            {name: `${b}attn_output.weight`, shape: [a.heads * a.vHeadDim, n], type: w},
            {name: `${b}ffn_norm.weight`, shape: [n], type: f32}
        );
        if (i < a.denseLayers) {
            tensors.push(
                {name: `${b}ffn_gate.weight`, shape: [n, a.ffnSize], type: w},
                {name: `${b}ffn_up.weight`, shape: [n, a.ffnSize], type: w},
                {name: `${b}ffn_down.weight`, shape: [a.ffnSize, n], type: w}
            );
            continue;
        }
        tensors.push(
            {name: `${b}ffn_gate_inp.weight`, shape: [n, a.experts], type: f32},
            {name: `${b}exp_probs_b.bias`, shape: [a.experts], type: f32},
            {name: `${b}ffn_gate_exps.weight`, shape: [n, a.expertFfnSize, a.experts], type: w},
            {name: `${b}ffn_up_exps.weight`, shape: [n, a.expertFfnSize, a.experts], type: w},
            {name: `${b}ffn_down_exps.weight`, shape: [a.expertFfnSize, n, a.experts], type: w},
            {name: `${b}ffn_gate_shexp.weight`, shape: [n, shexp], type: w},
            {name: `${b}ffn_up_shexp.weight`, shape: [n, shexp], type: w},
            {name: `${b}ffn_down_shexp.weight`, shape: [shexp, n], type: w}
        );
    }
    return tensors;
}

/** Number of elements of a shape. */
export function tensorElements(shape: readonly number[]): number {
    return shape.reduce((product, d) => product * d, 1);
}

/** Layer index of a `blk.N.` tensor, or `undefined` for global tensors. */
export function tensorLayer(name: string): number | undefined {
    const match = /^blk\.(\d+)\./.exec(name);
    return match === null ? undefined : Number(match[1]);
}
