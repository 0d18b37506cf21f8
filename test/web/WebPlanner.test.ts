import assert from "node:assert/strict";
import {test} from "node:test";
import {hardwareProfile, type HardwareProfile} from "../../src/hardware/index.js";
import {webHardwareItems} from "../../src/server/toWebPlan.js";
import {WEB_HARDWARE_CACHE_MS, WebPlanner} from "../../src/server/WebPlanner.js";

test("the plan view lists every candidate with its verdict, the recommendation and the hardware", async () => {
    const planner = new WebPlanner({detectHardware: async () => hardwareProfile("cpu-8gb"), loadCalibration: async () => undefined});
    const plan = await planner.plan();
    assert.equal(plan.contextSize, 8192);
    assert.ok(plan.rows.length >= 10);
    assert.ok(plan.rows.some((r) => r.model === "deepseek-r1-distill-qwen-1.5b"));
    for (const row of plan.rows) {
        assert.equal(row.verdict === "does-not-fit", row.generationTokensPerSecond === undefined, `${row.model} ${row.quant}`);
        assert.ok(["usable", "slow", "technically-runs", "too-slow", "does-not-fit"].includes(row.verdict));
    }
    assert.ok(plan.rows.some((r) => r.model === "deepseek-r1" && r.verdict === "too-slow"), "the 671B model only streams from disk in 8 GB");
    assert.ok(plan.recommendation !== undefined && plan.recommendation.length > 0);
    assert.deepEqual(plan.hardware.map((h) => h.label).slice(0, 3), ["CPU", "RAM", "GPU"]);
});

test("hardware lines: one per GPU, numbered when there are several", () => {
    const two = webHardwareItems(hardwareProfile("2x-rtx-3090")).filter((h) => h.label.startsWith("GPU"));
    assert.deepEqual(two.map((h) => h.label), ["GPU 0", "GPU 1"]);
    assert.match(two[0]!.value, /3090 \(cuda\), 25\.\d GB, \d+ GB\/s/);
    assert.match(webHardwareItems(hardwareProfile("cpu-8gb")).find((h) => h.label === "GPU")!.value, /none/);
});

test("hardware is detected once a minute at most, and again after a failure", async () => {
    let calls = 0;
    let fail = true;
    let clock = 0;
    const planner = new WebPlanner({
        now: () => clock,
        loadCalibration: async () => undefined,
        detectHardware: async (): Promise<HardwareProfile> => {
            calls++;
            if (fail) throw new Error("probe failed");
            return hardwareProfile("rtx-3090");
        }
    });
    await assert.rejects(planner.plan(), /probe failed/);
    fail = false;
    await planner.plan();
    await planner.annotate([{id: "deepseek-r1:7b"}]);
    assert.equal(calls, 2);
    clock += WEB_HARDWARE_CACHE_MS + 1;
    await planner.plan();
    assert.equal(calls, 3);
});

test("model verdicts: catalog names and aliases get one, other names pass unchanged", async () => {
    const planner = new WebPlanner({detectHardware: async () => hardwareProfile("rtx-4090"), loadCalibration: async () => undefined});
    const [small, huge, local, given] = await planner.annotate([
        {id: "deepseek-r1-distill-qwen-1.5b:Q8_0"}, {id: "deepseek-r1:671b"}, {id: "my-file"}, {id: "deepseek-r1:7b", verdict: "slow"}
    ]);
    assert.equal(small!.verdict, "usable");
    assert.equal(small!.quant, "Q8_0");
    assert.ok(small!.generationTokensPerSecond! > 30);
    assert.notEqual(huge!.verdict, "usable", "the 671B MoE is not usably fast on one RTX 4090");
    assert.deepEqual(local, {id: "my-file"});
    assert.deepEqual(given, {id: "deepseek-r1:7b", verdict: "slow"}, "a verdict already given is kept");
});

test("the page's plan uses the engine probe saved for this machine", async () => {
    const hardware = hardwareProfile("cpu-8gb");
    const probe = {
        version: 1 as const, machine: "m", measuredAt: "2026-12-06T07:00:00.000Z", engine: "node-llama-cpp 3.21.1", seconds: 30,
        backends: {cpu: {threads: 2, types: {Q4_K: {decodeBytesPerSecond: 1e9, promptFlopsPerSecond: 1e10}}, perTokenOverheadSeconds: 0,
            perLayerOverheadSeconds: 0, perBatchOverheadSeconds: 0, attentionSecondsPerUnit: 0}}
    };
    const plain = await new WebPlanner({detectHardware: async () => hardware, loadCalibration: async () => undefined, loadEngineProbe: async () => undefined}).plan();
    const probed = await new WebPlanner({detectHardware: async () => hardware, loadCalibration: async () => undefined, loadEngineProbe: async () => probe}).plan();
    const row = (p: typeof plain) => p.rows.find((r) => r.model === "deepseek-r1-distill-qwen-1.5b" && r.quant === "Q4_K_M")!;
    // 1 GB/s of weights for a ~1.1 GB model: about one token per second, far below the unprobed figure.
    assert.ok(row(probed).generationTokensPerSecond! < 1.2 && row(probed).generationTokensPerSecond! > 0.5, String(row(probed).generationTokensPerSecond));
    assert.ok(row(plain).generationTokensPerSecond! > 5);
});
