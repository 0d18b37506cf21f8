import fs from "node:fs/promises";
import {quantFromFileName} from "../resolvePullSource.js";
import {MAX_SPLIT_PARTS} from "../splitModelParts.js";
import type {LocalStoreModel, LocalStoreOrigin} from "./LocalStoreModel.js";

/** A `.gguf` file found in a store: the name r1 shows for it and where it is. */
export interface FoundGguf {
    name: string;
    path: string;
}

const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
/** Vision projectors and other companions are not language models. */
const COMPANION = /(?:^|[/_-])mmproj[^/]*\.gguf$/i;

/** Whether the file starts with GGUF's magic (reads 4 bytes, never writes). */
export async function hasGgufMagic(file: string): Promise<boolean> {
    let handle: fs.FileHandle | undefined;
    try {
        handle = await fs.open(file, "r");
        const {bytesRead, buffer} = await handle.read(Buffer.alloc(4), 0, 4, 0);
        return bytesRead === 4 && buffer.toString("latin1") === "GGUF";
    } catch {
        return false;
    } finally {
        await handle?.close();
    }
}

/**
 * Files found in a store as models: the parts of a split GGUF (`…-00001-of-00003.gguf`) become one
 * model named after its first part, `incomplete` when parts are missing; a file that is empty or
 * not a GGUF is listed as such. Runs stat and a 4-byte read per model, nothing else.
 */
export async function ggufFileGroups(found: readonly FoundGguf[], origin: LocalStoreOrigin): Promise<LocalStoreModel[]> {
    const groups = new Map<string, {parts: number, present: Map<number, FoundGguf>}>();
    const models: LocalStoreModel[] = [];
    for (const file of found) {
        if (COMPANION.test(file.name)) continue;
        const split = SPLIT.exec(file.name);
        const count = Number(split?.[3] ?? 0);
        const index = Number(split?.[2] ?? 0);
        if (split === null || count < 1 || count > MAX_SPLIT_PARTS || index < 1 || index > count) {
            groups.set(file.name, {parts: 1, present: new Map([[1, file]])});
            continue;
        }
        const key = `${split[1]}-of-${split[3]}`;
        const group = groups.get(key) ?? {parts: count, present: new Map()};
        group.present.set(index, file);
        groups.set(key, group);
    }
    for (const {parts, present} of groups.values()) {
        const ordered = [...present.entries()].sort((a, b) => a[0] - b[0]).map(([, file]) => file);
        const first = present.get(1) ?? ordered[0]!;
        const name = parts === 1 ? first.name : first.name.replace(SPLIT, (_, base: string) => `${base}-00001-of-${String(parts).padStart(5, "0")}.gguf`);
        let size = 0;
        let modified = new Date(0);
        for (const file of ordered) {
            const stats = await fs.stat(file.path).catch(() => undefined);
            size += stats?.size ?? 0;
            if (stats !== undefined && stats.mtime > modified) modified = stats.mtime;
        }
        const model: LocalStoreModel = {name, origin, path: first.path, files: ordered.map((file) => file.path), size, modified, status: "ok"};
        if (parts > 1) model.parts = parts;
        const quant = quantFromFileName(first.name);
        if (quant !== undefined) model.quant = quant;
        if (present.size < parts) {
            model.status = "incomplete";
            model.problem = `${present.size} of ${parts} split parts present`;
        } else if (size === 0) {
            model.status = "incomplete";
            model.problem = "empty file";
        } else if (!await hasGgufMagic(first.path)) {
            model.status = "not-gguf";
            model.problem = "not a GGUF file";
        }
        models.push(model);
    }
    return models;
}
