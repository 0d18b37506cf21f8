/** llama.cpp's own programs that r1 builds or finds. */
export const LLAMA_CPP_TOOL_NAMES = ["llama-server", "ggml-rpc-server", "llama-imatrix"] as const;
export type LlamaCppToolName = (typeof LLAMA_CPP_TOOL_NAMES)[number];

/** The ggml backend a build of the tools uses. */
export const LLAMA_CPP_BACKENDS = ["cuda", "metal", "vulkan", "cpu"] as const;
export type LlamaCppBackend = (typeof LLAMA_CPP_BACKENDS)[number];

/** Where an install of the tools came from. */
export type LlamaCppToolOrigin = "given" | "built" | "path";

/** One set of llama.cpp tools r1 can use: a build of its own, a given binary, or one on PATH. */
export interface LlamaCppInstall {
    readonly origin: LlamaCppToolOrigin;
    /** Folder that holds the binaries. */
    readonly dir: string;
    /** Backend of a build r1 made; unknown for other installs. */
    readonly backend?: LlamaCppBackend;
    /** What `llama-server --version` says (e.g. `0.4.0-dev (build 1, commit 80fb11a)`), or the build's release. */
    readonly version?: string;
    /** `true` when it is the llama.cpp release of the embedded engine (same flags and API). */
    readonly compatible: boolean;
    /** Why it is not usable, when `compatible` is false. */
    readonly problem?: string;
    /** What `r1 engine build`'s AMX probe found for a build r1 made (its stamp); unknown for other installs and older stamps. */
    readonly amx?: "usable" | "unusable" | "absent";
    /** The tools present in `dir`, by name. */
    readonly tools: Readonly<Partial<Record<LlamaCppToolName, string>>>;
}

/** What `findLlamaCppTools` found. */
export interface FoundLlamaCppTools {
    /** Every install seen, in order of preference: given, built (by backend), PATH. */
    readonly installs: readonly LlamaCppInstall[];
    /** For each tool, the binary r1 uses: the first compatible install that has it. */
    readonly paths: Readonly<Partial<Record<LlamaCppToolName, string>>>;
}
