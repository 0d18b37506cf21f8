import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, readFile, readdir, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {
    GgmlType, GgufMetadata, GgufValueType, MemoryByteSource, ggmlNDims, readGguf, readGgufFromSource, readTensorData,
    readTensorDataIter, serializeGgufHeader, writeGguf, writeGgufIter, type GgufFile
} from "../../src/gguf/index.js";
import {sharedDir, sharedPath, skipWithoutShared} from "../helpers/shared.js";

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-gguf-"));
    try {
        return await fn(dir);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

async function rewrite(file: GgufFile, out: string): Promise<void> {
    await writeGguf(out, {
        metadata: file.metadata,
        tensors: file.tensors.map((t) => ({name: t.name, shape: t.shape, type: t.type, data: () => readTensorDataIter(file, t, {chunkBytes: 4096})}))
    });
}

test("stories260K.gguf read and written back is byte-identical", {skip: skipWithoutShared("models/stories260K.gguf")}, async () => {
    const source = sharedPath("models/stories260K.gguf");
    const file = await readGguf(source);
    assert.equal(file.version, 3);
    assert.equal(file.tensors.length, 48);
    assert.equal(file.metadata.getString("general.architecture"), "llama");
    assert.equal(file.metadata.getArrayLength("tokenizer.ggml.tokens"), 512);
    await withTempDir(async (dir) => {
        const out = path.join(dir, "copy.gguf");
        await rewrite(file, out);
        assert.ok((await readFile(source)).equals(await readFile(out)));
        assert.deepEqual(await readdir(dir), ["copy.gguf"], "no temporary file is left behind");
    });
});

test("every golden file in ../shared/golden round-trips byte-identically", {skip: skipWithoutShared("golden/tiny-llama-f16.gguf")}, async () => {
    const names = (await readdir(path.join(sharedDir, "golden"))).filter((n) => n.endsWith(".gguf"));
    assert.ok(names.length >= 2);
    await withTempDir(async (dir) => {
        for (const name of names) {
            const source = path.join(sharedDir, "golden", name);
            const file = await readGguf(source);
            const out = path.join(dir, name);
            await rewrite(file, out);
            assert.ok((await readFile(source)).equals(await readFile(out)), `${name} differs after a round trip`);
            await rm(out);
        }
    });
});

test("readTensorData returns exactly the bytes at the tensor's offset", {skip: skipWithoutShared("models/stories260K.gguf")}, async () => {
    const source = sharedPath("models/stories260K.gguf");
    const file = await readGguf(source);
    const whole = await readFile(source);
    for (const t of [file.tensors[0]!, file.tensors.at(-1)!]) {
        const data = await readTensorData(file, t);
        assert.equal(data.length, t.byteSize);
        assert.equal(t.fileOffset, file.dataOffset + t.offset);
        assert.ok(Buffer.from(data).equals(whole.subarray(t.fileOffset, t.fileOffset + t.byteSize)));
    }
});

test("all 13 value types, arrays and a non-UTF-8 string survive write and read exactly", async () => {
    const metadata = new GgufMetadata([
        {key: "t.u8", type: GgufValueType.UINT8, value: 255},
        {key: "t.i8", type: GgufValueType.INT8, value: -128},
        {key: "t.u16", type: GgufValueType.UINT16, value: 65535},
        {key: "t.i16", type: GgufValueType.INT16, value: -32768},
        {key: "t.u32", type: GgufValueType.UINT32, value: 4294967295},
        {key: "t.i32", type: GgufValueType.INT32, value: -2147483648},
        {key: "t.f32", type: GgufValueType.FLOAT32, value: Math.fround(0.1)},
        {key: "t.bool", type: GgufValueType.BOOL, value: true},
        {key: "t.str", type: GgufValueType.STRING, value: "héllo ✓"},
        {key: "t.u64", type: GgufValueType.UINT64, value: 18446744073709551615n},
        {key: "t.i64", type: GgufValueType.INT64, value: -9223372036854775808n},
        {key: "t.f64", type: GgufValueType.FLOAT64, value: Math.PI},
        {key: "t.bad_utf8", type: GgufValueType.STRING, value: "\uFFFD", rawStrings: new Map([[0, new Uint8Array([0xff])]])}
    ]);
    metadata.setStringArray("t.strings", ["a", "", "ĠThe"]);
    metadata.setNumericArray("t.i32s", new Int32Array([1, -2, 3]));
    metadata.setNumericArray("t.f32s", new Float32Array([0.5, -1.25]));
    metadata.setNumericArray("t.u64s", new BigUint64Array([1n, 2n ** 63n]));
    metadata.set({key: "t.bools", type: GgufValueType.ARRAY, arrayType: GgufValueType.BOOL, value: [true, false]});
    metadata.set({key: "t.empty", type: GgufValueType.ARRAY, arrayType: GgufValueType.UINT8, value: new Uint8Array(0)});
    const header = serializeGgufHeader({metadata, tensors: []});
    const file = await readGgufFromSource(new MemoryByteSource(header.bytes));
    assert.deepEqual(file.metadata.keys(), metadata.keys());
    for (const entry of metadata.entries()) {
        const back = file.metadata.get(entry.key)!;
        assert.equal(back.type, entry.type, entry.key);
        assert.equal(back.arrayType, entry.arrayType, entry.key);
        assert.deepEqual(back.value, entry.value, entry.key);
    }
    assert.deepEqual(file.metadata.get("t.bad_utf8")!.rawStrings?.get(0), new Uint8Array([0xff]));
    assert.deepEqual(serializeGgufHeader({metadata: file.metadata, tensors: []}).bytes, header.bytes);
    assert.throws(() => file.metadata.getNumber("t.u64"), {reason: "value-range"}, "a 64-bit value beyond 2^53 is not silently rounded");
    assert.equal(file.metadata.getNumber("t.i16"), -32768);
    assert.throws(() => file.metadata.getString("t.u8"), {name: "GgufInvalidError", reason: "wrong-value-type"});
});

test("the writer lays tensors out contiguously with zero padding to the alignment (spec §1.5 example)", async () => {
    const metadata = new GgufMetadata().setString("general.architecture", "llama");
    const a = new Uint8Array(12).fill(1);
    const b = new Uint8Array(64 * 2 * 2 / 32 * 34).fill(2);
    await withTempDir(async (dir) => {
        const out = path.join(dir, "layout.gguf");
        const events = [];
        for await (const e of writeGgufIter(out, {metadata, tensors: [
            {name: "a.weight", shape: ggmlNDims([3, 1]), type: GgmlType.F32, data: a},
            {name: "blk.0.b.weight", shape: [64, 2, 2], type: GgmlType.Q8_0, data: async function* () { yield b.subarray(0, 100); yield b.subarray(100); }}
        ]})) events.push(e.type);
        assert.deepEqual(events.filter((t) => t !== "progress"), ["header", "tensor", "tensor", "done"]);
        const file = await readGguf(out);
        const bytes = await readFile(out);
        assert.deepEqual(file.tensors.map((t) => [t.name, t.shape, t.offset, t.byteSize]), [["a.weight", [3], 0, 12], ["blk.0.b.weight", [64, 2, 2], 32, 272]]);
        assert.equal(file.dataOffset % 32, 0);
        assert.equal(bytes.length, file.dataOffset + 32 + 288);
        assert.ok(bytes.subarray(file.dataOffset + 12, file.dataOffset + 32).every((x) => x === 0));
        assert.ok(Buffer.from(await readTensorData(file, file.tensors[1]!)).equals(b));
    });
});

test("a tensor source of the wrong size fails and leaves no file behind", async () => {
    await withTempDir(async (dir) => {
        const out = path.join(dir, "bad.gguf");
        await assert.rejects(writeGguf(out, {metadata: new GgufMetadata(), tensors: [{name: "x", shape: [4], type: GgmlType.F32, data: new Uint8Array(15)}]}),
            {name: "GgufInvalidError", reason: "tensor-data-size"});
        assert.deepEqual(await readdir(dir), []);
    });
});

test("abandoning writeGgufIter midway removes the temporary file and writes nothing", async () => {
    await withTempDir(async (dir) => {
        const out = path.join(dir, "partial.gguf");
        const tensors = [0, 1, 2].map((i) => ({name: `t${i}`, shape: [1024], type: GgmlType.F32, data: new Uint8Array(4096)}));
        for await (const event of writeGgufIter(out, {metadata: new GgufMetadata(), tensors})) {
            if (event.type === "tensor") break;
        }
        assert.deepEqual(await readdir(dir), []);
    });
});
