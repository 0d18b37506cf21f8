/** Most files looked at in one store: a home folder full of other things must not stall `r1 ls --all`. */
export const MAX_LOCAL_STORE_FILES = 20_000;
/** Largest Ollama manifest read (real ones are about a kilobyte). */
export const MAX_OLLAMA_MANIFEST_BYTES = 1 << 20;
/** Deepest folder walked below a store's root (LM Studio nests PUBLISHER/MODEL; hub repos may nest a few folders). */
export const MAX_LOCAL_STORE_DEPTH = 6;
