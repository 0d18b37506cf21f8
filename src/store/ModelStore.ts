import fs from "node:fs/promises";
import path from "node:path";
import {acquireFileLock, liveLockOwner} from "./acquireFileLock.js";
import {DamagedModelError} from "./errors/DamagedModelError.js";
import {ModelNotFoundError} from "./errors/ModelNotFoundError.js";
import {MAX_MANIFEST_BYTES, type ModelManifest, modelManifestSchema, type PendingPull, pendingPullSchema} from "./ModelManifest.js";
import {modelDirName, modelNameFromDir, pathInside, validateStoredFileName} from "./modelNames.js";
import {resolveR1Home} from "./resolveR1Home.js";
import {writeFileAtomic} from "./writeFileAtomic.js";

/** File names inside a model folder. */
export const MANIFEST_FILE = "manifest.json";
export const PENDING_PULL_FILE = "pull.json";

/**
 * One entry of `r1 ls`. `complete`: manifest present and every file there at its size.
 * `partial`: a pull started and has not finished (it resumes). `damaged`: a manifest whose files
 * are missing or the wrong size.
 */
export interface StoredModel {
    name: string;
    status: "complete" | "partial" | "damaged";
    /** Folder holding the model's files. */
    dir: string;
    /** Bytes on disk now (for `partial`, what has been downloaded so far). */
    sizeOnDisk: number;
    /** Full size once complete, when known. */
    size?: number;
    quant?: string;
    /** When the manifest (or the pending pull) was last written. */
    modified: Date;
    manifest?: ModelManifest;
    pending?: PendingPull;
    /** For `damaged`: what is wrong. */
    problem?: string;
    /** For `partial`: the live process pulling it right now, if any. */
    pullingPid?: number;
}

export interface ModelStoreOptions {
    /** The r1 data folder. Defaults to `resolveR1Home()` (`R1_HOME` or `~/.r1`). */
    home?: string;
}

async function readJson(file: string): Promise<unknown> {
    const handle = await fs.open(file, "r");
    try {
        const {size} = await handle.stat();
        if (size > MAX_MANIFEST_BYTES) throw new Error(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes`);
        return JSON.parse(await handle.readFile("utf8"));
    } finally {
        await handle.close();
    }
}

async function statOrUndefined(file: string) {
    try {
        return await fs.stat(file);
    } catch {
        return undefined;
    }
}

/**
 * The models under `<home>/models/`, one folder per model named by `modelDirName()`. A model
 * counts as pulled only once its `manifest.json` exists, and that file is written last, by
 * atomic rename, after every file has been verified.
 */
export class ModelStore {
    readonly home: string;
    readonly modelsDir: string;

    constructor(options: ModelStoreOptions = {}) {
        this.home = options.home ?? resolveR1Home();
        this.modelsDir = path.join(this.home, "models");
    }

    /** Folder of a model (whether or not it exists); throws `InvalidModelNameError` for bad names. */
    modelDir(name: string): string {
        return pathInside(this.modelsDir, modelDirName(name));
    }

    /** Path of one of a model's files, checked to stay inside its folder. */
    filePath(name: string, fileName: string): string {
        validateStoredFileName(fileName);
        return pathInside(this.modelDir(name), fileName);
    }

    /** Every model folder, complete or not, sorted by name. Folders that are not models are ignored. */
    async list(): Promise<StoredModel[]> {
        let entries: string[];
        try {
            entries = await fs.readdir(this.modelsDir);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
            throw error;
        }
        const models: StoredModel[] = [];
        for (const entry of entries.sort()) {
            const name = modelNameFromDir(entry);
            if (name === undefined) continue;
            const model = await this.inspect(name);
            if (model !== undefined) models.push(model);
        }
        return models.sort((a, b) => a.name.localeCompare(b.name));
    }

    /** The model's state, or `undefined` when nothing of it is in the store. */
    async inspect(name: string): Promise<StoredModel | undefined> {
        const dir = this.modelDir(name);
        const dirStats = await statOrUndefined(dir);
        if (dirStats === undefined || !dirStats.isDirectory()) return undefined;
        const manifestPath = path.join(dir, MANIFEST_FILE);
        const manifestStats = await statOrUndefined(manifestPath);
        if (manifestStats !== undefined) {
            let manifest: ModelManifest;
            try {
                manifest = modelManifestSchema.parse(await readJson(manifestPath));
            } catch {
                return {name, status: "damaged", dir, sizeOnDisk: await this.bytesIn(dir), modified: manifestStats.mtime, problem: "its manifest.json is unreadable"};
            }
            let sizeOnDisk = 0;
            let problem: string | undefined;
            for (const file of manifest.files) {
                let filePath: string;
                try {
                    filePath = this.filePath(name, file.name);
                } catch {
                    problem = `its manifest names a bad file ${JSON.stringify(file.name)}`;
                    break;
                }
                const stats = await statOrUndefined(filePath);
                if (stats === undefined) problem ??= `${file.name} is missing`;
                else if (stats.size !== file.size) problem ??= `${file.name} is ${stats.size} bytes, expected ${file.size}`;
                sizeOnDisk += stats?.size ?? 0;
            }
            if (manifest.name !== name) problem ??= `its manifest is for ${manifest.name}`;
            return {
                name, dir, sizeOnDisk, size: manifest.size, quant: manifest.quant, modified: manifestStats.mtime, manifest,
                status: problem === undefined ? "complete" : "damaged",
                ...(problem === undefined ? {} : {problem})
            };
        }
        let pending: PendingPull | undefined;
        const pendingStats = await statOrUndefined(path.join(dir, PENDING_PULL_FILE));
        try {
            pending = pendingPullSchema.parse(await readJson(path.join(dir, PENDING_PULL_FILE)));
        } catch {
            pending = undefined;
        }
        const pullingPid = await liveLockOwner(path.join(dir, "pull"));
        return {
            name, status: "partial", dir, sizeOnDisk: await this.bytesIn(dir), size: pending?.totalBytes,
            modified: pendingStats?.mtime ?? dirStats.mtime, ...(pending === undefined ? {} : {pending}),
            ...(pullingPid === undefined ? {} : {pullingPid})
        };
    }

    /** The complete model called `name`, or throws `ModelNotFoundError` (saying so when it is partial). */
    async get(name: string): Promise<StoredModel & {manifest: ModelManifest}> {
        const model = await this.inspect(name);
        if (model === undefined) throw new ModelNotFoundError(name);
        if (model.status === "partial") throw new ModelNotFoundError(name, {partial: true});
        if (model.status === "damaged" || model.manifest === undefined)
            throw new DamagedModelError(name, model.problem ?? "its manifest is unreadable");
        return model as StoredModel & {manifest: ModelManifest};
    }

    /** Absolute paths of a complete model's files, in order (the first is what llama.cpp opens). */
    async modelFiles(name: string): Promise<string[]> {
        const model = await this.get(name);
        return model.manifest.files.map((file) => this.filePath(name, file.name));
    }

    /** Writes the manifest last, atomically: from this moment the model is complete. */
    async writeManifest(manifest: ModelManifest): Promise<void> {
        const valid = modelManifestSchema.parse(manifest);
        const dir = this.modelDir(valid.name);
        await fs.mkdir(dir, {recursive: true});
        await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(valid, null, 2)}\n`);
        await fs.rm(path.join(dir, PENDING_PULL_FILE), {force: true});
    }

    /** Records that a pull has started, so a half-done one shows in `r1 ls` and `r1 rm` can find it. */
    async writePendingPull(pending: PendingPull): Promise<void> {
        const valid = pendingPullSchema.parse(pending);
        const dir = this.modelDir(valid.name);
        await fs.mkdir(dir, {recursive: true});
        await writeFileAtomic(path.join(dir, PENDING_PULL_FILE), `${JSON.stringify(valid, null, 2)}\n`);
    }

    /**
     * Deletes the model's folder with everything in it (files, partial downloads, locks). Refuses
     * while a live process is downloading into it. Returns the bytes freed.
     */
    async remove(name: string): Promise<{freedBytes: number}> {
        const dir = this.modelDir(name);
        const stats = await statOrUndefined(dir);
        if (stats === undefined || !stats.isDirectory()) throw new ModelNotFoundError(name);
        // Taking every lock proves no pull is writing here; stale ones from dead processes are taken over.
        const locks = [];
        try {
            for (const entry of await fs.readdir(dir))
                if (entry.endsWith(".lock")) locks.push(await acquireFileLock(path.join(dir, entry.slice(0, -".lock".length)), name));
            const freedBytes = await this.bytesIn(dir);
            await fs.rm(dir, {recursive: true, force: true});
            return {freedBytes};
        } finally {
            for (const lock of locks) await lock.release().catch(() => undefined);
        }
    }

    private async bytesIn(dir: string): Promise<number> {
        let total = 0;
        for (const entry of await fs.readdir(dir, {withFileTypes: true}))
            if (entry.isFile()) total += (await fs.stat(path.join(dir, entry.name))).size;
        return total;
    }
}
