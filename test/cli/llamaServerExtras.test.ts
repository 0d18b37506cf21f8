import assert from "node:assert/strict";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {resolveLlamaServerExtras} from "../../src/cli/llamaServerExtras.js";
import {startFakeRpcWorker} from "../helpers/fakeRpcWorker.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const MODEL = "models/stories260K.gguf";

test("--draft PATH and --draft auto (nothing pulled: a note, no draft)", {skip: skipWithoutShared(MODEL)}, async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "r1-extras-"));
    try {
        const given = await resolveLlamaServerExtras({draft: sharedPath(MODEL)}, {modelPath: sharedPath(MODEL), contextSize: 256, home});
        assert.deepEqual(given, {extras: {draftModelPath: sharedPath(MODEL)}, notes: []});
        const auto = await resolveLlamaServerExtras({draft: "auto"}, {modelPath: "/m.gguf", catalogId: "deepseek-r1-distill-qwen-14b", contextSize: 256, home});
        assert.deepEqual(auto, {extras: {}, notes: ["--draft auto: deepseek-r1-distill-qwen-1.5b is not pulled, so no draft model is used (r1 pull deepseek-r1:1.5b to add one)"]});
        await assert.rejects(resolveLlamaServerExtras({draft: "deepseek-r1:1.5b"}, {modelPath: "/m.gguf", contextSize: 256, home}), /not|pull/i);
    } finally {
        await rm(home, {recursive: true, force: true});
    }
});

test("--rpc: the workers' split becomes -ngl, -ts and --rpc", {skip: skipWithoutShared(MODEL)}, async () => {
    const workers = [await startFakeRpcWorker({devices: [{free: 8 * 2 ** 30, total: 8 * 2 ** 30}]}), await startFakeRpcWorker({devices: [{free: 8 * 2 ** 30, total: 8 * 2 ** 30}]})];
    try {
        const rpc = workers.map((worker) => worker.endpoint);
        const {extras, notes} = await resolveLlamaServerExtras({rpc: rpc.join(",")}, {modelPath: sharedPath(MODEL), contextSize: 256});
        assert.deepEqual(extras, {rpcServers: rpc, tensorSplit: [3, 2], gpuLayers: 6});
        assert.match(notes[0]!, /^--rpc: 3\/2 layers on /);
    } finally {
        await Promise.all(workers.map((worker) => worker.close()));
    }
});
