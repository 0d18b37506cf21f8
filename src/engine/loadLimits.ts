/**
 * Defaults and limits every engine applies to a load request, so `r1 run` means the same
 * context on node-llama-cpp and on llama-server.
 */

/**
 * Context size per sequence when the caller (normally the planner) does not choose one. Letting
 * llama.cpp choose means the trained context, 131,072 tokens for R1: 15 s and 3.6 GB more on CPU, measured.
 */
export const DEFAULT_CONTEXT_SIZE = 4096;
/** Smallest context accepted from a caller (a chat template and a word or two). */
export const MIN_CONTEXT_SIZE = 16;
/** Largest context accepted from a caller, whatever the model claims. */
export const MAX_CONTEXT_SIZE = 1 << 20;
export const MAX_PARALLEL_SEQUENCES = 64;
