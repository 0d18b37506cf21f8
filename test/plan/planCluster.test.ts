import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import path from "node:path";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {InvalidClusterError, parseCluster, planCluster, routedExpertParameters} from "../../src/plan/index.js";
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

test("expert parallel: routed experts over every GPU, the rest on each; fits 1×8 H200 but not 1×8 H100 (vLLM's EP docs say the same)", () => {
    const a = r1.architecture;
    assert.ok(a.kind === "moe");
    // DeepSeek-V3: 58 MoE layers × 256 experts × 3 × 7168 × 2048.
    assert.equal(routedExpertParameters(a), 58 * 256 * 3 * 7168 * 2048);
    const expert = (cluster: string) => planCluster({variant: r1, cluster: parseCluster(cluster)}).launches.filter((launch) => launch.layout === "expert");
    const two = expert("2x8xh100-80gb");
    assert.deepEqual(two.map((launch) => launch.engine), ["sglang", "vllm"]);
    const routed = routedExpertParameters(a);
    assert.equal(two[0]!.weightsPerGpuBytes, r1.parameters - routed + routed / 16);
    assert.equal(two[0]!.fits, true);
    assert.deepEqual(expert("1x8xh200-141gb").map((launch) => launch.fits), [true, true]);
    assert.deepEqual(expert("1x8xh100-80gb").map((launch) => launch.fits), [false, false]);
    // One stream: the ~17B non-routed active parameters on one GPU bound it below tensor parallel's.
    const tensor = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb")}).launches[0]!;
    assert.equal(tensor.layout, "tensor");
    assert.ok(two[0]!.rooflineTokensPerSecond < tensor.rooflineTokensPerSecond);
    const activeRouted = 58 * 8 * 3 * 7168 * 2048;
    assert.ok(Math.abs(two[0]!.rooflineTokensPerSecond - 1 / ((37e9 - activeRouted) / 3.35e12 + activeRouted / (3.35e12 * 8))) < 1e-9);
});

test("SGLang expert parallel: --tp = --ep = --dp with --enable-dp-attention and DeepEP (its server-arguments and EP docs)", () => {
    const plan = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb"), headAddress: "10.0.0.1"});
    const sglang = plan.launches.find((launch) => launch.engine === "sglang" && launch.layout === "expert")!;
    assert.deepEqual(sglang.nodes, [0, 1].map((node) => ({node, commands: [
        "python3 -m sglang.launch_server --model-path deepseek-ai/DeepSeek-R1 --tp 16 --ep 16 --dp 16 --enable-dp-attention --moe-a2a-backend deepep --deepep-mode auto "
        + `--dist-init-addr 10.0.0.1:20000 --nnodes 2 --node-rank ${node} --trust-remote-code --context-length 8192 --host 0.0.0.0 --port 30000`
    ]})));
    // Only flags the docs name (server arguments: --ep/--ep-size/--expert-parallel-size, --dp/--dp-size, --enable-dp-attention; EP page: --moe-a2a-backend, --deepep-mode).
    const documented = new Set(["--model-path", "--tp", "--ep", "--dp", "--enable-dp-attention", "--moe-a2a-backend", "--deepep-mode", "--dist-init-addr", "--nnodes",
        "--node-rank", "--trust-remote-code", "--context-length", "--host", "--port"]);
    for (const flag of sglang.nodes[0]!.commands[0]!.match(/--[a-z0-9-]+/g)!) assert.ok(documented.has(flag), flag);
    assert.ok(sglang.sources.some((source) => source.startsWith("https://docs.sglang.io/advanced_features/expert_parallelism.html")));
});

test("vLLM expert parallel: --enable-expert-parallel with data parallel over every GPU; node 0 serves, the others --headless (its EP deployment docs)", () => {
    const plan = planCluster({variant: r1, cluster: parseCluster("2x8xh100-80gb"), headAddress: "10.0.0.1"});
    const vllm = plan.launches.find((launch) => launch.engine === "vllm" && launch.layout === "expert")!;
    const shared = "vllm serve deepseek-ai/DeepSeek-R1 --all2all-backend deepep_low_latency --tensor-parallel-size 1 --enable-expert-parallel --data-parallel-size 16 "
        + "--data-parallel-size-local 8";
    assert.deepEqual(vllm.nodes, [
        {node: 0, commands: [`${shared} --data-parallel-address 10.0.0.1 --data-parallel-rpc-port 13345 --api-server-count 8 `
            + "--trust-remote-code --max-model-len 8192 --gpu-memory-utilization 0.9 --port 8000"]},
        {node: 1, commands: [`${shared} --data-parallel-start-rank 8 --data-parallel-address 10.0.0.1 --data-parallel-rpc-port 13345 --headless `
            + "--trust-remote-code --max-model-len 8192 --gpu-memory-utilization 0.9"]}
    ]);
    assert.equal(vllm.upstream, "http://10.0.0.1:8000");
    // One node: no multi-node flags, no headless rank.
    const single = planCluster({variant: r1, cluster: parseCluster("1x8xh200-141gb")}).launches.find((launch) => launch.engine === "vllm" && launch.layout === "expert")!;
    assert.deepEqual(single.nodes, [{node: 0, commands: ["vllm serve deepseek-ai/DeepSeek-R1 --tensor-parallel-size 1 --enable-expert-parallel --data-parallel-size 8 "
        + "--api-server-count 8 --trust-remote-code --max-model-len 8192 --gpu-memory-utilization 0.9 --port 8000"]}]);
    assert.ok(vllm.sources.some((source) => source.startsWith("https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment/")));
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
    assert.match(text.stdout, /^SGLang: expert parallel 16 with data-parallel attention 16/m);
    assert.match(text.stdout, /node 1: vllm serve deepseek-ai\/DeepSeek-R1 .*--enable-expert-parallel .*--headless/);
    const json = JSON.parse(run("deepseek-r1", "--cluster", "1x8xh100-80gb", "--json").stdout);
    assert.equal(json.fits, false);
    const distill = run("deepseek-r1-distill-qwen-7b", "--cluster", "2x8xh100-80gb");
    assert.equal(distill.status, 2);
    assert.equal(distill.stderr.trim().split("\n").length, 1);
});
