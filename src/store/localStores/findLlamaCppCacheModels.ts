import fs from "node:fs/promises";
import path from "node:path";
import {findHfCacheModels} from "./findHfCacheModels.js";
import {ggufFileGroups} from "./ggufFileGroups.js";
import type {LocalStoreModel} from "./LocalStoreModel.js";

/**
 * llama.cpp's `-hf` cache. Current llama.cpp keeps the Hugging Face layout (in `LLAMA_CACHE` when
 * set, else in the hub cache itself, which `findHfCacheModels` covers); older versions wrote flat
 * `OWNER_REPO_FILE.gguf` files with `.json` sidecars, named here `llamacpp:FILE.gguf`, and
 * `*.downloadInProgress` files while downloading.
 */
export async function findLlamaCppCacheModels(dirs: readonly string[]): Promise<LocalStoreModel[]> {
    const models: LocalStoreModel[] = [];
    for (const dir of dirs) {
        models.push(...await findHfCacheModels(dir, "llama.cpp"));
        let entries: string[];
        try {
            entries = (await fs.readdir(dir)).sort();
        } catch {
            continue;
        }
        const ggufs = [];
        for (const entry of entries) {
            if (!entry.toLowerCase().endsWith(".gguf")) continue;
            const stats = await fs.stat(path.join(dir, entry)).catch(() => undefined);
            if (stats?.isFile() === true) ggufs.push({name: `llamacpp:${entry}`, path: path.join(dir, entry)});
        }
        models.push(...await ggufFileGroups(ggufs, "llama.cpp"));
        for (const entry of entries.filter((name) => name.endsWith(".gguf.downloadInProgress"))) {
            const file = path.join(dir, entry);
            const stats = await fs.stat(file).catch(() => undefined);
            if (stats === undefined) continue;
            models.push({name: `llamacpp:${entry.slice(0, -".downloadInProgress".length)}`, origin: "llama.cpp", path: file, files: [file],
                size: stats.size, modified: stats.mtime, status: "incomplete", problem: "download unfinished"});
        }
    }
    return models;
}
