import assert from "node:assert/strict";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {expertTensorPattern, modelWeights, planRpcExpertSplit, rpcBufferName, RPC_NETWORK_BYTES_PER_SECOND, RPC_ROUND_TRIPS_PER_SEGMENT} from "../../src/plan/index.js";

const r1 = requireVariant("deepseek-r1");
const GiB = 2 ** 30;
const ram = {capacityBytes: 64 * GiB, effectiveBytesPerSecond: 40e9};
const overhead = {perTokenOverheadSeconds: 0, perLayerOverheadSeconds: 0};
const rpcDevice = (endpoint: string, capacityBytes: number, roundTripSeconds = 1e-3, deviceIndex = 0) =>
    ({name: endpoint, kind: "rpc" as const, endpoint, deviceIndex, capacityBytes, effectiveBytesPerSecond: 40e9, roundTripSeconds});

test("llama.cpp's RPC buffer names and the -ot pattern for a set of layers' routed experts", () => {
    // ggml-rpc.cpp: "RPC" + device index on the worker + "[" + endpoint + "]".
    assert.equal(rpcBufferName("127.0.0.1:50052"), "RPC0[127.0.0.1:50052]");
    assert.equal(rpcBufferName("[::1]:50052", 1), "RPC1[[::1]:50052]");
    const pattern = expertTensorPattern([3, 4, 30]);
    assert.equal(pattern, "blk\\.(3|4|30)\\.ffn_(up|gate|down)_exps\\.");
    // llama.cpp splits -ot on commas and at the first '=': the pattern has neither.
    assert.doesNotMatch(pattern, /[,=]/);
    const regex = new RegExp(pattern);
    for (const name of ["blk.3.ffn_up_exps.weight", "blk.4.ffn_gate_exps.weight", "blk.30.ffn_down_exps.weight"]) assert.match(name, regex);
    for (const name of ["blk.13.ffn_up_exps.weight", "blk.34.ffn_up_exps.weight", "blk.3.ffn_up_shexp.weight", "blk.3.ffn_gate_inp.weight", "blk.3.attn_q_a.weight"])
        assert.doesNotMatch(name, regex);
    assert.throws(() => expertTensorPattern([]));
});

test("planRpcExpertSplit: DeepSeek-R1's 58 MoE layers' experts over two workers by memory, dense weights in RAM, one -ot rule per device", () => {
    const weights = modelWeights(r1, "Q4_K_M");
    const a = r1.architecture;
    assert.ok(a.kind === "moe");
    const devices = [rpcDevice("10.0.0.2:50052", 240 * GiB, 1e-3), rpcDevice("10.0.0.3:50052", 240 * GiB, 2e-3)];
    const split = planRpcExpertSplit({architecture: a, weights, contextSize: 4096, devices, ram, ...overhead, expertsUsed: a.expertsUsed});
    assert.equal(split.fits, true);
    assert.equal(split.denseOn, "ram");
    assert.equal(split.gpuLayers, 0);
    assert.deepEqual(split.tensorSplit, []);
    assert.equal(split.remoteLayers, 58);
    const first = Array.from({length: 29}, (_, i) => 3 + i);
    const second = Array.from({length: 29}, (_, i) => 32 + i);
    assert.deepEqual(split.placements.map((placement) => placement.layers), [first, second]);
    assert.deepEqual(split.overrideTensors, [
        `blk\\.(${first.join("|")})\\.ffn_(up|gate|down)_exps\\.=RPC0[10.0.0.2:50052]`,
        `blk\\.(${second.join("|")})\\.ffn_(up|gate|down)_exps\\.=RPC0[10.0.0.3:50052]`
    ]);
    // Each device: its experts' bytes × the share a token uses (8 of 256), over its bandwidth.
    const expertBytes = (layers: number[]) => layers.reduce((sum, layer) => sum + weights.layers[layer]!.expertBytes, 0);
    assert.equal(split.shares[1]!.bytes, expertBytes(first));
    assert.ok(Math.abs(split.shares[1]!.secondsPerToken - expertBytes(first) * 8 / 256 / 40e9) < 1e-12);
    // Network: every remote layer is a stretch (round trips × its worker's round trip, plus hidden state in and out and the 8 experts' ids and weights).
    const activation = (2 * 7168 * 4 + 8 * 8) / RPC_NETWORK_BYTES_PER_SECOND;
    const network = 29 * (RPC_ROUND_TRIPS_PER_SEGMENT * 1e-3 + activation) + 29 * (RPC_ROUND_TRIPS_PER_SEGMENT * 2e-3 + activation);
    assert.ok(Math.abs(split.networkSecondsPerToken - network) < 1e-12);
    const compute = split.shares.reduce((sum, share) => sum + share.secondsPerToken, 0);
    assert.ok(Math.abs(split.predictedTokensPerSecond - 1 / (compute + network)) < 1e-9);
    // Only the non-expert weights (and the KV cache) stay here: about 11 GB of the ~400 GB model.
    assert.ok(split.shares[0]!.bytes < 16e9 && split.shares[0]!.bytes > 8e9, `${split.shares[0]!.bytes}`);
});

test("planRpcExpertSplit: workers too small take the last layers' experts; a local GPU that holds the rest takes it (-ngl all, -ts 0 for RPC devices)", () => {
    const weights = modelWeights(r1, "Q4_K_M");
    const a = r1.architecture;
    assert.ok(a.kind === "moe");
    const perLayer = Math.max(...weights.layers.map((layer) => layer.expertBytes));
    const small = planRpcExpertSplit({architecture: a, weights, contextSize: 4096, ram: {...ram, capacityBytes: 512 * GiB}, ...overhead, expertsUsed: 8,
        devices: [rpcDevice("a:1", 3.6 * perLayer), rpcDevice("b:1", 2.6 * perLayer)]});
    // Room for six layers' experts in all, but the second device holds only two: the rest of its share stays here.
    assert.deepEqual(small.placements.map((placement) => placement.layers), [[55, 56, 57], [58, 59]]);
    assert.equal(small.remoteLayers, 5);
    for (const [i, placement] of small.placements.entries()) assert.ok(placement.bytes <= [3.6, 2.6][i]! * perLayer);
    // A local GPU with room for all but the remote experts: dense there.
    const gpu = {name: "GPU 0", kind: "gpu" as const, capacityBytes: 1e15, effectiveBytesPerSecond: 1e12};
    const withGpu = planRpcExpertSplit({architecture: a, weights, contextSize: 4096, ram, ...overhead, expertsUsed: 8,
        devices: [rpcDevice("a:1", 240 * GiB), rpcDevice("b:1", 240 * GiB), gpu]});
    assert.equal(withGpu.denseOn, "gpu");
    assert.equal(withGpu.gpuLayers, 62);
    assert.deepEqual(withGpu.tensorSplit, [0, 0, 61]);
    // A dense model has no experts to place.
    const distill = requireVariant("deepseek-r1-distill-qwen-1.5b");
    assert.throws(() => planRpcExpertSplit({architecture: distill.architecture, weights: modelWeights(distill, "Q4_K_M"), contextSize: 4096, ram, ...overhead,
        expertsUsed: 0, devices: [rpcDevice("a:1", 8 * GiB)]}));
});
