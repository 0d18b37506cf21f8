import {test} from "node:test";
import assert from "node:assert/strict";
import {busyMachineWarning, describeLoadDecisions, engineFlagsToLoadOptions} from "../../src/cli/engineFlags.js";
import {R1Error} from "../../src/util/R1Error.js";

test("llama.cpp-style flags become load options; nothing given leaves the engine's defaults", () => {
    assert.deepEqual(engineFlagsToLoadOptions({}), {});
    assert.deepEqual(engineFlagsToLoadOptions({ngl: 0, c: 8192, t: 4, b: 256, fa: "on", "cache-type-k": "Q8_0", "cache-type-v": "q4_0"}),
        {gpuLayers: 0, contextSize: 8192, threads: 4, batchSize: 256, flashAttention: true, cacheTypeK: "q8_0", cacheTypeV: "q4_0"});
    assert.deepEqual(engineFlagsToLoadOptions({fa: "off"}), {flashAttention: false});
    assert.deepEqual(engineFlagsToLoadOptions({fa: "auto"}), {});
    assert.deepEqual(engineFlagsToLoadOptions({mmap: false, mlock: true}), {mmap: false, mlock: true});
    assert.deepEqual(engineFlagsToLoadOptions({mmap: true}), {mmap: true});
});

test("nonsense flags are one-line usage errors (exit 2)", () => {
    for (const flags of [{t: 0}, {c: 1.5}, {ngl: -1}, {"cache-type-k": "q3_k"}]) {
        assert.throws(() => engineFlagsToLoadOptions(flags), (error: unknown) => error instanceof R1Error && error.exitCode === 2 && !error.message.includes("\n"));
    }
});

test("--verbose says what was chosen and why", () => {
    const info = {path: "m.gguf", architecture: "qwen2", contextSize: 4096, parallel: 1, gpuLayers: 0, reasoning: true, loadMs: 1200, threads: 2, batchSize: 512, flashAttention: false, gpu: false as const};
    const lines = describeLoadDecisions(info, {}, 131072).join("\n");
    assert.match(lines, /context: 4096 tokens \(default; the model was trained for 131072/);
    assert.match(lines, /threads: 2 \(one per physical core/);
    assert.match(lines, /CPU only/);
    assert.match(describeLoadDecisions(info, {c: 4096}).join("\n"), /context: 4096 tokens \(from the command line\)/);
    assert.match(describeLoadDecisions({...info, mmap: false}, {mmap: false}).join("\n"), /weights: read into memory \(from the command line\)/);
    assert.match(lines, /weights: memory-mapped \(the planner's choice/);
});

test("a busy machine gets a warning about spinning decode threads", () => {
    assert.equal(busyMachineWarning(2, 11, 2).length, 1);
    assert.deepEqual(busyMachineWarning(2, 1.5, 2), []);
    assert.deepEqual(busyMachineWarning(1, 11, 2), [], "one thread has no one to wait for");
});
