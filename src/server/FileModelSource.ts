import {createHash} from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type {LoadedModel} from "../engine/types.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource} from "./ModelSource.js";

/** Loads one GGUF file; in `r1 serve` the engine's `loadModel` with the command's placement flags. */
export type LoadFile = (path: string, options: ModelLoadOptions) => Promise<LoadedModel>;

/** A model file and the name clients use for it. */
export interface NamedModelFile {
    name: string;
    path: string;
}

/**
 * Models named on the command line (`--model FILE.gguf`), served under the given names (by
 * default the file name without `.gguf`, e.g. `stories260K`). Cannot pull or delete.
 */
export class FileModelSource implements ModelSource {
    private readonly _files: Map<string, string>;
    private readonly _load: LoadFile;
    private readonly _duplicate?: string;

    constructor(options: {files: (string | NamedModelFile)[], load: LoadFile}) {
        this._files = new Map();
        for (const entry of options.files) {
            const file = typeof entry === "string" ? {name: modelNameOfFile(entry), path: entry} : entry;
            if (this._files.has(file.name)) this._duplicate ??= file.name;
            this._files.set(file.name, path.resolve(file.path));
        }
        this._load = options.load;
    }

    /** Fails with one line when a file is missing or two files would share a name. */
    async check(): Promise<void> {
        if (this._duplicate !== undefined)
            throw new R1Error(`two models would both be called "${this._duplicate}"`, {hint: "rename one of the files"});
        for (const file of this._files.values()) {
            await fs.access(file).catch(() => {
                throw new R1Error(`no such model file: ${file}`, {exitCode: ExitCode.notFound, hint: "give the path of a .gguf file, or a model name from `r1 ls`"});
            });
        }
    }

    async list(): Promise<ModelDescriptor[]> {
        const models = await Promise.all([...this._files.keys()].map((name) => this.resolve(name)));
        return models.filter((model) => model !== undefined);
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        const file = this._files.get(name) ?? this._files.get(name.replace(/:latest$/, ""));
        if (file === undefined) return undefined;
        const stat = await fs.stat(file).catch(() => undefined);
        if (stat === undefined) return undefined;
        const quantization = /[-.](I?Q\d_[A-Z0-9_]+|Q\d_\d|F16|BF16|F32)$/i.exec(modelNameOfFile(file))?.[1]?.toUpperCase();
        return {
            name: this._files.has(name) ? name : name.replace(/:latest$/, ""),
            path: file,
            size: stat.size,
            modifiedAt: stat.mtime,
            // Not the content hash (that would read the whole file): stable while the file is unchanged.
            digest: createHash("sha256").update(`${file}\u0000${stat.size}\u0000${stat.mtimeMs}`).digest("hex"),
            readOnly: true,
            ...(quantization === undefined ? {} : {quantization})
        };
    }

    load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        return this._load(model.path, options);
    }
}

/** `dir/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf` → `DeepSeek-R1-Distill-Qwen-7B-Q4_K_M`. */
export function modelNameOfFile(file: string): string {
    return path.basename(file).replace(/\.gguf$/i, "").replace(/[^A-Za-z0-9._:/-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "model";
}
