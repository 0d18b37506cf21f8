import os from "node:os";
import {findHfCacheModels} from "./findHfCacheModels.js";
import {findLlamaCppCacheModels} from "./findLlamaCppCacheModels.js";
import {findLmStudioModels} from "./findLmStudioModels.js";
import {findOllamaModels} from "./findOllamaModels.js";
import {localStoreDirs, type LocalStoreEnvironment} from "./localStoreDirs.js";
import type {LocalStoreModel} from "./LocalStoreModel.js";

/**
 * Every model in the other programs' stores on this machine (Ollama, LM Studio, the Hugging Face
 * cache, llama.cpp's cache), read-only. A name found twice is listed once, from the first store
 * that has it runnable.
 */
export async function findLocalStoreModels(environment: LocalStoreEnvironment = {}): Promise<LocalStoreModel[]> {
    const dirs = localStoreDirs({home: os.homedir(), ...environment});
    const all = [
        ...await findOllamaModels(dirs.ollama),
        ...await findLmStudioModels(dirs.lmstudio),
        ...await findHfCacheModels(dirs.hfCache),
        ...await findLlamaCppCacheModels(dirs.llamaCpp.filter((dir) => dir !== dirs.hfCache))
    ];
    // The same file under the same name twice (LLAMA_CACHE pointing into the hub cache) is one model;
    // one file under several names (`ollama cp`) stays several.
    const seen = new Set<string>();
    const runnableNames = new Set<string>();
    return all.filter((model) => {
        const key = `${model.name}\u0000${model.path}`;
        if (seen.has(key) || (model.status === "ok" && runnableNames.has(model.name))) return false;
        seen.add(key);
        if (model.status === "ok") runnableNames.add(model.name);
        return true;
    });
}
