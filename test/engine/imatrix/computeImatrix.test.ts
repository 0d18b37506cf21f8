import "../../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtemp, readdir, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {computeImatrixIter, ImatrixOutputParser, ImatrixRunError, type ImatrixEvent} from "../../../src/engine/imatrix/index.js";
import {readImatrix} from "../../../src/quant/imatrix/readImatrix.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../../helpers/shared.js";

const MODEL = "golden/tiny-llama-f16.gguf";
const TEXT = "golden/imatrix/calibration.txt";
const skip = skipWithoutLlamaCppTools("llama-imatrix") || skipWithoutShared(MODEL);

test("llama-imatrix's progress is read from its output stream, marks split across reads included", () => {
    const p = new ImatrixOutputParser();
    assert.equal(p.push("llama_model_loader: loaded meta data [0] nothing,\n"), false, "no progress before the chunk count");
    assert.equal(p.push("compute_imatrix: computing over 3 chunks, n_ctx=128, batch_size=128, n_seq=1\n"), true);
    assert.equal(p.chunks, 3);
    assert.equal(p.contextSize, 128);
    p.push("compute_imatrix: 0.05 seconds per pass - ETA 0.00 minutes\n[1]412.");
    assert.equal(p.done, 0, "a mark without its value is not counted yet");
    p.push("2031,[2]390.1234,");
    assert.equal(p.done, 2);
    p.push("[3]388.0000,\nFinal estimate: PPL = 388.0000 +/- 1.0\n");
    assert.equal(p.done, 3);
    p.push("main: you need at least 256 tokens for a context of 128 tokens\n");
    assert.match(p.errors.at(-1)!, /you need at least/);
});

async function collect(events: AsyncIterable<ImatrixEvent>): Promise<ImatrixEvent[]> {
    const all: ImatrixEvent[] = [];
    for await (const event of events) all.push(event);
    return all;
}

test("r1 drives llama-imatrix into a GGUF imatrix with progress; too little text is one line and leaves nothing", {skip}, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-imatrix-run-"));
    try {
        const output = path.join(dir, "tiny.imatrix.gguf");
        const events = await collect(computeImatrixIter({
            model: sharedPath(MODEL), text: sharedPath(TEXT), output, binary: llamaCppToolPath("llama-imatrix"), contextSize: 128, chunks: 3, threads: 1
        }));
        assert.deepEqual(events[0], {type: "start", chunks: 3, contextSize: 128});
        const last = events.filter((e) => e.type === "progress").at(-1);
        assert.deepEqual(last, {type: "progress", chunk: 3, chunks: 3});
        const done = events.at(-1)!;
        assert.equal(done.type, "done");
        assert.equal(done.type === "done" && done.entries, 56, "7 matrices × 8 layers");
        const m = await readImatrix(output);
        assert.equal(m.isLegacy, false);
        assert.equal(m.chunkCount, 3);
        assert.equal(m.chunkSize, 128);
        assert.deepEqual(m.datasets, [sharedPath(TEXT)]);

        const short = path.join(dir, "short.txt");
        await writeFile(short, "Too short to fill two chunks.");
        await assert.rejects(collect(computeImatrixIter({model: sharedPath(MODEL), text: short, output: path.join(dir, "x.gguf"), binary: llamaCppToolPath("llama-imatrix"), threads: 1})),
            (error: unknown) => error instanceof ImatrixRunError && /29 bytes, fewer than the 1024 tokens/.test(error.message) && !error.message.includes("\n"));
        assert.deepEqual((await readdir(dir)).sort(), ["short.txt", "tiny.imatrix.gguf"], "no temporary output left");

        // the command line, as a user runs it (needs the build: npx tsc)
        const cli = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "imatrix", sharedPath(MODEL), "--text", sharedPath(TEXT), "-c", "128", "--chunks", "2",
            "-t", "1", "-o", path.join(dir, "cli.imatrix.gguf")], {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
        assert.equal(cli.status, 0, cli.stderr);
        assert.equal(cli.stdout.trim(), path.join(dir, "cli.imatrix.gguf"));
        assert.match(cli.stderr, /done: .*56 tensors, 2 chunks/);
        const missing = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "imatrix", sharedPath(MODEL), "--text", path.join(dir, "nope.txt")],
            {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
        assert.equal(missing.status, 3, missing.stderr);
        assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
