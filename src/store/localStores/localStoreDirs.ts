import path from "node:path";

/** Where to look; every field is overridable for tests. */
export interface LocalStoreEnvironment {
    /** Defaults to `process.env`. */
    env?: NodeJS.ProcessEnv;
    /** Defaults to `os.homedir()`. */
    home?: string;
    /** Defaults to `process.platform`. */
    platform?: NodeJS.Platform;
}

export interface LocalStoreDirs {
    /** Ollama model folders (each holds `manifests/` and `blobs/`). */
    ollama: string[];
    /** LM Studio model folders (`PUBLISHER/MODEL/FILE.gguf`). */
    lmstudio: string[];
    /** The Hugging Face hub cache (`models--OWNER--REPO/snapshots/…`). */
    hfCache: string;
    /** llama.cpp's cache: an HF-layout folder (llama.cpp ≥ b7900, `LLAMA_CACHE`) and its older flat folder of `OWNER_REPO_FILE.gguf`. */
    llamaCpp: string[];
}

/**
 * The documented locations of each store, pure (no file system access):
 * - Ollama: `OLLAMA_MODELS`, else `~/.ollama/models` (macOS, Windows `%USERPROFILE%\.ollama\models`, Linux
 *   user installs) and, on Linux, the system service's `/usr/share/ollama/.ollama/models`.
 * - LM Studio: `~/.lmstudio/models` (0.3+) and the older `~/.cache/lm-studio/models`; `R1_LMSTUDIO_MODELS` names the
 *   folder instead (LM Studio lets its users move it, and keeps that choice in its own settings, which r1 does not read).
 * - Hugging Face: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub` (`XDG_CACHE_HOME` respected,
 *   as huggingface_hub and llama.cpp do).
 * - llama.cpp: `LLAMA_CACHE`, else its older default (`XDG_CACHE_HOME` or `~/.cache` + `llama.cpp`,
 *   `~/Library/Caches/llama.cpp` on macOS, `%LOCALAPPDATA%\llama.cpp` on Windows). Current llama.cpp
 *   without `LLAMA_CACHE` downloads into the Hugging Face cache itself.
 */
export function localStoreDirs({env = process.env, home = "", platform = process.platform}: LocalStoreEnvironment = {}): LocalStoreDirs {
    const join = platform === "win32" ? path.win32.join : path.posix.join;
    const set = (name: string) => {
        const value = env[name];
        return value === undefined || value.trim() === "" ? undefined : value;
    };
    const xdgCache = set("XDG_CACHE_HOME") ?? join(home, ".cache");
    const ollama = set("OLLAMA_MODELS") !== undefined ? [set("OLLAMA_MODELS")!]
        : [join(home, ".ollama", "models"), ...(platform === "linux" ? ["/usr/share/ollama/.ollama/models"] : [])];
    const hfHome = set("HF_HOME");
    const hfCache = set("HF_HUB_CACHE") ?? set("HUGGINGFACE_HUB_CACHE") ?? (hfHome !== undefined ? join(hfHome, "hub") : join(platform === "win32" ? join(home, ".cache") : xdgCache, "huggingface", "hub"));
    const llamaCppDefault = platform === "darwin" ? join(home, "Library", "Caches", "llama.cpp")
        : platform === "win32" ? join(set("LOCALAPPDATA") ?? join(home, "AppData", "Local"), "llama.cpp")
        : join(xdgCache, "llama.cpp");
    const llamaCpp = set("LLAMA_CACHE") !== undefined ? [set("LLAMA_CACHE")!] : [llamaCppDefault];
    return {
        ollama,
        lmstudio: set("R1_LMSTUDIO_MODELS") !== undefined ? [set("R1_LMSTUDIO_MODELS")!]
            : [join(home, ".lmstudio", "models"), join(platform === "win32" ? join(home, ".cache") : xdgCache, "lm-studio", "models")],
        hfCache,
        llamaCpp
    };
}
