import {UnknownQuantError, UnknownVariantError} from "../catalog/index.js";
import {ModelStore} from "../store/ModelStore.js";
import {resolvePullSource} from "../store/resolvePullSource.js";
import {R1Error} from "../util/R1Error.js";
import {ApiError} from "./ApiError.js";
import {ModelNotFoundError} from "../store/errors/ModelNotFoundError.js";
import {pullIter} from "../store/pullIter.js";
import {resolveModel} from "../store/resolveModelPath.js";
import type {LoadedModel} from "../engine/types.js";
import type {LoadFile} from "./FileModelSource.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource, PullProgress} from "./ModelSource.js";

/**
 * The models pulled into r1's store (`r1 pull`), by store name or catalog alias
 * (`deepseek-r1:7b`). Pulls and deletes through the store. Never resolves file paths: a
 * client must not be able to open arbitrary files by naming them.
 */
export class StoreModelSource implements ModelSource {
    private readonly _store: ModelStore;
    private readonly _load: LoadFile;

    constructor(options: {load: LoadFile, store?: ModelStore}) {
        this._store = options.store ?? new ModelStore();
        this._load = options.load;
    }

    async list(): Promise<ModelDescriptor[]> {
        const models = await this._store.list();
        const complete = models.filter((model) => model.status === "complete" && model.manifest !== undefined);
        return (await Promise.all(complete.map((model) => this.resolve(model.name)))).filter((model) => model !== undefined);
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        const isHf = name.startsWith("hf:");
        if (!isHf && (name.includes("/") || name.includes("\\") || name.toLowerCase().endsWith(".gguf") || name.startsWith(".") || name.startsWith("~")))
            return undefined;
        try {
            const resolved = await resolveModel(name, {store: this._store});
            if (resolved.manifest === undefined || resolved.name === undefined) return undefined;
            const stored = await this._store.inspect(resolved.name);
            return {
                name: resolved.name,
                path: resolved.path,
                size: resolved.manifest.size,
                modifiedAt: stored?.modified ?? new Date(resolved.manifest.pulledAt),
                digest: resolved.manifest.sha256,
                ...(resolved.manifest.quant === undefined ? {} : {quantization: resolved.manifest.quant.toUpperCase()})
            };
        } catch {
            return undefined;
        }
    }

    load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        return this._load(model.path, options);
    }

    /**
     * Ollama's progress vocabulary: `pulling manifest`, then per file (Ollama's layer, keyed by
     * `digest`) `pulling <file>` with that file's `total`/`completed` bytes, ending at
     * `completed === total` (progress events are throttled, so the last one may fall short),
     * `verifying sha256 digest`, `writing manifest`. The route adds the final `success`.
     */
    async *pull(name: string, signal: AbortSignal): AsyncIterable<PullProgress> {
        // A name the catalog does not know fails here, before any progress, as a 404 (400 for a malformed one).
        try {
            resolvePullSource(name);
        } catch (error) {
            if (error instanceof UnknownVariantError || error instanceof UnknownQuantError)
                throw new ApiError("model_not_found", error.message, {param: "model", cause: error});
            if (error instanceof R1Error) throw new ApiError("invalid_request", error.message, {param: "model", cause: error});
            throw error;
        }
        const sizes = new Map<string, number>();
        const finished = new Set<string>();
        const complete = (file: string): PullProgress => {
            finished.add(file);
            const size = sizes.get(file) ?? 0;
            return {status: `pulling ${file}`, digest: file, total: size, completed: size};
        };
        for await (const event of pullIter(name, {store: this._store, signal})) {
            if (event.type === "resolving") yield {status: "pulling manifest"};
            else if (event.type === "resolved") for (const file of event.files) sizes.set(file.name, file.size);
            else if (event.type === "file-start")
                yield {status: `pulling ${event.file}`, digest: event.file, total: event.size, completed: event.resumeFrom};
            else if (event.type === "progress")
                yield {status: `pulling ${event.file}`, digest: event.file, total: event.fileSize, completed: event.fileBytes};
            else if (event.type === "verifying") {
                yield complete(event.file);
                yield {status: "verifying sha256 digest"};
            } else if (event.type === "file-done" && !finished.has(event.file)) yield complete(event.file);
            else if (event.type === "done") yield {status: "writing manifest"};
        }
    }

    async remove(name: string): Promise<boolean> {
        const model = await this.resolve(name);
        try {
            await this._store.remove(model?.name ?? name);
            return true;
        } catch (error) {
            if (error instanceof ModelNotFoundError) return false;
            throw error;
        }
    }
}
