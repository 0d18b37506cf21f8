import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {
    GgufDuplicateError, GgufError, GgufInvalidError, GgufLimitError, GgufMagicError, GgufSourceError, GgufTruncatedError,
    GgufUnknownTypeError, GgufVersionError, MAX_STRING_BYTES, MAX_TENSOR_COUNT, MemoryByteSource, readGguf, readGgufFromSource
} from "../../src/gguf/index.js";
import {R1Error} from "../../src/util/R1Error.js";
import {GgufBytes} from "./ggufBytes.js";

function parse(bytes: Uint8Array, initialReadBytes = 64) {
    return readGgufFromSource(new MemoryByteSource(bytes), {initialReadBytes});
}

/** A valid file: one key, one F32 tensor of 8 elements. */
function valid(): GgufBytes {
    return new GgufBytes().header(1, 1).kvString("general.architecture", "llama").tensor("w", [8], 0, 0).align().zeros(32);
}

test("a well-formed synthetic file parses, even read 64 bytes at a time", async () => {
    const file = await parse(valid().build());
    assert.equal(file.tensors[0]!.name, "w");
    assert.equal(file.tensors[0]!.byteSize, 32);
    assert.equal(file.metadata.getString("general.architecture"), "llama");
});

test("version 2 files read with the same layout as version 3", async () => {
    const file = await parse(new GgufBytes().header(1, 1, 2).kvU32("general.alignment", 64).tensor("w", [8], 0, 0).align(64).zeros(64).build());
    assert.equal(file.version, 2);
    assert.equal(file.alignment, 64);
    assert.equal(file.dataOffset % 64, 0);
});

const cases: [string, () => Uint8Array, new (...args: never[]) => GgufError, Record<string, unknown>][] = [
    ["bad magic", () => new GgufBytes().raw(Buffer.from("GGML")).u32(3).u64(0).u64(0).build(), GgufMagicError, {reason: "bad-magic", offset: 0}],
    ["empty file", () => new Uint8Array(0), GgufMagicError, {}],
    ["version 1", () => new GgufBytes().header(0, 0, 1).build(), GgufVersionError, {version: 1, offset: 4}],
    ["big-endian version", () => new GgufBytes().header(0, 0, 0x03000000).build(), GgufVersionError, {}],
    ["header cut short", () => new GgufBytes().header(0, 0).build().subarray(0, 20), GgufTruncatedError, {offset: 0}],
    ["huge tensor count", () => new GgufBytes().header(BigInt(MAX_TENSOR_COUNT) + 1n, 0).build(), GgufLimitError, {limit: "MAX_TENSOR_COUNT", offset: 8}],
    ["huge string length", () => new GgufBytes().header(0, 1).str("k").i32(8).u64(BigInt(MAX_STRING_BYTES) + 1n).build(), GgufLimitError, {limit: "MAX_STRING_BYTES", offset: 37}],
    ["string longer than the file", () => new GgufBytes().header(0, 1).str("k").i32(8).u64(1000).raw(Buffer.from("abc")).build(), GgufTruncatedError, {neededEnd: 1045}],
    ["array count of 2^64-1", () => new GgufBytes().header(0, 1).str("k").i32(9).i32(4).u64(-1n).build(), GgufLimitError, {limit: "MAX_ARRAY_LENGTH"}],
    ["string array longer than the file", () => new GgufBytes().header(0, 1).str("k").i32(9).i32(8).u64(1000).build(), GgufTruncatedError, {}],
    ["empty key", () => new GgufBytes().header(0, 1).kvU32("", 1).build(), GgufInvalidError, {reason: "empty-key", offset: 24}],
    ["duplicate key", () => new GgufBytes().header(0, 2).kvU32("a.b", 1).kvU32("a.b", 2).build(), GgufDuplicateError, {reason: "duplicate-key", duplicate: "a.b", offset: 43}],
    ["unknown value type", () => new GgufBytes().header(0, 1).str("k").i32(13).u32(0).build(), GgufUnknownTypeError, {typeId: 13, offset: 33}],
    ["nested array", () => new GgufBytes().header(0, 1).str("k").i32(9).i32(9).u64(0).build(), GgufInvalidError, {reason: "nested-array"}],
    ["alignment not a power of two", () => new GgufBytes().header(0, 1).kvU32("general.alignment", 48).build(), GgufInvalidError, {reason: "bad-alignment"}],
    ["alignment of the wrong type", () => new GgufBytes().header(0, 1).kvString("general.alignment", "32").build(), GgufInvalidError, {reason: "bad-alignment"}],
    ["duplicate tensor name", () => new GgufBytes().header(2, 0).tensor("w", [8], 0, 0).tensor("w", [8], 0, 32).align().zeros(64).build(), GgufDuplicateError, {reason: "duplicate-tensor"}],
    ["tensor name too long", () => new GgufBytes().header(1, 0).tensor("x".repeat(64), [8], 0, 0).align().zeros(32).build(), GgufLimitError, {limit: "MAX_TENSOR_NAME_BYTES"}],
    ["five dimensions", () => new GgufBytes().header(1, 0).tensor("w", [1, 1, 1, 1, 1], 0, 0).align().zeros(32).build(), GgufLimitError, {limit: "MAX_TENSOR_DIMS"}],
    ["negative dimension", () => new GgufBytes().header(1, 0).tensor("w", [-1], 0, 0).align().zeros(32).build(), GgufInvalidError, {reason: "bad-shape"}],
    ["unknown ggml type", () => new GgufBytes().header(1, 0).tensor("w", [8], 4, 0).align().zeros(32).build(), GgufUnknownTypeError, {kind: "tensor", typeId: 4}],
    ["row not a multiple of the block", () => new GgufBytes().header(1, 0).tensor("w", [16], 8, 0).align().zeros(64).build(), GgufInvalidError, {reason: "bad-shape"}],
    ["misaligned tensor offset", () => new GgufBytes().header(1, 0).tensor("w", [8], 0, 4).align().zeros(64).build(), GgufInvalidError, {reason: "misaligned-tensor"}],
    ["tensor data past the end", () => valid().build().subarray(0, valid().length - 1), GgufTruncatedError, {reason: "truncated"}],
    ["dimensions whose product overflows", () => new GgufBytes().header(1, 0).tensor("w", [2 ** 30, 2 ** 30, 2 ** 30], 0, 0).align().build(), GgufInvalidError, {reason: "bad-shape"}]
];

for (const [name, build, errorClass, fields] of cases) {
    test(`${name} → ${errorClass.name}`, async () => {
        await assert.rejects(parse(build()), (error: unknown) => {
            assert.ok(error instanceof errorClass, `got ${String(error)}`);
            assert.ok(error instanceof R1Error);
            assert.equal(error.exitCode, 4);
            for (const [k, v] of Object.entries(fields)) assert.equal((error as unknown as Record<string, unknown>)[k], v, `${k} of ${error.message}`);
            assert.ok(!error.message.includes("\n"));
            return true;
        });
    });
}

test("a missing file, a directory and a non-GGUF file are typed errors naming the path", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-gguf-"));
    try {
        await assert.rejects(readGguf(path.join(dir, "nope.gguf")), (e: unknown) => e instanceof GgufSourceError && e.exitCode === 3 && e.reason === "not-found");
        await assert.rejects(readGguf(dir), GgufSourceError);
        const text = path.join(dir, "notes.txt");
        await writeFile(text, "hello, this is not a model\n");
        await assert.rejects(readGguf(text), (e: unknown) => e instanceof GgufMagicError && e.source === text);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("a split part whose name hides the other parts is rejected", async () => {
    const bytes = new GgufBytes().header(0, 2).kvU32("split.no", 0).str("split.count").i32(2).raw([2, 0]).build();
    const dir = await mkdtemp(path.join(tmpdir(), "r1-gguf-"));
    try {
        const file = path.join(dir, "renamed.gguf");
        await writeFile(file, bytes);
        await assert.rejects(readGguf(file), {reason: "split-name"});
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
