import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdir, mkdtemp, readdir, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {probeEngineIter} from "../../src/bench/probeEngine.js";
import {probeModelDir, probeModelPath, probeModelSpecs, probeModelWeights, writeProbeModel, type ProbeModelSpec} from "../../src/bench/probeModels.js";
import {requireVariant, type DenseArchitecture} from "../../src/catalog/index.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {readGguf} from "../../src/gguf/index.js";
import {detectHardware, type HardwareProfile} from "../../src/hardware/index.js";
import {SCANNED_BANDWIDTH_HEADROOM} from "../../src/bench/fitDecodeRate.js";
import {loadEngineProbe, planModel, saveEngineProbe, type EngineProbe} from "../../src/plan/index.js";

const base = requireVariant("deepseek-r1-distill-qwen-1.5b").architecture as DenseArchitecture;
const small = (changes: Partial<DenseArchitecture>): DenseArchitecture => ({...base, vocabSize: 512, maxContext: 2048, tiedEmbeddings: false, ...changes});

/** The probe's roles at a few MB each: fast on a busy 2-core machine, same code path as the real probe. */
const TINY_SPECS: ProbeModelSpec[] = [
    ...[GgmlType.Q8_0, GgmlType.Q4_K].flatMap((type) => [1, 3].map((layers): ProbeModelSpec => ({
        name: `t-rate-${GgmlType[type]}-${layers}`, role: "rate", type, architecture: small({layers, hiddenSize: 512, heads: 4, kvHeads: 1, headDim: 128, ffnSize: 1024})
    }))),
    {name: "t-overhead-1", role: "overhead", type: GgmlType.Q8_0, architecture: small({layers: 1, hiddenSize: 128, heads: 1, kvHeads: 1, headDim: 128, ffnSize: 256})},
    {name: "t-overhead-5", role: "overhead", type: GgmlType.Q8_0, architecture: small({layers: 5, hiddenSize: 128, heads: 1, kvHeads: 1, headDim: 128, ffnSize: 256})},
    {name: "t-width-Q8_0-2", role: "width", type: GgmlType.Q8_0, architecture: small({layers: 2, hiddenSize: 256, heads: 2, kvHeads: 1, headDim: 128, ffnSize: 512})},
    {name: "t-attention", role: "attention", type: GgmlType.Q8_0, architecture: small({layers: 2, hiddenSize: 256, heads: 2, kvHeads: 1, headDim: 128, ffnSize: 256})}
];

test("the real probe's models: per type two of the 7B's widths (~640 MiB and twice the layers), pure types, the first type at the 1.5B's widths, two overhead depths, a GQA attention model", () => {
    const specs = probeModelSpecs();
    const rates = specs.filter((s) => s.role === "rate");
    const types = ["Q4_K", "Q8_0", "Q6_K", "Q5_K", "Q3_K", "Q2_K"];
    assert.deepEqual(rates.map((s) => GgmlType[s.type]), types.flatMap((t) => [t, t]));
    for (const type of types) {
        const [fewer, more] = rates.filter((s) => GgmlType[s.type] === type);
        for (const spec of [fewer!, more!]) {
            assert.equal(spec.architecture.hiddenSize, 3584);
            assert.equal(spec.architecture.ffnSize, 18944);
        }
        assert.equal(more!.architecture.layers, 2 * fewer!.architecture.layers);
        // Both well past a 300 MiB L3, so both read DRAM as a real model does.
        const {bytes} = probeModelWeights(fewer!);
        assert.ok(bytes > 400 * 2 ** 20 && bytes < 1000 * 2 ** 20, `${fewer!.name}: ${bytes}`);
        assert.notEqual(fewer!.name, more!.name);
    }
    assert.deepEqual(specs.filter((s) => s.role === "overhead").map((s) => s.architecture.layers), [1, 17]);
    const attention = specs.find((s) => s.role === "attention")!;
    assert.deepEqual([attention.architecture.heads, attention.architecture.kvHeads, attention.architecture.headDim], [12, 2, 128]);
    const width = specs.find((s) => s.role === "width")!;
    assert.deepEqual([width.type, width.architecture.hiddenSize, width.architecture.ffnSize, width.architecture.heads], [GgmlType.Q4_K, 1536, 8960, 12]);
    const widthBytes = probeModelWeights(width).bytes;
    assert.ok(widthBytes > 400 * 2 ** 20 && widthBytes < 600 * 2 ** 20, `the width model is past a 300 MiB L3: ${widthBytes}`);
});

test("r1 hw --probe's engine probe on tiny synthetic models: every figure measured, models deleted after, old caches removed, saved and planned with", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "r1-probe-"));
    try {
        const detected = await detectHardware({r1Home: home, nvidia: false});
        // RAM read at 1 MB/s as if `r1 hw --probe` had measured it: every tiny model decodes faster
        // than that, so every rate must come out capped at it (with the scan's headroom).
        const hardware: HardwareProfile = {...detected, ram: {...detected.ram, bandwidthBytesPerSecond: 1e6, bandwidthSource: "probe"}};
        // What the probe of earlier versions cached for good, and a foreign file that must stay.
        const dir = probeModelDir(home);
        await mkdir(dir, {recursive: true});
        await writeFile(path.join(dir, "rate-Q4_K-5x3584.gguf"), "old");
        await writeFile(path.join(dir, "notes.txt"), "mine");
        const run = async () => {
            const events: string[] = [];
            const iterator = probeEngineIter({hardware, r1Home: home, specs: TINY_SPECS, attentionDepth: 256, budgetSeconds: 600});
            for (;;) {
                const step = await iterator.next();
                if (step.done === true) return {probe: step.value, events};
                events.push(step.value.type === "writing" ? `writing ${step.value.model}` : `${step.value.type} ${step.value.what}`);
            }
        };
        const first = await run();
        assert.equal(first.events.filter((e) => e.startsWith("writing")).length, TINY_SPECS.length);
        assert.deepEqual(await readdir(dir), ["notes.txt"], "the probe's models and the old cache are gone, other files stay");
        const cpu = first.probe.backends.cpu!;
        assert.ok(cpu !== undefined);
        assert.deepEqual(Object.keys(cpu.types).sort(), ["Q4_K", "Q8_0"]);
        for (const rates of Object.values(cpu.types)) {
            assert.ok(Number.isFinite(rates.decodeBytesPerSecond) && rates.decodeBytesPerSecond > 0);
            assert.ok(Number.isFinite(rates.promptFlopsPerSecond) && rates.promptFlopsPerSecond > 0);
            assert.ok(rates.decodeMethod === "slope" || rates.decodeMethod === "anchored" || rates.decodeMethod === "whole");
            assert.equal(rates.decodeBytesPerSecond, 1e6 * SCANNED_BANDWIDTH_HEADROOM, "capped at the memory's fastest plausible read");
            assert.ok(rates.uncappedDecodeBytesPerSecond! > rates.decodeBytesPerSecond);
        }
        assert.equal(cpu.maxReadBytesPerSecond, 1e6 * SCANNED_BANDWIDTH_HEADROOM);
        for (const x of [cpu.perTokenOverheadSeconds, cpu.perLayerOverheadSeconds, cpu.perBatchOverheadSeconds, cpu.attentionSecondsPerUnit])
            assert.ok(Number.isFinite(x) && x >= 0);
        assert.ok(cpu.mmapRateRatio === undefined || cpu.mmapRateRatio > 0);
        // Measured on the first type whose decode time exceeds the overheads: on a busy machine the
        // overhead estimate can swallow Q8_0's tiny decode, and the next type measures it instead.
        if (cpu.mmapRateRatio === undefined) assert.equal(cpu.mmapMeasuredOn, undefined);
        else assert.ok(Object.keys(cpu.types).includes(cpu.mmapMeasuredOn!), `mmap measured on a probed type, got ${cpu.mmapMeasuredOn}`);
        assert.ok(first.events.includes("measured mmap") === (cpu.mmapRateRatio !== undefined));
        assert.ok(first.events.includes("measured prompt width"));
        const [narrow, wide] = cpu.promptWidthFactors!;
        assert.deepEqual([narrow!.hiddenSize, wide!.hiddenSize, wide!.factor], [256, 512, 1], "the width model's and the rate models' widths");
        assert.ok(Number.isFinite(narrow!.factor) && narrow!.factor > 0);

        await saveEngineProbe(first.probe, {r1Home: home});
        const loaded = await loadEngineProbe(hardware, {r1Home: home});
        assert.deepEqual(loaded, first.probe);
        const plan = planModel({variant: requireVariant("deepseek-r1:1.5b"), quant: "Q4_K_M", hardware, probe: loaded as EngineProbe});
        assert.equal(plan.predicted.source, "probe");
        assert.ok(plan.predicted.generationTokensPerSecond > 0);
        // Probe models are of their type throughout; --mmap / --no-mmap reach node-llama-cpp and come
        // back in the loaded model's info.
        const file = probeModelPath(home, TINY_SPECS[0]!);
        await writeProbeModel(TINY_SPECS[0]!, file);
        const weight = (await readGguf(file)).tensors.find((t) => t.name === "blk.0.ffn_down.weight")!;
        assert.equal(weight.type, TINY_SPECS[0]!.type, "every 2-D weight is of the probed type");
        for (const mmap of [false, true]) {
            const model = await loadModel({path: file, contextSize: 64, threads: 1, mmap, mlock: false});
            try {
                assert.equal(model.info.mmap, mmap);
                assert.equal(model.info.mlock, false);
            } finally {
                await model.dispose();
            }
        }
    } finally {
        await rm(home, {recursive: true, force: true});
    }
});
