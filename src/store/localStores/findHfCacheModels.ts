import fs from "node:fs/promises";
import path from "node:path";
import {ggufFileGroups, type FoundGguf} from "./ggufFileGroups.js";
import type {LocalStoreModel, LocalStoreOrigin} from "./LocalStoreModel.js";
import {walkGgufFiles} from "./walkGgufFiles.js";

/** Suffixes of blobs still being written: huggingface_hub's, and llama.cpp's own downloader's. */
const UNFINISHED_BLOB = /\.(?:incomplete|downloadInProgress)$/;
const REPO_FOLDER = /^models--([A-Za-z0-9][\w.-]*)--([A-Za-z0-9][\w.-]*)$/;

async function readText(file: string): Promise<string | undefined> {
    try {
        return (await fs.readFile(file, "utf8")).slice(0, 200).trim();
    } catch {
        return undefined;
    }
}

/**
 * GGUF files in a Hugging Face hub cache (`models--OWNER--REPO/snapshots/COMMIT/PATH`, files
 * symlinked into `blobs/`), named `hf:OWNER/REPO/PATH`. The snapshot `refs/main` points at comes
 * first; files only in older snapshots are listed too. Blobs still downloading
 * (`*.incomplete`, `*.downloadInProgress`) are listed per repository as unfinished.
 */
export async function findHfCacheModels(cacheDir: string, origin: LocalStoreOrigin = "hf-cache"): Promise<LocalStoreModel[]> {
    let repos: string[];
    try {
        repos = (await fs.readdir(cacheDir)).filter((name) => REPO_FOLDER.test(name)).sort();
    } catch {
        return [];
    }
    const models: LocalStoreModel[] = [];
    for (const folder of repos) {
        const [, owner = "", name = ""] = REPO_FOLDER.exec(folder) ?? [];
        const repo = `${owner}/${name}`;
        const repoDir = path.join(cacheDir, folder);
        const main = await readText(path.join(repoDir, "refs", "main"));
        let snapshots: string[];
        try {
            snapshots = (await fs.readdir(path.join(repoDir, "snapshots"))).filter((commit) => /^[0-9a-f]{7,64}$/i.test(commit)).sort();
        } catch {
            snapshots = [];
        }
        if (main !== undefined && snapshots.includes(main)) snapshots = [main, ...snapshots.filter((commit) => commit !== main)];
        const found = new Map<string, FoundGguf>();
        for (const commit of snapshots) {
            const snapshot = path.join(repoDir, "snapshots", commit);
            for (const rel of await walkGgufFiles(snapshot)) {
                const modelName = `hf:${repo}/${rel}`;
                if (!found.has(modelName)) found.set(modelName, {name: modelName, path: path.join(snapshot, ...rel.split("/"))});
            }
        }
        models.push(...await ggufFileGroups([...found.values()], origin));
        let blobs: string[] = [];
        try {
            blobs = (await fs.readdir(path.join(repoDir, "blobs"))).filter((blob) => UNFINISHED_BLOB.test(blob));
        } catch {
            // no blobs folder: nothing downloading
        }
        for (const blob of blobs) {
            const file = path.join(repoDir, "blobs", blob);
            const stats = await fs.stat(file).catch(() => undefined);
            if (stats === undefined) continue;
            models.push({name: `hf:${repo}`, origin, path: file, files: [file], size: stats.size, modified: stats.mtime, status: "incomplete",
                problem: "download unfinished"});
        }
    }
    return models;
}
