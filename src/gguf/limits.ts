/**
 * Named limits for every size an untrusted GGUF header can claim. Each is checked before any
 * allocation, so a hostile or corrupt file is rejected instead of exhausting memory. They are
 * generous for real models (DeepSeek R1 671B: ~1,000 tensors per part, 129k-token vocabulary).
 */

/** Largest header (KVs + tensor infos) read into memory. Real headers are ≤ ~30 MiB. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** Longest metadata string (chat templates are tens of KiB; ggml allows up to 1 GiB). */
export const MAX_STRING_BYTES = 64 * 1024 * 1024;
/** Longest metadata key (gguf spec: 65535). */
export const MAX_KEY_BYTES = 65535;
/** Most elements in one metadata array (vocabularies and merges are < 1M; ggml allows 2^30). */
export const MAX_ARRAY_LENGTH = 1 << 24;
/** Most metadata key/value pairs. */
export const MAX_KV_COUNT = 1 << 20;
/** Most tensors in one file. */
export const MAX_TENSOR_COUNT = 1 << 20;
/** Longest tensor name in bytes (`GGML_MAX_NAME` = 64 including the NUL). */
export const MAX_TENSOR_NAME_BYTES = 63;
/** Most dimensions of a tensor (`GGML_MAX_DIMS`). */
export const MAX_TENSOR_DIMS = 4;
/** Most parts of a split model (`-00001-of-NNNNN`). */
export const MAX_SPLIT_PARTS = 1024;
/** Largest alignment accepted (`general.alignment`); real files use 32. */
export const MAX_ALIGNMENT = 1 << 20;
