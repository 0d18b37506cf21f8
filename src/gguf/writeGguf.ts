import {randomBytes} from "node:crypto";
import {open, rename, unlink, type FileHandle} from "node:fs/promises";
import type {GgufMetadata} from "./GgufMetadata.js";
import {serializeGgufHeader, type GgufTensorSpec} from "./serializeGgufHeader.js";
import {GgufInvalidError} from "./errors/GgufInvalidError.js";
import {ExitCode, R1Error} from "../util/R1Error.js";

/** Tensor data: bytes in memory, or a function returning a fresh async stream of chunks. */
export type GgufTensorData = Uint8Array | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

export interface GgufTensorToWrite extends GgufTensorSpec {
    /** Exactly the tensor's byte size, produced only when its turn comes. */
    readonly data: GgufTensorData;
}

export interface WriteGgufOptions {
    readonly metadata: GgufMetadata;
    /** Tensors in file order; offsets are computed here. */
    readonly tensors: readonly GgufTensorToWrite[];
    /** Defaults to the metadata's `general.alignment`, else 32. */
    readonly alignment?: number;
}

export type GgufWriteEvent =
    | {readonly type: "header", readonly headerBytes: number, readonly totalBytes: number, readonly tensorCount: number}
    | {readonly type: "progress", readonly tensor: string, readonly bytesWritten: number, readonly totalBytes: number}
    | {readonly type: "tensor", readonly tensor: string, readonly index: number, readonly tensorCount: number, readonly bytesWritten: number, readonly totalBytes: number}
    | {readonly type: "done", readonly path: string, readonly totalBytes: number};

/** Small chunks are gathered up to this size before a write. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Writes a GGUF v3 file, streaming each tensor's data in turn so multi-GB files never sit in
 * memory. Writes to a temporary name beside `path` and renames it when complete; on any failure
 * (or when the iteration is abandoned) the temporary file is removed.
 */
export async function* writeGgufIter(path: string, options: WriteGgufOptions): AsyncGenerator<GgufWriteEvent, void> {
    const header = serializeGgufHeader({metadata: options.metadata, tensors: options.tensors, alignment: options.alignment});
    const temp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
    let handle: FileHandle;
    try {
        handle = await open(temp, "w");
    } catch (error) {
        throw new R1Error(`cannot create ${temp}: ${(error as Error).message}`, {hint: "Check that the folder exists and is writable.", cause: error});
    }
    let complete = false;
    try {
        const out = new BufferedWriter(handle, path);
        await out.write(header.bytes);
        yield {type: "header", headerBytes: header.dataOffset, totalBytes: header.fileSize, tensorCount: options.tensors.length};
        for (const [index, tensor] of options.tensors.entries()) {
            const slot = header.layout[index]!;
            let written = 0;
            const chunks = tensor.data instanceof Uint8Array ? [tensor.data] : tensor.data();
            for await (const chunk of chunks) {
                written += chunk.length;
                if (written > slot.byteSize) throw sizeMismatch(tensor.name, slot.byteSize, written);
                await out.write(chunk);
                if (!(tensor.data instanceof Uint8Array)) yield {type: "progress", tensor: tensor.name, bytesWritten: out.position, totalBytes: header.fileSize};
            }
            if (written !== slot.byteSize) throw sizeMismatch(tensor.name, slot.byteSize, written);
            await out.write(new Uint8Array(slot.padding));
            yield {type: "tensor", tensor: tensor.name, index, tensorCount: options.tensors.length, bytesWritten: out.position, totalBytes: header.fileSize};
        }
        await out.flush();
        await handle.close();
        await rename(temp, path);
        complete = true;
        yield {type: "done", path, totalBytes: header.fileSize};
    } finally {
        if (!complete) {
            await handle.close().catch(() => undefined);
            await unlink(temp).catch(() => undefined);
        }
    }
}

/** `writeGgufIter` drained. */
export async function writeGguf(path: string, options: WriteGgufOptions): Promise<void> {
    for await (const event of writeGgufIter(path, options)) void event;
}

function sizeMismatch(name: string, expected: number, got: number): GgufInvalidError {
    return new GgufInvalidError(-1, "tensor-data-size", `data for tensor ${name} is ${got > expected ? "more than" : ""} ${got} bytes, expected ${expected}`);
}

class BufferedWriter {
    private readonly buffer = Buffer.alloc(WRITE_BUFFER_BYTES);
    private used = 0;
    position = 0;

    constructor(private readonly handle: FileHandle, private readonly path: string) {}

    async write(bytes: Uint8Array): Promise<void> {
        if (bytes.length >= WRITE_BUFFER_BYTES / 2) {
            await this.flush();
            await this.writeAll(bytes);
        } else {
            if (this.used + bytes.length > WRITE_BUFFER_BYTES) await this.flush();
            this.buffer.set(bytes, this.used);
            this.used += bytes.length;
        }
        this.position += bytes.length;
    }

    async flush(): Promise<void> {
        if (this.used === 0) return;
        await this.writeAll(this.buffer.subarray(0, this.used));
        this.used = 0;
    }

    private async writeAll(bytes: Uint8Array): Promise<void> {
        let done = 0;
        try {
            while (done < bytes.length) {
                const {bytesWritten} = await this.handle.write(bytes, done, bytes.length - done);
                done += bytesWritten;
            }
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "ENOSPC") throw new R1Error(`disk full while writing ${this.path}`, {exitCode: ExitCode.diskFull, hint: "Free some space and try again.", cause: error});
            throw new R1Error(`cannot write ${this.path}: ${(error as Error).message}`, {cause: error});
        }
    }
}
