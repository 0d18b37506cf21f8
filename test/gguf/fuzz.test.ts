import {test} from "node:test";
import assert from "node:assert/strict";
import {readFile} from "node:fs/promises";
import {
    GgufError, GgufValueType, MemoryByteSource, ggufModelInfo, ggufValueTypeSize, readGguf, readGgufFromSource,
    serializeGgufHeader, type ByteSource, type GgufFile
} from "../../src/gguf/index.js";
import {formatMetadata, formatSummary, formatTensors, inspectJson} from "../../src/cli/commands/inspect.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const SEED = 0x5eed2026;
const VARIANTS_PER_FILE = 1200;
const FILES = ["models/stories260K.gguf", "golden/tiny-llama-Q4_K_M.gguf"];

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Positions of the header's fields, found by walking the parsed metadata the way the file lays it out. */
interface Layout {
    boundaries: number[];
    lengthFields: number[];
    typeFields: number[];
    headerEnd: number;
}

function layoutOf(file: GgufFile): Layout {
    const boundaries = [0, 4, 8, 16, 24];
    const lengthFields = [8, 16];
    const typeFields: number[] = [];
    let pos = 24;
    const str = (raw: Uint8Array | undefined, s: string) => {
        lengthFields.push(pos);
        pos += 8 + (raw?.length ?? Buffer.byteLength(s));
    };
    for (const e of file.metadata.entries()) {
        boundaries.push(pos);
        str(undefined, e.key);
        typeFields.push(pos);
        pos += 4;
        boundaries.push(pos);
        if (e.type === GgufValueType.STRING) str(e.rawStrings?.get(0), e.value as string);
        else if (e.type === GgufValueType.ARRAY) {
            typeFields.push(pos);
            lengthFields.push(pos + 4);
            pos += 12;
            if (e.arrayType === GgufValueType.STRING) (e.value as string[]).forEach((s, i) => str(e.rawStrings?.get(i), s));
            else pos += (e.value as ArrayLike<unknown>).length * ggufValueTypeSize(e.arrayType!)!;
        } else pos += ggufValueTypeSize(e.type)!;
    }
    for (const t of file.tensors) {
        boundaries.push(pos);
        str(undefined, t.name);
        lengthFields.push(pos); // n_dims
        pos += 4;
        for (let i = 0; i < t.shape.length; i++, pos += 8) lengthFields.push(pos);
        typeFields.push(pos);
        lengthFields.push(pos + 4); // offset
        pos += 12;
    }
    boundaries.push(pos, file.dataOffset);
    for (const t of file.tensors) boundaries.push(t.fileOffset, t.fileOffset + t.byteSize);
    boundaries.push(file.fileSize);
    return {boundaries: [...new Set(boundaries)], lengthFields, typeFields, headerEnd: file.dataOffset};
}

/** The original file with its header replaced by a mutated copy and an optional cut, without copying the data. */
class OverlaySource implements ByteSource {
    readonly name = "<fuzz>";
    constructor(private readonly head: Uint8Array, private readonly rest: Uint8Array, readonly size: number) {}
    async read(offset: number, length: number): Promise<Uint8Array> {
        const end = Math.min(offset + length, this.size);
        if (end <= offset) return new Uint8Array(0);
        const out = new Uint8Array(end - offset);
        const split = Math.max(offset, Math.min(end, this.head.length));
        out.set(this.head.subarray(offset, split), 0);
        out.set(this.rest.subarray(split, end), split - offset);
        return out;
    }
    async close(): Promise<void> {}
}

function u64At(bytes: Uint8Array, pos: number, value: bigint): void {
    if (pos + 8 <= bytes.length) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).writeBigUInt64LE(BigInt.asUintN(64, value), pos);
}

for (const [fileIndex, relative] of FILES.entries()) {
    const seed = SEED + fileIndex;
    test(`fuzz: ${VARIANTS_PER_FILE} mutated and truncated variants of ${relative} (seed ${seed.toString(16)}) each end in success or a typed GgufError`,
        {skip: skipWithoutShared(relative)}, async () => {
            const original = new Uint8Array(await readFile(sharedPath(relative)));
            const file = await readGguf(sharedPath(relative));
            const layout = layoutOf(file);
            assert.equal(layout.headerEnd, file.dataOffset);
            const random = prng(seed);
            const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
            const hugeValues = [2n ** 64n - 1n, 2n ** 63n, 2n ** 62n, 2n ** 40n, 2n ** 32n, 2n ** 31n, BigInt(original.length), BigInt(original.length) * 2n, 0n, 1n, 65n];
            const outcomes = {ok: 0, error: 0} as Record<string, number>;
            const rssBefore = process.memoryUsage().rss;
            let slowest = 0;

            for (let i = 0; i < VARIANTS_PER_FILE; i++) {
                const head = original.slice(0, layout.headerEnd + 64);
                let size = original.length;
                const kind = i < layout.boundaries.length * 3 ? "cut" : pick(["flip", "flip", "flip", "length", "length", "type", "bytes"]);
                if (kind === "cut") {
                    size = Math.max(0, Math.min(original.length, layout.boundaries[Math.floor(i / 3)]! + (i % 3) - 1));
                } else if (kind === "flip") {
                    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
                        const at = Math.floor(random() * layout.headerEnd);
                        head[at]! ^= 1 << Math.floor(random() * 8);
                    }
                } else if (kind === "length") {
                    u64At(head, pick(layout.lengthFields), random() < 0.2 ? BigInt(Math.floor(random() * 2 ** 40)) : pick(hugeValues));
                } else if (kind === "type") {
                    const at = pick(layout.typeFields);
                    Buffer.from(head.buffer).writeInt32LE(pick([-1, 9, 13, 4, 5, 43, 2 ** 31 - 1, Math.floor(random() * 50)]), at);
                } else {
                    const at = Math.floor(random() * layout.headerEnd);
                    for (let k = 0; k < 8 && at + k < head.length; k++) head[at + k] = Math.floor(random() * 256);
                }
                if (random() < 0.3) size = Math.floor(random() * size);

                const started = performance.now();
                try {
                    const parsed = await readGgufFromSource(new OverlaySource(head, original, size), {initialReadBytes: pick([64, 4096, 65536])});
                    for (const t of parsed.tensors) assert.ok(t.fileOffset + t.byteSize <= size, `variant ${i}: tensor ${t.name} outside the file`);
                    // Whatever parses must also survive `r1 inspect`'s output and a re-serialization, or fail typed.
                    try {
                        const info = ggufModelInfo(parsed);
                        formatSummary("fuzz.gguf", parsed, info);
                        formatMetadata(parsed);
                        formatTensors(parsed);
                        JSON.stringify(inspectJson("fuzz.gguf", parsed, info), (_k, v: unknown) => typeof v === "bigint" ? String(v) : v);
                        serializeGgufHeader({metadata: parsed.metadata, tensors: parsed.tensors});
                    } catch (error) {
                        if (!(error instanceof GgufError)) throw error;
                    }
                    outcomes.ok!++;
                } catch (error) {
                    if (!(error instanceof GgufError)) assert.fail(`variant ${i} (${kind}, seed ${seed}) threw a non-GGUF error: ${String((error as Error)?.stack ?? error)}`);
                    outcomes.error!++;
                    outcomes[error.reason] = (outcomes[error.reason] ?? 0) + 1;
                }
                slowest = Math.max(slowest, performance.now() - started);
            }
            if (process.env.R1_FUZZ_VERBOSE === "1") console.log(relative, outcomes);
            const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
            assert.ok(outcomes.ok! > 0 && outcomes.error! > VARIANTS_PER_FILE / 4, `outcomes ${JSON.stringify(outcomes)}`);
            assert.ok(slowest < 5000, `slowest variant took ${slowest.toFixed(0)} ms`);
            assert.ok(grownMiB < 512, `memory grew by ${grownMiB.toFixed(0)} MiB`);
        });
}

test("the fuzz harness's mutations are caught: a non-GGUF error would fail the test", () => {
    // The overlay reproduces the original exactly when nothing is mutated.
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const src = new OverlaySource(bytes.slice(0, 2), bytes, 4);
    return src.read(0, 4).then((out) => assert.deepEqual([...out], [1, 2, 3, 4]));
});

test("an unmutated overlay of a shared file parses like the file", {skip: skipWithoutShared(FILES[0]!)}, async () => {
    const original = new Uint8Array(await readFile(sharedPath(FILES[0]!)));
    const a = await readGgufFromSource(new MemoryByteSource(original));
    const b = await readGgufFromSource(new OverlaySource(original.slice(0, 100), original, original.length), {initialReadBytes: 64});
    assert.deepEqual(b.tensors, a.tensors);
    assert.deepEqual(b.metadata.keys(), a.metadata.keys());
});
