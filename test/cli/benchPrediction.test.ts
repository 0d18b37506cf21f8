import {test} from "node:test";
import assert from "node:assert/strict";
import {benchRunLine, predictedFor} from "../../src/cli/commands/bench.js";
import {plannedLoad} from "../../src/cli/plannedLoad.js";
import {hardwareProfile} from "../../src/hardware/index.js";
import type {BenchTestResult} from "../../src/bench/benchModel.js";

const result = (test: "pp" | "tg" | "e2e", depth: number): BenchTestResult =>
    ({test, name: `${test}`, tokens: 16, depth, repetitions: 1, samples: [1], meanTokensPerSecond: 1, sdTokensPerSecond: 0});

test("r1 bench -d N predicts generation at the depth it measures; the prompt at a depth is not predicted", async () => {
    const hardware = hardwareProfile("cpu-8gb");
    const model = {catalogId: "deepseek-r1-distill-qwen-1.5b", quant: "Q4_K_M"};
    const flat = await plannedLoad({path: "/m/x.gguf", contextSize: 4352}, model, {hardware, llamaServer: null});
    assert.equal(flat.planAtDepth, undefined, "no depth, no second plan");
    const planned = await plannedLoad({path: "/m/x.gguf", contextSize: 4352}, {...model, depth: 4096}, {hardware, llamaServer: null});
    const {plan, planAtDepth} = planned;
    assert.ok(plan !== undefined && planAtDepth !== undefined);
    assert.equal(plan.predicted.depth, 0, "the load and the depth-0 tests use the plan at depth 0");
    assert.equal(planAtDepth.predicted.depth, 4096);
    assert.ok(planAtDepth.predicted.generationTokensPerSecond < plan.predicted.generationTokensPerSecond, "slower with the KV cache it reads");
    assert.deepEqual(planned.options, flat.options, "the depth changes the prediction, not how the model loads");

    assert.equal(predictedFor(result("tg", 4096), plan, planAtDepth), planAtDepth.predicted.generationTokensPerSecond);
    assert.equal(predictedFor(result("pp", 4096), plan, planAtDepth), undefined);
    assert.equal(predictedFor(result("tg", 0), plan, planAtDepth), plan.predicted.generationTokensPerSecond);
    assert.equal(predictedFor(result("pp", 0), plan, planAtDepth), plan.predicted.promptTokensPerSecond);
    assert.equal(predictedFor(result("e2e", 0), plan, planAtDepth), plan.predicted.generationTokensPerSecond, "chat replies start from an empty context");
    assert.equal(predictedFor(result("tg", 512), plan, planAtDepth), undefined, "never a prediction for another depth");
    assert.equal(predictedFor(result("tg", 0), undefined, undefined), undefined);
});

test("the line under r1 bench's table says what each engine ran with, never \"undefined\"", () => {
    const base = {path: "/m/x.gguf", architecture: "qwen2", contextSize: 4096, parallel: 1, gpuLayers: 0, reasoning: true, loadMs: 1};
    assert.equal(benchRunLine("Xeon (2 cores)", {...base, threads: 2, gpu: false, engine: "embedded"}, "1"),
        "Xeon (2 cores) · 2 threads · CPU · UV_THREADPOOL_SIZE=1");
    assert.equal(benchRunLine("Xeon (2 cores)", {...base, engine: "llama-server"}, "1"),
        "Xeon (2 cores) · llama-server · the engine's default threads · 0 GPU layers");
    assert.equal(benchRunLine("Box", {...base, threads: 8, gpu: "cuda", gpuLayers: 99, engine: "llama-server"}, undefined),
        "Box · llama-server · 8 threads · cuda, 99 GPU layers");
    assert.equal(benchRunLine("Box", {...base, threads: 4, gpu: false}, undefined), "Box · 4 threads · CPU · UV_THREADPOOL_SIZE=unset");
});
