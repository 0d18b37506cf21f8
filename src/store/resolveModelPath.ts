import fs from "node:fs";
import path from "node:path";
import {resolveModelName} from "../catalog/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {ModelNotFoundError} from "./errors/ModelNotFoundError.js";
import type {ModelManifest} from "./ModelManifest.js";
import {ModelStore} from "./ModelStore.js";
import {findLocalStoreModel, resolveLocalStoreModel, type LocalStoreEnvironment, type LocalStoreOrigin} from "./localStores/index.js";
import {isHfReference, parseHfReference} from "./parseModelReference.js";
import {splitModelParts} from "./splitModelParts.js";

export interface ResolveModelOptions {
    /** Defaults to `new ModelStore({home})`. */
    store?: ModelStore;
    /** r1 data folder. Defaults to `R1_HOME` or `~/.r1`. */
    home?: string;
    /** Where the other programs' stores are. Defaults to this machine's (environment variables, home folder). */
    localStores?: LocalStoreEnvironment;
}

/** A model ready to load: its files (first part first) and, for pulled ones, the manifest. */
export interface ResolvedLocalModel {
    /** What llama.cpp opens: the file, or the first part of a split model. */
    path: string;
    files: string[];
    /** Store name, when it came from the store. */
    name?: string;
    manifest?: ModelManifest;
    /** Set when the model is another program's file (`ollama:…`, `hf:…` from the hub cache): r1 only reads it. */
    origin?: LocalStoreOrigin;
}

function looksLikePath(input: string): boolean {
    return input.includes("/") || input.includes("\\") || input.toLowerCase().endsWith(".gguf") || input.startsWith("~") || input.startsWith(".");
}

/** Whether `file` starts with GGUF's magic (4 bytes read). */
function hasGgufMagic(file: string): boolean {
    let fd: number | undefined;
    try {
        fd = fs.openSync(file, "r");
        const magic = Buffer.alloc(4);
        return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.toString("latin1") === "GGUF";
    } catch {
        return false;
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

function expandHome(input: string): string {
    return input === "~" || input.startsWith("~/") ? path.join(process.env.HOME ?? "", input.slice(1)) : input;
}

/**
 * Finds a model by what the user typed: an existing file path; `hf:OWNER/REPO/FILE.gguf` (pulled,
 * else from the Hugging Face or llama.cpp cache); `ollama:NAME`, `lmstudio:PUB/MODEL/FILE.gguf`,
 * `llamacpp:FILE.gguf` (other programs' stores, read-only); a pulled model's store name; or any
 * catalog name or alias (`deepseek-r1:14b`) of a pulled model.
 * Throws `ModelNotFoundError` (one line, suggesting `r1 pull NAME`) when it is not there.
 */
export async function resolveModel(nameOrPath: string, options: ResolveModelOptions = {}): Promise<ResolvedLocalModel> {
    const input = nameOrPath.trim();
    const store = options.store ?? new ModelStore({home: options.home});
    const fromStore = async (name: string): Promise<ResolvedLocalModel> => {
        const model = await store.get(name);
        const files = model.manifest.files.map((file) => store.filePath(name, file.name));
        return {path: files[0]!, files, name, manifest: model.manifest};
    };

    const fromLocalStore = (model: {name: string, path: string, files: string[], origin: LocalStoreOrigin}): ResolvedLocalModel =>
        ({path: model.path, files: model.files, name: model.name, origin: model.origin});
    if (/^(?:ollama|lmstudio|llamacpp):/.test(input)) return fromLocalStore(await resolveLocalStoreModel(input, options.localStores));
    if (isHfReference(input)) {
        const reference = parseHfReference(input);
        const name = `hf:${reference.repo}/${splitModelParts(reference.file)[0]}`;
        try {
            return await fromStore(name);
        } catch (error) {
            // Not pulled by r1: the Hugging Face (or llama.cpp) cache may have it.
            if (!(error instanceof ModelNotFoundError)) throw error;
            const cached = await findLocalStoreModel(name, options.localStores);
            if (cached === undefined) throw error;
            return fromLocalStore(cached);
        }
    }
    // A file of that name counts even without a path separator (`r1 run README.md` must not suggest pulling it).
    if (looksLikePath(input) || fs.statSync(input, {throwIfNoEntry: false})?.isFile() === true) {
        const file = path.resolve(expandHome(input));
        let stats: fs.Stats | undefined;
        try {
            stats = fs.statSync(file);
        } catch {
            stats = undefined;
        }
        if (stats?.isFile() === true) {
            if (!hasGgufMagic(file))
                throw new R1Error(`${input} is not a GGUF model file`, {exitCode: ExitCode.badFile,
                    hint: "r1 runs .gguf files (llama.cpp's format); `r1 ls --all` lists the models on this machine"});
            return {path: file, files: splitModelParts(file).filter((part) => fs.existsSync(part))};
        }
        if (input.includes("/") || input.includes("\\") || input.toLowerCase().endsWith(".gguf"))
            throw new R1Error(`no such model file: ${file}`, {exitCode: ExitCode.notFound, hint: "check the path, or use a pulled model's name (`r1 ls`)"});
    }
    let direct: Awaited<ReturnType<ModelStore["inspect"]>>;
    try {
        direct = await store.inspect(input);
    } catch {
        direct = undefined;
    }
    if (direct !== undefined) return fromStore(input);
    let canonical: string;
    try {
        canonical = resolveModelName(input).canonicalName;
    } catch (error) {
        // Not a catalog name: pulling it would not work either, so do not suggest it.
        throw new ModelNotFoundError(input, {unknown: true, cause: error});
    }
    const model = await store.inspect(canonical);
    if (model === undefined) throw new ModelNotFoundError(input);
    return fromStore(canonical);
}

/** The GGUF path to open for `nameOrPath` (first part of a split model); see `resolveModel()`. */
export async function resolveModelPath(nameOrPath: string, options: ResolveModelOptions = {}): Promise<string> {
    return (await resolveModel(nameOrPath, options)).path;
}
