// Builds GGUF files byte by byte, so tests can make exactly the malformed headers they need.

export class GgufBytes {
    private readonly chunks: Buffer[] = [];

    get length(): number {
        return this.chunks.reduce((n, c) => n + c.length, 0);
    }

    raw(bytes: Uint8Array | number[]): this {
        this.chunks.push(Buffer.from(bytes));
        return this;
    }

    u32(v: number): this {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(v >>> 0);
        return this.raw(b);
    }

    i32(v: number): this {
        const b = Buffer.alloc(4);
        b.writeInt32LE(v);
        return this.raw(b);
    }

    u64(v: number | bigint): this {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
        return this.raw(b);
    }

    str(s: string): this {
        const b = Buffer.from(s, "utf8");
        return this.u64(b.length).raw(b);
    }

    /** GGUF magic, version and counts. */
    header(tensorCount: number | bigint, kvCount: number | bigint, version = 3): this {
        return this.raw(Buffer.from("GGUF")).u32(version).u64(tensorCount).u64(kvCount);
    }

    kvU32(key: string, value: number): this {
        return this.str(key).i32(4).u32(value);
    }

    kvString(key: string, value: string): this {
        return this.str(key).i32(8).str(value);
    }

    tensor(name: string, shape: number[], type: number, offset: number): this {
        this.str(name).u32(shape.length);
        for (const ne of shape) this.u64(ne);
        return this.i32(type).u64(offset);
    }

    /** Zero bytes up to a multiple of `alignment`. */
    align(alignment = 32): this {
        const n = (alignment - this.length % alignment) % alignment;
        return this.raw(Buffer.alloc(n));
    }

    zeros(n: number): this {
        return this.raw(Buffer.alloc(n));
    }

    build(): Uint8Array {
        return new Uint8Array(Buffer.concat(this.chunks));
    }
}
