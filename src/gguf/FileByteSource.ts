import {open, type FileHandle} from "node:fs/promises";
import type {ByteSource} from "./ByteSource.js";
import {GgufSourceError} from "./errors/GgufSourceError.js";

/** A local file read by handle, piece by piece: opening a 400 GB model costs one `fstat`. */
export class FileByteSource implements ByteSource {
    private constructor(readonly name: string, readonly size: number, private readonly handle: FileHandle) {}

    static async open(path: string): Promise<FileByteSource> {
        let handle: FileHandle;
        try {
            handle = await open(path, "r");
        } catch (error) {
            throw sourceError(path, error);
        }
        try {
            const stat = await handle.stat();
            if (!stat.isFile()) throw new GgufSourceError(path, `${path} is not a file`, {hint: "Pass a .gguf model file."});
            return new FileByteSource(path, stat.size, handle);
        } catch (error) {
            await handle.close();
            throw error instanceof GgufSourceError ? error : sourceError(path, error);
        }
    }

    async read(offset: number, length: number): Promise<Uint8Array> {
        const want = Math.max(0, Math.min(length, this.size - offset));
        const out = Buffer.alloc(want);
        let done = 0;
        try {
            while (done < want) {
                const {bytesRead} = await this.handle.read(out, done, want - done, offset + done);
                if (bytesRead === 0) break;
                done += bytesRead;
            }
        } catch (error) {
            throw sourceError(this.name, error);
        }
        return done === want ? out : out.subarray(0, done);
    }

    async close(): Promise<void> {
        await this.handle.close();
    }
}

function sourceError(path: string, error: unknown): GgufSourceError {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return new GgufSourceError(path, `no such file: ${path}`, {notFound: true, hint: "Check the path.", cause: error});
    if (code === "EISDIR") return new GgufSourceError(path, `${path} is a directory, not a GGUF file`, {cause: error});
    if (code === "EACCES" || code === "EPERM") return new GgufSourceError(path, `permission denied reading ${path}`, {cause: error});
    return new GgufSourceError(path, `cannot read ${path}: ${(error as Error).message}`, {cause: error});
}
