import type {Architecture} from "../catalog/index.js";

/**
 * Scratch memory llama.cpp's graph needs on a device for one micro-batch (f32 activations):
 * the logits (ubatch × vocab, on the device holding the output), the widest FFN intermediate
 * (gate and up, or the active experts' slices), a few hidden-state copies, and attention scratch
 * — small with flash attention, ubatch × context × heads × 4 B for the score matrix without it.
 * An estimate of what llama.cpp's allocator reports as "compute buffer size", not a measurement:
 * the planner adds explicit headroom on top of it.
 */
export function computeBufferBytes(architecture: Architecture, options: {
    microBatch: number, contextSize: number, flashAttention: boolean, holdsOutput: boolean
}): number {
    const a = architecture;
    const u = options.microBatch;
    const ffn = a.kind === "dense" ? a.ffnSize : Math.max(a.ffnSize, a.expertsUsed * a.expertFfnSize + a.sharedExperts * a.expertFfnSize);
    const keyWidth = a.kind === "dense" ? a.headDim : a.kvLoraRank + a.qkRopeHeadDim;
    const attention = options.flashAttention
        ? u * a.heads * keyWidth * 4 * 2
        : u * options.contextSize * a.heads * 4;
    const logits = options.holdsOutput ? u * a.vocabSize * 4 : 0;
    return logits + u * 3 * ffn * 4 + u * 8 * a.hiddenSize * 4 + attention;
}
