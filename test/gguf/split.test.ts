import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {GgufMetadata, GgufSourceError, readGguf, readTensorData, writeGguf} from "../../src/gguf/index.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const stories = "models/stories260K.gguf";

test("a model split in three parts (-0000N-of-00003) reads as one model from any part", {skip: skipWithoutShared(stories)}, async () => {
    const whole = await readGguf(sharedPath(stories));
    const original = await readFile(sharedPath(stories));
    const dir = await mkdtemp(path.join(tmpdir(), "r1-split-"));
    try {
        const groups = [whole.tensors.slice(0, 10), whole.tensors.slice(10, 30), whole.tensors.slice(30)];
        for (const [i, group] of groups.entries()) {
            // As gguf-split does: the first part carries the model's metadata, every part the split keys.
            const metadata = i === 0 ? whole.metadata.clone() : new GgufMetadata();
            metadata.set({key: "split.no", type: 2, value: i}).set({key: "split.count", type: 2, value: 3})
                .set({key: "split.tensors.count", type: 3, value: whole.tensors.length});
            await writeGguf(path.join(dir, `m-0000${i + 1}-of-00003.gguf`), {
                metadata,
                tensors: group.map((t) => ({...t, data: original.subarray(t.fileOffset, t.fileOffset + t.byteSize)}))
            });
        }
        const file = await readGguf(path.join(dir, "m-00002-of-00003.gguf"));
        assert.equal(file.parts.length, 3);
        assert.deepEqual(file.parts.map((p) => path.basename(p.source)), ["m-00001-of-00003.gguf", "m-00002-of-00003.gguf", "m-00003-of-00003.gguf"]);
        assert.deepEqual(file.tensors.map((t) => t.name), whole.tensors.map((t) => t.name));
        assert.deepEqual(file.tensors.map((t) => t.part), groups.flatMap((g, i) => g.map(() => i)));
        assert.equal(file.metadata.getString("general.architecture"), "llama");
        assert.equal(file.fileSize, file.parts.reduce((n, p) => n + p.fileSize, 0));
        const last = file.tensors.at(-1)!;
        assert.equal(last.fileOffset, file.parts[2]!.dataOffset + last.offset);
        const data = await readTensorData(file, last);
        const orig = whole.tensors.at(-1)!;
        assert.ok(Buffer.from(data).equals(original.subarray(orig.fileOffset, orig.fileOffset + orig.byteSize)));

        const one = await readGguf(path.join(dir, "m-00001-of-00003.gguf"), {split: false});
        assert.equal(one.tensors.length, 10);

        await rm(path.join(dir, "m-00003-of-00003.gguf"));
        await assert.rejects(readGguf(path.join(dir, "m-00001-of-00003.gguf")), (e: unknown) => e instanceof GgufSourceError && e.reason === "not-found");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
