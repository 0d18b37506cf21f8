import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {GgufMetadata} from "../../src/gguf/GgufMetadata.js";
import {writeGguf} from "../../src/gguf/writeGguf.js";
import {ImatrixFileError, MAX_IMATRIX_ENTRY_VALUES, readImatrix} from "../../src/quant/imatrix/readImatrix.js";
import {importanceWeights, loadImportanceWeights} from "../../src/quant/imatrix/importanceWeights.js";
import {writeImatrixGguf} from "../../src/quant/imatrix/writeImatrixGguf.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const f = Math.fround;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-imatrix-"));
    try {
        await fn(dir);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

/** A legacy `.dat`: n_entries, then per entry name length, name, ncall, nval, values; then the optional trailer. */
function legacyDat(entries: Array<[string, number, number[]]>, trailer?: {chunks: number, dataset: string}, nEntries = entries.length): Buffer {
    const parts: Buffer[] = [];
    const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
    parts.push(i32(nEntries));
    for (const [name, ncall, values] of entries) {
        parts.push(i32(name.length), Buffer.from(name, "latin1"), i32(ncall), i32(values.length), Buffer.from(Float32Array.from(values).buffer));
    }
    if (trailer) parts.push(i32(trailer.chunks), i32(trailer.dataset.length), Buffer.from(trailer.dataset));
    return Buffer.concat(parts);
}

test("the GGUF form round-trips, and weights are sums ÷ per-expert count (an unrouted expert gets 1)", () => withDir(async (dir) => {
    const file = path.join(dir, "m.imatrix.gguf");
    await writeImatrixGguf(file, {
        datasets: ["calib.txt"], chunkCount: 7, chunkSize: 128,
        entries: new Map([
            ["blk.0.ffn_down_exps.weight", {sums: [3, 6, 9, 1, 2, 4], counts: [3, 0, 7]}],
            ["blk.0.attn_q.weight", {sums: Float32Array.of(0.1, 0.2, 0.3, 0.4), counts: [10]}]
        ].map(([k, v]) => [k as string, {sums: Float32Array.from((v as {sums: ArrayLike<number>}).sums), counts: (v as {counts: number[]}).counts}]))
    });
    const m = await readImatrix(file);
    assert.equal(m.isLegacy, false);
    assert.equal(m.hasMetadata, true);
    assert.deepEqual([...m.entries.keys()], ["blk.0.attn_q.weight", "blk.0.ffn_down_exps.weight"], "name order");
    assert.deepEqual(m.datasets, ["calib.txt"]);
    assert.equal(m.chunkCount, 7);
    const w = importanceWeights(m, file)!;
    assert.deepEqual([...w.weights.get("blk.0.ffn_down_exps.weight")!], [1, 2, 1, 1, f(2 / 7), f(4 / 7)]);
    assert.deepEqual([...w.weights.get("blk.0.attn_q.weight")!], [0.1, 0.2, 0.3, 0.4].map((v) => f(f(v) / 10)));
    assert.equal(w.dataset, "calib.txt");
    assert.equal(w.chunkCount, 7);
}));

test("--include-weights / --exclude-weights keep or drop entries by substring, like llama-quantize", () => withDir(async (dir) => {
    const file = path.join(dir, "m.dat");
    await writeFile(file, legacyDat([["blk.0.attn_q.weight", 2, [2, 4]], ["blk.0.ffn_up.weight", 0, [5, 6]], ["blk.1.attn_q.weight", 4, [8, 8]]],
        {chunks: 3, dataset: "text.txt"}));
    const m = await readImatrix(file);
    assert.equal(m.isLegacy, true);
    assert.equal(m.chunkCount, 3);
    assert.deepEqual(m.datasets, ["text.txt"]);
    const all = importanceWeights(m, file)!;
    assert.deepEqual([...all.weights.get("blk.0.attn_q.weight")!], [1, 2], "legacy sums ÷ ncall");
    assert.deepEqual([...all.weights.get("blk.0.ffn_up.weight")!], [5, 6], "ncall 0: the sums as they are");
    assert.deepEqual([...importanceWeights(m, file, {include: ["attn_q"]})!.weights.keys()], ["blk.0.attn_q.weight", "blk.1.attn_q.weight"]);
    assert.deepEqual([...importanceWeights(m, file, {exclude: ["blk.0."]})!.weights.keys()], ["blk.1.attn_q.weight"]);
    assert.equal(importanceWeights(m, file, {include: ["nothing"]}), undefined, "nothing left: quantize as without one");
    assert.throws(() => importanceWeights(m, file, {include: ["a"], exclude: ["b"]}), /cannot be used together/);
}));

test("bad imatrix files are refused with a sentence, never a crash or a huge allocation", () => withDir(async (dir) => {
    const p = (name: string) => path.join(dir, name);
    await writeFile(p("empty.dat"), Buffer.alloc(0));
    await assert.rejects(readImatrix(p("empty.dat")), ImatrixFileError);
    await writeFile(p("zero.dat"), legacyDat([]));
    await assert.rejects(readImatrix(p("zero.dat")), /no data/);
    const full = legacyDat([["blk.0.attn_q.weight", 1, [1, 2, 3, 4]]]);
    await writeFile(p("truncated.dat"), full.subarray(0, full.length - 3));
    await assert.rejects(readImatrix(p("truncated.dat")), /truncated data/);
    const huge = Buffer.from(full);
    huge.writeInt32LE(MAX_IMATRIX_ENTRY_VALUES + 1, 4 + 4 + 19 + 4);
    await writeFile(p("huge.dat"), huge);
    await assert.rejects(readImatrix(p("huge.dat")), /MAX_IMATRIX_ENTRY_VALUES/);
    const badName = Buffer.from(full);
    badName.writeInt32LE(-5, 4);
    await writeFile(p("badname.dat"), badName);
    await assert.rejects(readImatrix(p("badname.dat")), /bad name length/);
    await writeFile(p("nan.dat"), legacyDat([["blk.0.attn_q.weight", 1, [1, Number.NaN]]]));
    await assert.rejects(loadImportanceWeights(p("nan.dat")), /non-finite/);
    await assert.rejects(readImatrix(p("missing.dat")), /cannot open/);

    // GGUF without the imatrix.* keys (llama-quantize: "missing imatrix metadata"), and sums without counts
    const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
    await writeGguf(p("nometa.gguf"), {metadata: new GgufMetadata(), tensors: [
        {name: "a.weight.in_sum2", shape: [2], type: GgmlType.F32, data: f32(1, 2)},
        {name: "a.weight.counts", shape: [1], type: GgmlType.F32, data: f32(1)}
    ]});
    await assert.rejects(loadImportanceWeights(p("nometa.gguf")), /missing imatrix metadata/);
    await writeGguf(p("nocounts.gguf"), {metadata: new GgufMetadata(), tensors: [{name: "a.weight.in_sum2", shape: [2], type: GgmlType.F32, data: f32(1, 2)}]});
    await assert.rejects(readImatrix(p("nocounts.gguf")), /mismatched sums and counts/);
}));

test("the golden imatrix's GGUF and legacy forms give the same weights",
    {skip: skipWithoutShared("golden/imatrix/tiny-llama.imatrix.dat")}, async () => {
        const g = (await loadImportanceWeights(sharedPath("golden/imatrix/tiny-llama.imatrix.gguf")))!;
        const d = (await loadImportanceWeights(sharedPath("golden/imatrix/tiny-llama.imatrix.dat")))!;
        assert.equal(g.weights.size, 56);
        assert.deepEqual([...g.weights.keys()], [...d.weights.keys()]);
        for (const [name, w] of g.weights) assert.deepEqual([...w], [...d.weights.get(name)!], name);
        assert.equal(g.chunkCount, d.chunkCount);
        assert.equal(g.dataset, d.dataset);
    });
