import type {ByteSource} from "./ByteSource.js";
import type {GgufFile, GgufPart} from "./GgufFile.js";
import {GgufHeaderParser, GgufNeedMoreBytes, type ParsedGgufHeader} from "./GgufHeaderParser.js";
import type {GgufTensorInfo} from "./GgufTensorInfo.js";
import {GgufDuplicateError} from "./errors/GgufDuplicateError.js";
import {GgufError} from "./errors/GgufError.js";
import {GgufInvalidError} from "./errors/GgufInvalidError.js";
import {GgufLimitError} from "./errors/GgufLimitError.js";
import {GgufTruncatedError} from "./errors/GgufTruncatedError.js";
import {MAX_HEADER_BYTES, MAX_SPLIT_PARTS} from "./limits.js";
import {openByteSource, type OpenByteSourceOptions} from "./openByteSource.js";

export interface ReadGgufOptions extends OpenByteSourceOptions {
    /** Bytes read first; the window doubles until the header fits. Defaults to 1 MiB. */
    initialReadBytes?: number;
    /** Read all parts of a split model (`-00001-of-0000N.gguf`) as one. Defaults to `true`. */
    split?: boolean;
}

const SPLIT_PATTERN = /-(\d{5})-of-(\d{5})\.gguf((?:[?#].*)?)$/i;

/**
 * Reads the header of a GGUF file (local path or http(s) URL) without reading its tensor data:
 * only a growing prefix of the file, so a multi-GB model costs a few reads or Range requests.
 * Throws `GgufError` subclasses for anything wrong with the file.
 */
export async function readGguf(source: string, options: ReadGgufOptions = {}): Promise<GgufFile> {
    const split = SPLIT_PATTERN.exec(source);
    const first = await readGgufPart(source, options);
    const splitCount = first.metadata.get("split.count") === undefined ? 1 : first.metadata.getNumber("split.count") ?? 1;
    if (options.split === false || (split === null && splitCount <= 1)) return assemble([{...first, source}]);
    if (split === null)
        throw new GgufInvalidError(-1, "split-name", `${source} is one part of a ${splitCount}-part split model, but its name does not say where the others are`,
            {hint: "Keep the original -00001-of-0000N.gguf names."});
    const count = Number(split[2]);
    if (count > MAX_SPLIT_PARTS) throw new GgufLimitError(-1, "MAX_SPLIT_PARTS", "split part count", count, MAX_SPLIT_PARTS);
    const partSource = (i: number) => source.replace(SPLIT_PATTERN, `-${String(i).padStart(5, "0")}-of-${split[2]}.gguf${split[3] ?? ""}`);
    const parts: (ParsedGgufHeader & {source: string, fileSize: number})[] = [];
    for (let i = 1; i <= count; i++) {
        const name = partSource(i);
        const part = name === source ? first : await readGgufPart(name, options);
        const no = part.metadata.get("split.no") === undefined ? undefined : part.metadata.getNumber("split.no");
        const partCount = part.metadata.get("split.count") === undefined ? undefined : part.metadata.getNumber("split.count");
        if ((no !== undefined && no !== i - 1) || (partCount !== undefined && partCount !== count))
            throw new GgufInvalidError(-1, "split-mismatch", `${name} says it is part ${(no ?? 0) + 1} of ${partCount}, expected part ${i} of ${count}`);
        parts.push({...part, source: name});
    }
    return assemble(parts);
}

/** Reads one physical file's header. */
export async function readGgufPart(source: string, options: ReadGgufOptions = {}): Promise<ParsedGgufHeader & {fileSize: number}> {
    const initial = Math.max(64, options.initialReadBytes ?? 1024 * 1024);
    const opened = await openByteSource(source, initial, options);
    try {
        return {...await parseFromSource(opened.source, opened.prefix), fileSize: opened.source.size};
    } catch (error) {
        if (error instanceof GgufError && error.source === undefined) error.source = source;
        throw error;
    } finally {
        await opened.source.close();
    }
}

/**
 * Parses the header of an already open source (for example a `MemoryByteSource`) as a
 * single-part file. `prefix` is what was already read from offset 0, if anything.
 */
export async function readGgufFromSource(source: ByteSource, options: {initialReadBytes?: number, prefix?: Uint8Array} = {}): Promise<GgufFile> {
    const first = options.prefix ?? await source.read(0, Math.max(64, options.initialReadBytes ?? 1024 * 1024));
    const parsed = await parseFromSource(source, first);
    return assemble([{...parsed, source: source.name, fileSize: source.size}]);
}

async function parseFromSource(source: ByteSource, first: Uint8Array): Promise<ParsedGgufHeader> {
    const parser = new GgufHeaderParser(source.size);
    let prefix = first;
    for (;;) {
        try {
            return parser.parse(prefix);
        } catch (error) {
            if (!(error instanceof GgufNeedMoreBytes)) throw error;
            const target = Math.min(source.size, MAX_HEADER_BYTES, Math.max(error.end, prefix.length * 2));
            const more = await source.read(prefix.length, target - prefix.length);
            // The file shrank while being read: report it as the truncation it now is.
            if (more.length === 0) throw new GgufTruncatedError(prefix.length, target, prefix.length, "header");
            const grown = new Uint8Array(prefix.length + more.length);
            grown.set(prefix);
            grown.set(more, prefix.length);
            prefix = grown;
        }
    }
}

function assemble(parts: (ParsedGgufHeader & {source: string, fileSize: number})[]): GgufFile {
    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    const fileParts: GgufPart[] = parts.map((p, index) => {
        for (const t of p.tensors) {
            if (names.has(t.name)) throw new GgufDuplicateError(-1, "tensor", t.name);
            names.add(t.name);
            tensors.push({...t, part: index, fileOffset: p.dataOffset + t.offset});
        }
        return {
            source: p.source, version: p.version, fileSize: p.fileSize, alignment: p.alignment, dataOffset: p.dataOffset,
            headerSize: p.headerSize, tensorCount: p.tensors.length, metadata: p.metadata
        };
    });
    const first = parts[0]!;
    return {
        version: first.version, metadata: first.metadata, tensors, alignment: first.alignment, dataOffset: first.dataOffset,
        fileSize: parts.reduce((sum, p) => sum + p.fileSize, 0), parts: fileParts
    };
}
