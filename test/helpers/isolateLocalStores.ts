import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Points every other program's model store that r1 reads (Ollama, LM Studio, the Hugging Face and
 * llama.cpp caches) at empty temporary folders, in this process's environment, which the r1
 * processes a test starts inherit: a developer's real models never show up in `/v1/models`, `r1 ls
 * --all` or a name lookup, and no test depends on what is in their home. Import it (for its effect)
 * first in tests that start servers or list or resolve models.
 */
export const isolatedStoresRoot = mkdtempSync(path.join(os.tmpdir(), "r1-test-stores-"));

/** The variables set, each to an empty folder under `isolatedStoresRoot` (the folders are not created). */
export const ISOLATED_STORE_ENV = {
    OLLAMA_MODELS: path.join(isolatedStoresRoot, "ollama"),
    R1_LMSTUDIO_MODELS: path.join(isolatedStoresRoot, "lmstudio"),
    HF_HUB_CACHE: path.join(isolatedStoresRoot, "hf-hub"),
    HUGGINGFACE_HUB_CACHE: path.join(isolatedStoresRoot, "hf-hub"),
    HF_HOME: path.join(isolatedStoresRoot, "hf-home"),
    LLAMA_CACHE: path.join(isolatedStoresRoot, "llama-cache")
} as const;

Object.assign(process.env, ISOLATED_STORE_ENV);
process.on("exit", () => rmSync(isolatedStoresRoot, {recursive: true, force: true}));
