import type {ByteSource} from "./ByteSource.js";

/** A file held in memory (tests, headers built on the fly). */
export class MemoryByteSource implements ByteSource {
    readonly size: number;

    constructor(private readonly bytes: Uint8Array, readonly name = "<memory>") {
        this.size = bytes.length;
    }

    async read(offset: number, length: number): Promise<Uint8Array> {
        return this.bytes.subarray(Math.min(offset, this.size), Math.min(offset + length, this.size));
    }

    async close(): Promise<void> {}
}
