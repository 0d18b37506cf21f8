import fs from "node:fs/promises";
import path from "node:path";
import {z} from "zod";
import {quantFromFileName} from "../resolvePullSource.js";
import {MAX_OLLAMA_MANIFEST_BYTES} from "./limits.js";
import type {LocalStoreModel} from "./LocalStoreModel.js";
import {hasGgufMagic} from "./ggufFileGroups.js";

/** The layer of an Ollama manifest that is the GGUF weights. */
export const OLLAMA_MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model";
const DEFAULT_REGISTRY = "registry.ollama.ai";
const DEFAULT_NAMESPACE = "library";

const manifestSchema = z.object({
    layers: z.array(z.object({mediaType: z.string(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), size: z.number().int().nonnegative()})).max(64)
});

/** Ollama's short name for `HOST/NAMESPACE/MODEL/TAG`: `deepseek-r1:14b`, `user/model:tag`, `hf.co/OWNER/REPO:Q4_K_M`. */
export function ollamaModelName(host: string, namespace: string, model: string, tag: string): string {
    if (host === DEFAULT_REGISTRY) return namespace === DEFAULT_NAMESPACE ? `${model}:${tag}` : `${namespace}/${model}:${tag}`;
    return `${host}/${namespace}/${model}:${tag}`;
}

async function listDir(dir: string): Promise<string[]> {
    try {
        return (await fs.readdir(dir)).filter((name) => !name.startsWith(".")).sort();
    } catch {
        return [];
    }
}

/**
 * Models in Ollama's store: each manifest `manifests/HOST/NAMESPACE/MODEL/TAG` names its GGUF as a
 * layer of type `application/vnd.ollama.image.model`, stored as `blobs/sha256-HEX`. Named
 * `ollama:` + Ollama's own name. A manifest whose blob is missing or shorter than the manifest says
 * is incomplete. Only manifests and 4 bytes of each blob are read.
 */
export async function findOllamaModels(dirs: readonly string[]): Promise<LocalStoreModel[]> {
    const models: LocalStoreModel[] = [];
    const names = new Set<string>();
    for (const dir of dirs) {
        const manifests = path.join(dir, "manifests");
        for (const host of await listDir(manifests)) {
            for (const namespace of await listDir(path.join(manifests, host))) {
                for (const model of await listDir(path.join(manifests, host, namespace))) {
                    for (const tag of await listDir(path.join(manifests, host, namespace, model))) {
                        const name = `ollama:${ollamaModelName(host, namespace, model, tag)}`;
                        if (names.has(name)) continue;
                        const found = await readOllamaManifest(dir, path.join(manifests, host, namespace, model, tag), name, tag);
                        if (found === undefined) continue;
                        names.add(name);
                        models.push(found);
                    }
                }
            }
        }
    }
    return models;
}

async function readOllamaManifest(dir: string, manifestPath: string, name: string, tag: string): Promise<LocalStoreModel | undefined> {
    let manifest: z.infer<typeof manifestSchema>;
    try {
        const stats = await fs.stat(manifestPath);
        if (!stats.isFile() || stats.size > MAX_OLLAMA_MANIFEST_BYTES) return undefined;
        manifest = manifestSchema.parse(JSON.parse(await fs.readFile(manifestPath, "utf8")));
    } catch {
        return undefined; // not a manifest r1 understands: not listed
    }
    const layer = manifest.layers.find((candidate) => candidate.mediaType === OLLAMA_MODEL_MEDIA_TYPE);
    if (layer === undefined) return undefined;
    const blob = path.join(dir, "blobs", layer.digest.replace(":", "-"));
    const stats = await fs.stat(blob).catch(() => undefined);
    const model: LocalStoreModel = {name, origin: "ollama", path: blob, files: stats === undefined ? [] : [blob], size: stats?.size ?? 0,
        modified: stats?.mtime ?? new Date(0), status: "ok"};
    const quant = quantFromFileName(`${tag}.gguf`);
    if (quant !== undefined) model.quant = quant;
    if (stats === undefined || stats.size < layer.size) {
        model.status = "incomplete";
        model.problem = stats === undefined ? "its weights blob is missing" : `${stats.size} of ${layer.size} bytes of its weights present`;
        return model;
    }
    // Ollama's newer engines keep some models in other formats than GGUF.
    if (!await hasGgufMagic(blob)) {
        model.status = "not-gguf";
        model.problem = "not a GGUF file";
    }
    return model;
}
