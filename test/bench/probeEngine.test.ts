import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {probeEngineIter} from "../../src/bench/probeEngine.js";
import {probeModelPath, probeModelSpecs, probeModelWeights, type ProbeModelSpec} from "../../src/bench/probeModels.js";
import {requireVariant, type DenseArchitecture} from "../../src/catalog/index.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {readGguf} from "../../src/gguf/index.js";
import {detectHardware} from "../../src/hardware/index.js";
import {loadEngineProbe, planModel, saveEngineProbe, type EngineProbe} from "../../src/plan/index.js";

const base = requireVariant("deepseek-r1-distill-qwen-1.5b").architecture as DenseArchitecture;
const small = (changes: Partial<DenseArchitecture>): DenseArchitecture => ({...base, vocabSize: 512, maxContext: 2048, tiedEmbeddings: false, ...changes});

/** The probe's roles at a few MB each: fast on a busy 2-core machine, same code path as the real probe. */
const TINY_SPECS: ProbeModelSpec[] = [
    {name: "t-rate-Q8_0", role: "rate", type: GgmlType.Q8_0, architecture: small({layers: 2, hiddenSize: 512, heads: 4, kvHeads: 1, headDim: 128, ffnSize: 1024})},
    {name: "t-rate-Q4_K", role: "rate", type: GgmlType.Q4_K, architecture: small({layers: 2, hiddenSize: 512, heads: 4, kvHeads: 1, headDim: 128, ffnSize: 1024})},
    {name: "t-overhead-1", role: "overhead", type: GgmlType.Q8_0, architecture: small({layers: 1, hiddenSize: 128, heads: 1, kvHeads: 1, headDim: 128, ffnSize: 256})},
    {name: "t-overhead-5", role: "overhead", type: GgmlType.Q8_0, architecture: small({layers: 5, hiddenSize: 128, heads: 1, kvHeads: 1, headDim: 128, ffnSize: 256})},
    {name: "t-attention", role: "attention", type: GgmlType.Q8_0, architecture: small({layers: 2, hiddenSize: 256, heads: 2, kvHeads: 1, headDim: 128, ffnSize: 256})}
];

test("the real probe's models: per type ~640 MiB of the 7B's widths, pure types, two overhead depths, a GQA attention model", () => {
    const specs = probeModelSpecs();
    const rates = specs.filter((s) => s.role === "rate");
    assert.deepEqual(rates.map((s) => GgmlType[s.type]), ["Q4_K", "Q8_0", "Q6_K", "Q5_K", "Q3_K", "Q2_K"]);
    for (const spec of rates) {
        assert.equal(spec.architecture.hiddenSize, 3584);
        assert.equal(spec.architecture.ffnSize, 18944);
        const {bytes} = probeModelWeights(spec);
        assert.ok(bytes > 400 * 2 ** 20 && bytes < 1000 * 2 ** 20, `${spec.name}: ${bytes}`);
    }
    assert.deepEqual(specs.filter((s) => s.role === "overhead").map((s) => s.architecture.layers), [1, 17]);
    const attention = specs.find((s) => s.role === "attention")!.architecture;
    assert.deepEqual([attention.heads, attention.kvHeads, attention.headDim], [12, 2, 128]);
});

test("r1 hw --probe's engine probe on tiny synthetic models: every figure measured, cached files reused, saved and planned with", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "r1-probe-"));
    try {
        const hardware = await detectHardware({r1Home: home, nvidia: false});
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
        for (const spec of TINY_SPECS) {
            const file = await readGguf(probeModelPath(home, spec));
            const weight = file.tensors.find((t) => t.name === "blk.0.ffn_down.weight")!;
            assert.equal(weight.type, spec.type, "every 2-D weight is of the probed type");
        }
        const cpu = first.probe.backends.cpu!;
        assert.ok(cpu !== undefined);
        assert.deepEqual(Object.keys(cpu.types).sort(), ["Q4_K", "Q8_0"]);
        for (const rates of Object.values(cpu.types)) {
            assert.ok(Number.isFinite(rates.decodeBytesPerSecond) && rates.decodeBytesPerSecond > 0);
            assert.ok(Number.isFinite(rates.promptFlopsPerSecond) && rates.promptFlopsPerSecond > 0);
        }
        for (const x of [cpu.perTokenOverheadSeconds, cpu.perLayerOverheadSeconds, cpu.perBatchOverheadSeconds, cpu.attentionSecondsPerUnit])
            assert.ok(Number.isFinite(x) && x >= 0);
        assert.ok(cpu.mmapRateRatio === undefined || cpu.mmapRateRatio > 0);
        // Measured on the first type whose decode time exceeds the overheads: on a busy machine the
        // overhead estimate can swallow Q8_0's tiny decode, and the next type measures it instead.
        if (cpu.mmapRateRatio === undefined) assert.equal(cpu.mmapMeasuredOn, undefined);
        else assert.ok(Object.keys(cpu.types).includes(cpu.mmapMeasuredOn!), `mmap measured on a probed type, got ${cpu.mmapMeasuredOn}`);
        assert.ok(first.events.includes("measured mmap") === (cpu.mmapRateRatio !== undefined));

        // Again: the first event is a measurement, not a write (stopped there: no need to measure twice).
        const again = probeEngineIter({hardware, r1Home: home, specs: TINY_SPECS, attentionDepth: 256});
        const firstEvent = await again.next();
        await again.return(undefined as never);
        assert.equal(firstEvent.done !== true && firstEvent.value.type, "measured", "cached probe models are not written again");

        await saveEngineProbe(first.probe, {r1Home: home});
        const loaded = await loadEngineProbe(hardware, {r1Home: home});
        assert.deepEqual(loaded, first.probe);
        const plan = planModel({variant: requireVariant("deepseek-r1:1.5b"), quant: "Q4_K_M", hardware, probe: loaded as EngineProbe});
        assert.equal(plan.predicted.source, "probe");
        assert.ok(plan.predicted.generationTokensPerSecond > 0);
        assert.ok(existsSync(path.join(home, "cache", "probe", "t-rate-Q8_0.gguf")));
        // --mmap / --no-mmap reach node-llama-cpp and come back in the loaded model's info.
        for (const mmap of [false, true]) {
            const model = await loadModel({path: probeModelPath(home, TINY_SPECS[2]!), contextSize: 64, threads: 1, mmap, mlock: false});
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
