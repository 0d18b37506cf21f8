/**
 * Defaults and limits every engine applies to a load request, so `r1 run` means the same
 * context on node-llama-cpp and on llama-server.
 */

/**
 * Context size per sequence when the caller does not choose one: what `r1 run`, `r1 serve`, both engines
 * and `r1 plan` (which imports it from here) assume, so the plan is for the context r1 loads. 8,192 and not
 * less: R1 thinks before it answers, and a typical AIME reasoning chain is 12,000 tokens (R1 model card),
 * so 4,096 cut most answers off in the thinking. Not the trained context either: llama.cpp's own default
 * is the trained 131,072 tokens for R1, 15 s and 3.6 GB more on CPU for the 1.5B, measured.
 */
export const DEFAULT_CONTEXT_SIZE = 8192;

/**
 * The context an engine loads when not asked for one: `DEFAULT_CONTEXT_SIZE`, capped at the model's
 * trained context (node-llama-cpp's `trainContextSize`, GGUF `<arch>.context_length`) when it is known (> 0).
 */
export function defaultContextSize(trainedContextSize: number): number {
    return trainedContextSize > 0 ? Math.min(DEFAULT_CONTEXT_SIZE, trainedContextSize) : DEFAULT_CONTEXT_SIZE;
}
/** Smallest context accepted from a caller (a chat template and a word or two). */
export const MIN_CONTEXT_SIZE = 16;
/** Largest context accepted from a caller, whatever the model claims. */
export const MAX_CONTEXT_SIZE = 1 << 20;
export const MAX_PARALLEL_SEQUENCES = 64;
