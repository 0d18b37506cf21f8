import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {requireVariant} from "../../src/catalog/index.js";
import {hardwareProfile, type HardwareProfile} from "../../src/hardware/index.js";
import {
    attentionUnitsPerLayer, kvBytesPerTokenPerLayer, chooseLoading, ENGINE_PROBE_FILE, loadEngineProbe, machineFingerprint, modelWeights, planModel, probedPromptSeconds,
    probedWeightSeconds, promptWidthFactor, publishedReasoningLength, saveEngineProbe, secondsToAnswer, typeRates, typicalReasoningLength, type BackendProbe, type EngineProbe
} from "../../src/plan/index.js";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual / expected - 1) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

const cpuProbe: BackendProbe = {
    threads: 2, types: {Q4_K: {decodeBytesPerSecond: 10e9, promptFlopsPerSecond: 100e9}, Q6_K: {decodeBytesPerSecond: 5e9, promptFlopsPerSecond: 50e9}},
    perTokenOverheadSeconds: 1e-3, perLayerOverheadSeconds: 1e-5, perBatchOverheadSeconds: 2e-3, attentionSecondsPerUnit: 1e-12, mmapRateRatio: 0.5, mmapMeasuredOn: "Q4_K"
};
const probeFor = (hardware: HardwareProfile): EngineProbe => ({
    version: 1, machine: machineFingerprint(hardware), measuredAt: "2026-12-06T07:00:00.000Z", engine: "node-llama-cpp 3.21.1", seconds: 30, backends: {cpu: cpuProbe}
});

test("probed weight time: each type at its measured rate, never faster than the fastest rate allows; mmap scales the rates", () => {
    const amounts = {Q4_K: {bytes: 1e9, params: 1.8e9}, Q6_K: {bytes: 0.5e9, params: 0.6e9}};
    close(probedWeightSeconds(amounts, cpuProbe), 1e9 / 10e9 + 0.5e9 / 5e9, "per type");
    close(probedWeightSeconds(amounts, cpuProbe, 0.5), 2 * (1e9 / 10e9 + 0.5e9 / 5e9), "memory-mapped");
    // A type the probe did not run takes the nearest in bits per weight: IQ4_XS (4.25) → Q4_K (4.5); Q8_0 (8.5) → Q6_K (6.56).
    assert.equal(typeRates(cpuProbe, "IQ4_XS"), cpuProbe.types.Q4_K);
    assert.equal(typeRates(cpuProbe, "Q8_0"), cpuProbe.types.Q6_K);
    close(probedPromptSeconds(amounts, 512, cpuProbe), 2 * 1.8e9 * 512 / 100e9 + 2 * 0.6e9 * 512 / 50e9, "prompt");
    assert.equal(attentionUnitsPerLayer(requireVariant("deepseek-r1:1.5b").architecture, 4096), 12 * 128 * 4096);
    assert.equal(attentionUnitsPerLayer(requireVariant("deepseek-r1").architecture, 10), 128 * (512 + 64) * 10);
});

test("prompt width factor: the probe's points, linear in log(width) between them, the nearest outside, 1 without", () => {
    const probe = {...cpuProbe, promptWidthFactors: [{hiddenSize: 3584, factor: 1}, {hiddenSize: 1536, factor: 0.6}]};
    assert.equal(promptWidthFactor(cpuProbe, 1536), 1, "an older probe without width points");
    assert.equal(promptWidthFactor(probe, 1536), 0.6);
    assert.equal(promptWidthFactor(probe, 896), 0.6, "narrower than measured: the narrowest point");
    assert.equal(promptWidthFactor(probe, 7168), 1, "wider (the 671B): the widest point");
    close(promptWidthFactor(probe, Math.sqrt(1536 * 3584)), 0.8, "the geometric middle");
});

test("time to an answer: the prompt, then every generated token at the speed of its depth (linear: the middle depth)", () => {
    close(secondsToAnswer({promptTokens: 100, promptTokensPerSecond: 50, generatedTokens: 1000, secondsPerTokenAt: (d) => 0.01 + 1e-6 * d}), 2 + 1000 * (0.01 + 1e-6 * 600), "seconds");
    close(secondsToAnswer({promptTokens: 0, promptTokensPerSecond: 50, generatedTokens: 10, secondsPerTokenAt: () => 0.5}), 5, "no prompt");
});

test("planModel with an engine probe: time per token = Σ type bytes ÷ measured rate + overheads, slower with depth; prompt from measured FLOP/s", () => {
    const hardware = hardwareProfile("cpu-8gb");
    const variant = requireVariant("deepseek-r1:1.5b");
    const w = modelWeights(variant, "Q4_K_M");
    const sum = (groups: readonly Readonly<Record<string, {bytes: number, params: number}>>[]) => {
        const into: Record<string, {bytes: number, params: number}> = {};
        for (const group of groups) {
            for (const [type, amount] of Object.entries(group)) {
                const r = into[type] ?? {bytes: 0, params: 0};
                into[type] = {bytes: r.bytes + amount.bytes, params: r.params + amount.params};
            }
        }
        return into;
    };
    const layerReads = sum(w.layers.map((l) => l.denseByType));
    const reads = sum([layerReads, w.outputByType]);
    const weightSeconds = probedWeightSeconds(reads, cpuProbe);
    const overhead = 1e-3 + 28 * 1e-5;
    const plan = planModel({variant, quant: "Q4_K_M", hardware, probe: probeFor(hardware)});
    assert.equal(plan.predicted.source, "probe");
    assert.equal(plan.loading.mmap, false, "measured: mmap decodes at 50%, and it fits in RAM");
    close(plan.predicted.generationTokensPerSecond, 1 / (weightSeconds + overhead), "generation");
    close(plan.predicted.overheadSeconds, overhead, "overhead");
    // A prompt batch: every layer's matmuls for 512 tokens, the output for the last one only.
    close(plan.predicted.promptTokensPerSecond, 512 / (probedPromptSeconds(layerReads, 512, cpuProbe) + probedWeightSeconds(w.outputByType, cpuProbe) + 2e-3),
        "prompt (a probe without width factors: the rates as measured)");
    // Prompt rates measured at the 7B's width, scaled to the 1.5B's (1536) by the probe's width factor.
    const widths = [{hiddenSize: 1536, factor: 0.75}, {hiddenSize: 3584, factor: 1}];
    const withWidths = {...probeFor(hardware), backends: {cpu: {...cpuProbe, promptWidthFactors: widths}}};
    close(planModel({variant, quant: "Q4_K_M", hardware, probe: withWidths}).predicted.promptTokensPerSecond,
        512 / (probedPromptSeconds(layerReads, 512, cpuProbe) / 0.75 + probedWeightSeconds(w.outputByType, cpuProbe) + 2e-3), "prompt at the 1.5B's width");
    // At depth: the measured attention cost per position, never less than reading the position's K and V at the fastest rate.
    const kvPerPosition = 28 * kvBytesPerTokenPerLayer(variant.architecture);
    const deep = planModel({variant, quant: "Q4_K_M", hardware, probe: probeFor(hardware), depth: 4096});
    assert.ok(28 * 12 * 128 * 1e-12 < kvPerPosition / 10e9, "this probe's attention figure is below the KV read");
    close(deep.predicted.generationTokensPerSecond, 1 / (weightSeconds + 4096 * kvPerPosition / 10e9 + overhead), "generation at depth 4096: the KV read floor");
    assert.equal(deep.predicted.depth, 4096);
    const slowAttention = {...probeFor(hardware), backends: {cpu: {...cpuProbe, attentionSecondsPerUnit: 2.5e-10}}};
    close(planModel({variant, quant: "Q4_K_M", hardware, probe: slowAttention, depth: 4096}).predicted.generationTokensPerSecond,
        1 / (weightSeconds + 28 * 12 * 128 * 4096 * 2.5e-10 + overhead), "generation at depth 4096: the measured attention");
    const mapped = planModel({variant, quant: "Q4_K_M", hardware, probe: probeFor(hardware), mmap: true});
    assert.equal(mapped.loading.mmap, true);
    close(mapped.predicted.generationTokensPerSecond, 1 / (2 * weightSeconds + overhead), "memory-mapped generation");
    // Time to an answer: the published 12K tokens (R1's AIME average) at the depths they reach.
    assert.equal(plan.timeToAnswer?.reasoningTokens, 12_000);
    close(plan.timeToAnswer!.seconds, 12_000 * (weightSeconds + 6000 * kvPerPosition / 10e9 + overhead), "seconds to an answer");
    assert.match(plan.timeToAnswer!.source, /R1-0528 model card/);
});

test("without a probe the plan says where its speeds come from", () => {
    const plan = planModel({variant: requireVariant("deepseek-r1:1.5b"), quant: "Q4_K_M", hardware: hardwareProfile("cpu-8gb")});
    assert.equal(plan.predicted.source, "defaults");
    assert.match(plan.loading.reason, /unmeasured/);
});

test("loading: streamed weights need mmap, a GPU-only model maps, a measured slowdown reads into memory, flags win", () => {
    assert.equal(chooseLoading({ramWeightsBytes: 8e9, diskWeightsBytes: 1e9, mmapRateRatio: 0.2}).mmap, true);
    assert.equal(chooseLoading({ramWeightsBytes: 0, diskWeightsBytes: 0, mmapRateRatio: 0.2}).mmap, true);
    assert.equal(chooseLoading({ramWeightsBytes: 1e9, diskWeightsBytes: 0}).mmap, true);
    const read = chooseLoading({ramWeightsBytes: 1e9, diskWeightsBytes: 0, mmapRateRatio: 0.4});
    assert.deepEqual([read.mmap, read.mlock], [false, false]);
    assert.match(read.reason, /40% of in-memory/);
    assert.equal(chooseLoading({ramWeightsBytes: 1e9, diskWeightsBytes: 0, mmapRateRatio: 0.99}).mmap, true);
    const forced = chooseLoading({ramWeightsBytes: 1e9, diskWeightsBytes: 0, mmapRateRatio: 0.4, mmap: true, mlock: true});
    assert.deepEqual([forced.mmap, forced.mlock], [true, true]);
    assert.match(forced.reason, /as asked/);
});

test("reasoning lengths: the published figures by family, r1 eval's record first", () => {
    assert.equal(publishedReasoningLength(requireVariant("deepseek-r1")).tokens, 12_000);
    assert.equal(publishedReasoningLength(requireVariant("deepseek-r1-0528")).tokens, 23_000);
    assert.match(publishedReasoningLength(requireVariant("deepseek-r1-0528-qwen3-8b")).source, /teacher R1-0528/);
    const recorded = {version: 1 as const, variants: {"deepseek-r1-distill-qwen-7b": {meanCompletionTokens: 4321.4, meanReasoningTokens: 4000, samples: 20, dataset: "math500", recordedAt: "2026-12-06T07:00:00Z"}}};
    const length = typicalReasoningLength(requireVariant("deepseek-r1:7b"), recorded);
    assert.deepEqual(length, {tokens: 4321, source: "r1 eval on math500 (20 samples, 2026-12-06)"});
    assert.equal(typicalReasoningLength(requireVariant("deepseek-r1:1.5b"), recorded).tokens, 12_000);
});

test("engine probe file: loaded only for the machine it measured, and only when well formed", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "r1-engine-probe-"));
    try {
        const hardware: HardwareProfile = {...hardwareProfile("cpu-8gb"), source: "detected"};
        assert.equal(await loadEngineProbe(hardware, {r1Home: home}), undefined);
        await saveEngineProbe(probeFor(hardware), {r1Home: home});
        assert.deepEqual(await loadEngineProbe(hardware, {r1Home: home}), probeFor(hardware));
        assert.equal(await loadEngineProbe({...hardware, ram: {...hardware.ram, totalBytes: 64 * 2 ** 30}}, {r1Home: home}), undefined, "another machine");
        assert.equal(await loadEngineProbe(hardwareProfile("cpu-8gb"), {r1Home: home}), undefined, "a what-if profile is never probed");
        const broken = {...probeFor(hardware), backends: {cpu: {...cpuProbe, types: {Q4_K: {decodeBytesPerSecond: -1, promptFlopsPerSecond: 1}}}}};
        await writeFile(path.join(home, ENGINE_PROBE_FILE), JSON.stringify(broken));
        assert.equal(await loadEngineProbe(hardware, {r1Home: home}), undefined);
        for (const promptWidthFactors of [[{hiddenSize: 1536, factor: 0}], [{hiddenSize: "1536", factor: 0.7}], {hiddenSize: 1536, factor: 0.7}]) {
            await writeFile(path.join(home, ENGINE_PROBE_FILE), JSON.stringify({...probeFor(hardware), backends: {cpu: {...cpuProbe, promptWidthFactors}}}));
            assert.equal(await loadEngineProbe(hardware, {r1Home: home}), undefined, `width factors ${JSON.stringify(promptWidthFactors)}`);
        }
        await writeFile(path.join(home, ENGINE_PROBE_FILE), "{not json");
        assert.equal(await loadEngineProbe(hardware, {r1Home: home}), undefined);
    } finally {
        await rm(home, {recursive: true, force: true});
    }
});
