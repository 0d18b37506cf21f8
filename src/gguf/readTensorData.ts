import {isUrl, type ByteSource} from "./ByteSource.js";
import {FileByteSource} from "./FileByteSource.js";
import type {GgufFile} from "./GgufFile.js";
import type {GgufTensorInfo} from "./GgufTensorInfo.js";
import {HttpByteSource} from "./HttpByteSource.js";
import {GgufLimitError} from "./errors/GgufLimitError.js";
import {GgufTruncatedError} from "./errors/GgufTruncatedError.js";
import type {OpenByteSourceOptions} from "./openByteSource.js";

/** Largest tensor `readTensorData` returns as one buffer; stream bigger ones with `readTensorDataIter`. */
export const MAX_TENSOR_READ_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export interface ReadTensorDataOptions extends OpenByteSourceOptions {
    /** Bytes per chunk of `readTensorDataIter`. Defaults to 8 MiB. */
    chunkBytes?: number;
}

/**
 * Reads tensor data of a parsed file by handle (or Range requests for a URL). Keep one open to
 * read many tensors; `close()` when done.
 */
export class GgufDataReader {
    private readonly sources = new Map<number, Promise<ByteSource>>();

    constructor(private readonly file: GgufFile, private readonly options: ReadTensorDataOptions = {}) {}

    /** The whole tensor, at most `MAX_TENSOR_READ_BYTES`. */
    async read(tensor: GgufTensorInfo): Promise<Uint8Array> {
        if (tensor.byteSize > MAX_TENSOR_READ_BYTES)
            throw new GgufLimitError(tensor.fileOffset, "MAX_TENSOR_READ_BYTES", `tensor ${tensor.name} size`, tensor.byteSize, MAX_TENSOR_READ_BYTES);
        const source = await this.source(tensor.part);
        return this.readExact(source, tensor, tensor.fileOffset, tensor.byteSize);
    }

    /** The tensor in chunks of `chunkBytes`. */
    async* iter(tensor: GgufTensorInfo): AsyncGenerator<Uint8Array, void> {
        const source = await this.source(tensor.part);
        const chunk = Math.max(4096, this.options.chunkBytes ?? 8 * 1024 * 1024);
        for (let done = 0; done < tensor.byteSize; done += chunk) {
            yield await this.readExact(source, tensor, tensor.fileOffset + done, Math.min(chunk, tensor.byteSize - done));
        }
    }

    async close(): Promise<void> {
        const sources = [...this.sources.values()];
        this.sources.clear();
        for (const s of sources) await (await s.catch(() => undefined))?.close();
    }

    private async readExact(source: ByteSource, tensor: GgufTensorInfo, offset: number, length: number): Promise<Uint8Array> {
        const bytes = await source.read(offset, length);
        if (bytes.length !== length) throw new GgufTruncatedError(offset, offset + length, source.size, `data of tensor ${tensor.name}`);
        return bytes;
    }

    private source(part: number): Promise<ByteSource> {
        let source = this.sources.get(part);
        if (source === undefined) {
            const name = this.file.parts[part]?.source;
            if (name === undefined) throw new RangeError(`tensor part ${part} is not in this file`);
            source = isUrl(name) ? HttpByteSource.open(name, 1, this.options).then((o) => o.source) : FileByteSource.open(name);
            this.sources.set(part, source);
        }
        return source;
    }
}

/** One tensor's bytes. */
export async function readTensorData(file: GgufFile, tensor: GgufTensorInfo, options: ReadTensorDataOptions = {}): Promise<Uint8Array> {
    const reader = new GgufDataReader(file, options);
    try {
        return await reader.read(tensor);
    } finally {
        await reader.close();
    }
}

/** One tensor's bytes as a stream of chunks (for tensors too big for one buffer). */
export async function* readTensorDataIter(file: GgufFile, tensor: GgufTensorInfo, options: ReadTensorDataOptions = {}): AsyncGenerator<Uint8Array, void> {
    const reader = new GgufDataReader(file, options);
    try {
        yield* reader.iter(tensor);
    } finally {
        await reader.close();
    }
}
