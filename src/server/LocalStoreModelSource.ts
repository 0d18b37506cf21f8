import {createHash} from "node:crypto";
import path from "node:path";
import {findLocalStoreModels, type LocalStoreEnvironment, type LocalStoreModel} from "../store/index.js";
import type {LoadedModel} from "../engine/types.js";
import type {LoadFile} from "./FileModelSource.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource} from "./ModelSource.js";

function describe(model: LocalStoreModel): ModelDescriptor {
    // Ollama's blobs are named by their sha256; other files get a digest of path, size and date, as --model files do.
    const blob = /^sha256-([0-9a-f]{64})$/.exec(path.basename(model.path))?.[1];
    return {
        name: model.name,
        path: model.path,
        size: model.size,
        modifiedAt: model.modified,
        digest: blob ?? createHash("sha256").update(`${model.path}\u0000${model.size}\u0000${model.modified.getTime()}`).digest("hex"),
        ...(model.quant === undefined ? {} : {quantization: model.quant})
    };
}

/**
 * The runnable models other programs keep on this machine (Ollama, LM Studio, the Hugging Face and
 * llama.cpp caches), by their prefixed names (`ollama:deepseek-r1:14b`). Read-only: no pull, no
 * delete. A client can only name a model this source found, never a path.
 */
export class LocalStoreModelSource implements ModelSource {
    private readonly _load: LoadFile;
    private readonly _environment: LocalStoreEnvironment;

    constructor(options: {load: LoadFile, environment?: LocalStoreEnvironment}) {
        this._load = options.load;
        this._environment = options.environment ?? {};
    }

    async list(): Promise<ModelDescriptor[]> {
        return (await findLocalStoreModels(this._environment)).filter((model) => model.status === "ok").map(describe);
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        const wanted = name.startsWith("ollama:") && !name.slice("ollama:".length).includes(":") ? `${name}:latest` : name;
        return (await this.list()).find((model) => model.name === name || model.name === wanted);
    }

    load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        return this._load(model.path, options);
    }
}
