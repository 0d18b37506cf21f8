import path from "node:path";
import {ggufFileGroups} from "./ggufFileGroups.js";
import type {LocalStoreModel} from "./LocalStoreModel.js";
import {walkGgufFiles} from "./walkGgufFiles.js";

/**
 * LM Studio's models folder: `PUBLISHER/MODEL/FILE.gguf` (the hub's OWNER/REPO kept), named
 * `lmstudio:PUBLISHER/MODEL/FILE.gguf`. The first folder that has models wins a name.
 */
export async function findLmStudioModels(dirs: readonly string[]): Promise<LocalStoreModel[]> {
    const models: LocalStoreModel[] = [];
    const names = new Set<string>();
    for (const dir of dirs) {
        const files = (await walkGgufFiles(dir, 3)).filter((rel) => rel.split("/").length === 3);
        const found = files.map((rel) => ({name: `lmstudio:${rel}`, path: path.join(dir, ...rel.split("/"))})).filter((file) => !names.has(file.name));
        for (const model of await ggufFileGroups(found, "lmstudio")) {
            names.add(model.name);
            models.push(model);
        }
    }
    return models;
}
