import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import path from "node:path";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {freeLoopbackPort} from "../../src/engine/llamaServer/freeLoopbackPort.js";
import {probeRpcWorker, RpcWorkerUnreachableError} from "../../src/engine/rpcWorker/index.js";
import {modelWeights, planRpcSplit, RPC_ROUND_TRIPS_PER_SEGMENT} from "../../src/plan/index.js";
import {startFakeRpcWorker, type FakeRpcWorkerOptions} from "../helpers/fakeRpcWorker.js";
import {repoRoot} from "../helpers/shared.js";

const small = requireVariant("deepseek-r1-distill-qwen-1.5b");
const GiB = 2 ** 30;
const ram = {capacityBytes: 16 * GiB, effectiveBytesPerSecond: 20e9};
const overhead = {perTokenOverheadSeconds: 0, perLayerOverheadSeconds: 0};

test("planRpcSplit: layers shared by free memory, output on the last device, network cost per remote stretch", () => {
    const weights = modelWeights(small, "Q4_K_M");
    const devices = [
        {name: "a", kind: "rpc" as const, capacityBytes: 8 * GiB, effectiveBytesPerSecond: 10e9, roundTripSeconds: 1e-3},
        {name: "b", kind: "rpc" as const, capacityBytes: 8 * GiB, effectiveBytesPerSecond: 10e9, roundTripSeconds: 2e-3}
    ];
    const split = planRpcSplit({architecture: small.architecture, weights, contextSize: 4096, devices, ram, ...overhead});
    assert.equal(split.fits, true);
    assert.equal(split.gpuLayers, small.architecture.layers + 1);
    assert.deepEqual(split.tensorSplit, [14, 14]);
    assert.equal(split.remoteSegments, 2);
    const activation = 2 * small.architecture.hiddenSize * 4 / 125e6;
    assert.ok(Math.abs(split.networkSecondsPerToken - (RPC_ROUND_TRIPS_PER_SEGMENT * 3e-3 + 2 * activation)) < 1e-12);
    const compute = split.shares.reduce((sum, share) => sum + share.secondsPerToken, 0);
    assert.ok(Math.abs(split.predictedTokensPerSecond - 1 / (compute + split.networkSecondsPerToken)) < 1e-9);
    // Three times the memory on the first device: three times the layers.
    const uneven = planRpcSplit({architecture: small.architecture, weights, contextSize: 4096, ram, ...overhead,
        devices: [{...devices[0]!, capacityBytes: 12 * GiB}, {...devices[1]!, capacityBytes: 4 * GiB}]});
    assert.deepEqual(uneven.tensorSplit, [21, 7]);
});

test("planRpcSplit: devices too small take the last layers they can; the rest stays in RAM", () => {
    const weights = modelWeights(small, "Q4_K_M");
    const layer = weights.layers[0]!.denseBytes;
    const devices = [{name: "a", kind: "rpc" as const, capacityBytes: 5.5 * layer, effectiveBytesPerSecond: 10e9, roundTripSeconds: 0}];
    const split = planRpcSplit({architecture: small.architecture, weights, contextSize: 256, devices, ram, ...overhead});
    assert.ok(split.gpuLayers >= 4 && split.gpuLayers <= 5, `${split.gpuLayers}`);
    assert.equal(split.shares[0]!.layers + split.tensorSplit[0]!, small.architecture.layers);
});

test("probeRpcWorker: devices, memory and round trip; each bad worker is one line within seconds", async () => {
    const fake = await startFakeRpcWorker({devices: [{free: 100 * GiB, total: 128 * GiB}, {free: 20 * GiB, total: 24 * GiB}]});
    try {
        const probe = await probeRpcWorker(fake.endpoint);
        assert.equal(probe.version, "6.0.0");
        assert.deepEqual(probe.devices, [{index: 0, freeBytes: 100 * GiB, totalBytes: 128 * GiB}, {index: 1, freeBytes: 20 * GiB, totalBytes: 24 * GiB}]);
        assert.ok(probe.roundTripSeconds > 0 && probe.roundTripSeconds < 1);
    } finally {
        await fake.close();
    }
    const expectLine = async (endpoint: string, pattern: RegExp, options = {}) => {
        const started = Date.now();
        await assert.rejects(probeRpcWorker(endpoint, options), (error: unknown) => error instanceof RpcWorkerUnreachableError && pattern.test(error.message)
            && !error.message.includes("\n"));
        assert.ok(Date.now() - started < 10_000);
    };
    await expectLine(`127.0.0.1:${await freeLoopbackPort()}`, /refused the connection/);
    await expectLine("no-such-host.invalid:50052", /does not resolve|did not answer/);
    await expectLine("127.0.0.1", /is not host:port/);
    for (const [options, pattern] of [
        [{behaviour: {garbage: "HTTP/1.1 400 Bad Request\r\n\r\n"}}, /not llama\.cpp's RPC protocol|did not answer/],
        [{behaviour: "silent"}, /did not answer as an RPC worker within 1 s/],
        [{version: [5, 0, 0]}, /speaks RPC protocol v5\.0\.0, this r1's llama\.cpp speaks v6/]
    ] as Array<[FakeRpcWorkerOptions, RegExp]>) {
        const bad = await startFakeRpcWorker(options);
        try {
            await expectLine(bad.endpoint, pattern, {timeoutMs: 1000});
        } finally {
            await bad.close();
        }
    }
});

/**
 * `r1 plan deepseek-r1 --quant Q4_K_M --rpc <rpc> …args`, spawned asynchronously: the fake workers answer from this
 * process's event loop.
 */
function planDeepseekR1OverRpc(rpc: string, args: readonly string[]): Promise<{status: number | null, stdout: string, stderr: string}> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan", "deepseek-r1", "--quant", "Q4_K_M", "--rpc", rpc, ...args],
            {env: {...process.env, NO_COLOR: "1", R1_HOME: "/nonexistent-r1-home"}});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => stdout += d);
        child.stderr.on("data", (d: Buffer) => stderr += d);
        child.on("close", (status: number | null) => resolve({status, stdout, stderr}));
    });
}

test("r1 plan --rpc with two CPU workers on one host counts its RAM once and says so in one line", async () => {
    // ggml-rpc-server's CPU device reports the host's RAM as free and total alike: two ports of one 256 GiB host.
    const workers = [await startFakeRpcWorker({devices: [{free: 256 * GiB, total: 256 * GiB}]}), await startFakeRpcWorker({devices: [{free: 256 * GiB, total: 256 * GiB}]})];
    try {
        const run = (...args: string[]) => planDeepseekR1OverRpc(workers.map((worker) => worker.endpoint).join(","), args);
        const text = await run();
        assert.equal(text.status, 0, text.stderr);
        const [a, b] = workers.map((worker) => worker.endpoint);
        const lines = text.stdout.split("\n").filter((line) => line.includes("one host's memory"));
        assert.deepEqual(lines, [`  ${a} and ${b} are one host's memory (275 GB reported by each worker): counted once, 137 GB each`]);
        // The 404 GB model fitted on 2 × 275 GB + this machine; on one 275 GB host + this machine it does not.
        const json = JSON.parse((await run("--json")).stdout);
        assert.equal(json.split.fits, false);
        assert.equal(json.sharedMemory.length, 1);
    } finally {
        await Promise.all(workers.map((worker) => worker.close()));
    }
});

test("r1 plan deepseek-r1 --quant Q4_K_M --rpc with two workers prints the split, the prediction and the llama-server command", async () => {
    const workers = [await startFakeRpcWorker({devices: [{free: 240 * GiB, total: 256 * GiB}]}), await startFakeRpcWorker({devices: [{free: 240 * GiB, total: 256 * GiB}]})];
    try {
        const rpc = workers.map((worker) => worker.endpoint).join(",");
        const run = (...args: string[]) => planDeepseekR1OverRpc(rpc, args);
        const text = await run();
        assert.equal(text.status, 0, text.stderr);
        assert.match(text.stdout, /^DeepSeek-R1 Q4_K_M split over 2 RPC worker\(s\) and this machine$/m);
        assert.match(text.stdout, /Generation: [\d.]+ tok\/s predicted/);
        const json = JSON.parse((await run("--json")).stdout);
        assert.equal(json.split.fits, true);
        assert.equal(json.split.gpuLayers, 62);
        assert.equal(json.split.tensorSplit.reduce((a: number, b: number) => a + b, 0), 61);
        assert.ok(json.split.tensorSplit.every((layers: number) => layers >= 29), JSON.stringify(json.split.tensorSplit));
        assert.equal(json.llamaServerCommand, `llama-server -m /nonexistent-r1-home/models/deepseek-r1%3AQ4_K_M/DeepSeek-R1-Q4_K_M-00001-of-00009.gguf -c 8192 -np 1 `
            + `-ngl 62 --fit off -ts ${json.split.tensorSplit.join(",")} --rpc ${rpc} --cache-ram 0 --reasoning-format deepseek --no-webui`);
        assert.ok(text.stdout.includes(json.llamaServerCommand));
        // The MoE's other split: its routed experts on the workers (one -ot rule per worker, after --rpc), the rest here; the faster predicted runs.
        const [a, b] = workers.map((worker) => worker.endpoint);
        const layers = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i).join("|");
        assert.deepEqual(json.expertSplit.overrideTensors, [`blk\\.(${layers(3, 31)})\\.ffn_(up|gate|down)_exps\\.=RPC0[${a}]`,
            `blk\\.(${layers(32, 60)})\\.ffn_(up|gate|down)_exps\\.=RPC0[${b}]`]);
        assert.ok(json.expertsCommand.includes(` -ngl 0 --fit off --rpc ${rpc} -ot 'blk`), json.expertsCommand);
        assert.equal(json.chosen, json.expertSplit.predictedTokensPerSecond > json.split.predictedTokensPerSecond ? "experts" : "layers");
        assert.match(text.stdout, /^Experts split \(MoE: routed experts of 58 layer\(s\) on the workers/m);
        assert.ok(text.stdout.includes(json.expertsCommand));
        assert.match(text.stdout, /^Runs with: the (layer|experts) split/m);
        // With --hardware the main host is that machine: the commands name its llama-server and model store, not this one's.
        const whatIf = await run("--hardware", "epyc-2s-384gb-ddr5");
        assert.equal(whatIf.status, 0, whatIf.stderr);
        assert.equal(whatIf.stdout.includes("/nonexistent-r1-home"), false, whatIf.stdout);
        assert.match(whatIf.stdout, /^ {2}llama-server -m ~\/\.r1\/models\/deepseek-r1%3AQ4_K_M\/DeepSeek-R1-Q4_K_M-00001-of-00009\.gguf -c 8192 /m);
        assert.match(whatIf.stdout, /^note: the commands are for epyc-2s-384gb-ddr5, not this machine: /m);
    } finally {
        await Promise.all(workers.map((worker) => worker.close()));
    }
    void spawnSync;
});
