/** Which other program's files a model was found in. */
export type LocalStoreOrigin = "ollama" | "lmstudio" | "hf-cache" | "llama.cpp";

/**
 * A model found, read-only, in another program's store (Ollama, LM Studio, the Hugging Face cache,
 * llama.cpp's cache). r1 never copies, moves or writes these files; it only opens them.
 */
export interface LocalStoreModel {
    /** The prefixed name r1 accepts for it: `ollama:deepseek-r1:14b`, `hf:OWNER/REPO/FILE.gguf`, `lmstudio:PUB/MODEL/FILE.gguf`, `llamacpp:FILE.gguf`. */
    name: string;
    origin: LocalStoreOrigin;
    /** What llama.cpp opens: the file, or the first part of a split model. */
    path: string;
    /** All files of the model (parts in order); only those present. */
    files: string[];
    /** Bytes of the files present. */
    size: number;
    modified: Date;
    /** `ok` models run; the others are listed so the user sees them, and refused by name. */
    status: "ok" | "incomplete" | "not-gguf";
    /** Why it is not `ok` (`2 of 3 split parts present`, `download unfinished`…). */
    problem?: string;
    /** Parts of a split model (absent for a single file). */
    parts?: number;
    /** The quantization when the name says it (`Q4_K_M`). */
    quant?: string;
}

/** Name prefixes of the other stores (`hf:` is shared with r1's own hub pulls, which win). */
export const LOCAL_STORE_PREFIXES = ["ollama:", "lmstudio:", "llamacpp:", "hf:"] as const;

/** Whether `name` names a model in another program's store (`hf:` names may be r1's own pulls too). */
export function isLocalStoreName(name: string): boolean {
    return LOCAL_STORE_PREFIXES.some((prefix) => name.startsWith(prefix));
}
