import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import path from "node:path";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {InvalidClusterError, parseCluster, planCluster} from "../../src/plan/index.js";
import {repoRoot} from "../helpers/shared.js";

const r1 = requireVariant("deepseek-r1");

test("parseCluster: named GPUs and the custom NODESxGPUSx<GB>gb@<TB/s>tbps form", () => {
    const named = parseCluster("2x8xh100-80gb");
    assert.equal(named.nodes, 2);
    assert.equal(named.gpusPerNode, 8);
    assert.equal(named.gpu.bandwidthBytesPerSecond, 3.35e12);
    const custom = parseCluster("4x8x96gb@4tbps");
    assert.deepEqual([custom.nodes, custom.gpusPerNode, custom.gpu.vramBytes, custom.gpu.bandwidthBytesPerSecond], [4, 8, 96e9, 4e12]);
    for (const bad of ["2x8", "2x8xfoo", "0x8xh100-80gb", "2x99xh100-80gb", "2x8x96gb", "axbxc"]) assert.throws(() => parseCluster(bad), InvalidClusterError, bad);
});

test("memory: FP8 R1 fits 2×8 H100 but not 1×8, BF16 needs 4×8 — the SGLang DeepSeek guide's hardware table", () => {
    assert.equal(planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb")}).fits, true);
    assert.equal(planCluster({variant: r1, cluster: parseCluster("1x8xh100-80gb")}).fits, false);
    assert.equal(planCluster({variant: r1, cluster: parseCluster("1x8xh200-141gb")}).fits, true);
    assert.equal(planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb"), precision: "bf16"}).fits, false);
    assert.equal(planCluster({variant: r1, cluster: parseCluster("4x8xh100-80gb"), precision: "bf16"}).fits, true);
    const plan = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb")});
    assert.equal(Math.round(plan.weightsPerGpuBytes / 1e6), Math.round(r1.parameters / 16 / 1e6));
    assert.equal(plan.kvBytesPerTokenPerGpu, 576 * 2 * 61);
});

test("SGLang: --tp over every GPU with --dist-init-addr/--nnodes/--node-rank per node (its multi-node docs' flags)", () => {
    const plan = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb"), headAddress: "10.0.0.1", contextSize: 16384});
    const sglang = plan.launches.find((launch) => launch.engine === "sglang")!;
    assert.deepEqual(sglang.nodes, [0, 1].map((node) => ({node, commands: [
        `python3 -m sglang.launch_server --model-path deepseek-ai/DeepSeek-R1 --tp 16 --dist-init-addr 10.0.0.1:20000 --nnodes 2 --node-rank ${node} `
        + "--trust-remote-code --context-length 16384 --host 0.0.0.0 --port 30000"
    ]})));
    assert.equal(sglang.upstream, "http://10.0.0.1:30000");
    // One node: no distributed flags.
    const single = planCluster({variant: r1, cluster: parseCluster("1x8xh200-141gb")}).launches.find((launch) => launch.engine === "sglang")!;
    assert.deepEqual(single.nodes[0]!.commands, ["python3 -m sglang.launch_server --model-path deepseek-ai/DeepSeek-R1 --tp 8 --trust-remote-code --context-length 8192 --host 0.0.0.0 --port 30000"]);
});

test("vLLM: tensor parallel = GPUs per node, pipeline parallel = nodes, on a Ray cluster (its parallelism guide)", () => {
    const plan = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb"), headAddress: "10.0.0.1"});
    const vllm = plan.launches.find((launch) => launch.engine === "vllm")!;
    assert.deepEqual(vllm.nodes, [
        {node: 0, commands: ["ray start --head --port=6379", "vllm serve deepseek-ai/DeepSeek-R1 --tensor-parallel-size 8 --pipeline-parallel-size 2 "
            + "--trust-remote-code --max-model-len 8192 --gpu-memory-utilization 0.9 --port 8000"]},
        {node: 1, commands: ["ray start --address=10.0.0.1:6379"]}
    ]);
    // Pipeline stages run in turn: only the tensor-parallel width divides a token's time.
    assert.ok(Math.abs(vllm.rooflineTokensPerSecond - 3.35e12 * 8 / 37e9) < 1e-6);
    assert.ok(vllm.predictedTokensPerSecond < vllm.rooflineTokensPerSecond);
    assert.equal(planCluster({variant: r1, cluster: parseCluster("1x8xh200-141gb")}).launches[0]!.engine, "sglang");
    assert.equal(planCluster({variant: requireVariant("deepseek-r1-0528"), cluster: parseCluster("1x8xh200-141gb")}).huggingFaceRepo, "deepseek-ai/DeepSeek-R1-0528");
});

test("r1 plan deepseek-r1 --cluster 2x8xh100-80gb prints both engines' per-node commands; a distill is refused in one line", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan", ...args], {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
    const text = run("deepseek-r1", "--cluster", "2x8xh100-80gb", "--head", "10.0.0.1");
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^DeepSeek-R1 FP8 \(deepseek-ai\/DeepSeek-R1 safetensors\) on 2 node\(s\) × 8 NVIDIA H100 80GB SXM$/m);
    assert.match(text.stdout, /fits; recommended engine: sglang/);
    assert.match(text.stdout, /node 1: python3 -m sglang\.launch_server .* --node-rank 1 /);
    assert.match(text.stdout, /node 0: vllm serve deepseek-ai\/DeepSeek-R1 --tensor-parallel-size 8 --pipeline-parallel-size 2 /);
    assert.match(text.stdout, /then: r1 serve --upstream http:\/\/10\.0\.0\.1:30000/);
    assert.match(text.stdout, /sources: https:\/\/docs\.sglang\.io/);
    const json = JSON.parse(run("deepseek-r1", "--cluster", "1x8xh100-80gb", "--json").stdout);
    assert.equal(json.fits, false);
    const distill = run("deepseek-r1-distill-qwen-7b", "--cluster", "2x8xh100-80gb");
    assert.equal(distill.status, 2);
    assert.equal(distill.stderr.trim().split("\n").length, 1);
});
