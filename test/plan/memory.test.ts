import {test} from "node:test";
import assert from "node:assert/strict";
import {allVariants, requireVariant, variantFileSize} from "../../src/catalog/index.js";
import {customHardware, hardwareProfile, hardwareProfileNames, type HardwareProfile} from "../../src/hardware/index.js";
import {kvBytesPerTokenPerLayer, kvCacheBytes, planModel, ramReservedBytes} from "../../src/plan/index.js";

const GiB = 2 ** 30;

test("GQA KV cache: only the KV heads are cached (hand-computed)", () => {
    const a = requireVariant("deepseek-r1-distill-qwen-14b").architecture;
    // 48 layers × 8 KV heads × 128 dims × (K + V) × 2 bytes × 8192 tokens
    assert.equal(kvCacheBytes(a, 8192), 48 * 8 * 128 * 2 * 2 * 8192);
    assert.equal(kvCacheBytes(a, 8192), 1_610_612_736);
    // q8_0: 34 bytes per 32 values
    assert.equal(kvCacheBytes(a, 8192, 1, {typeK: "q8_0"}), 48 * 8 * 128 * 2 * (34 / 32) * 8192);
    // 7B: 4 KV heads of 28 query heads
    const a7 = requireVariant("deepseek-r1-distill-qwen-7b").architecture;
    assert.equal(kvBytesPerTokenPerLayer(a7), 4 * 128 * 2 * 2);
    // parallel sequences multiply the cache
    assert.equal(kvCacheBytes(a, 4096, 2), kvCacheBytes(a, 8192));
});

test("MLA KV cache: one 576-wide latent per token per layer, not 128 heads", () => {
    const a = requireVariant("deepseek-r1").architecture;
    assert.equal(kvBytesPerTokenPerLayer(a), 576 * 2);
    assert.equal(kvCacheBytes(a, 8192), 61 * 576 * 2 * 8192);
    assert.equal(kvCacheBytes(a, 8192), 575_668_224);
    // Without flash attention llama.cpp keeps a separate 512-wide V.
    assert.equal(kvBytesPerTokenPerLayer(a, {flashAttention: false}), (576 + 512) * 2);
    // q4_0 latent: 18 bytes per 32 values
    assert.equal(kvBytesPerTokenPerLayer(a, {typeK: "q4_0"}), 576 * 18 / 32);
    // Full multi-head attention would cache 128 × (192 + 128) values per token per layer: ~70× more.
    assert.ok(128 * (192 + 128) * 2 / kvBytesPerTokenPerLayer(a) > 60);
});

test("MoE generation reads only the active experts (8 of 256) plus everything dense", () => {
    const v = requireVariant("deepseek-r1");
    const plan = planModel({variant: v, quant: "UD-IQ1_S", hardware: hardwareProfile("2x-h100-80gb")});
    assert.equal(plan.placement, "gpu");
    // By hand from the per-tensor sizes: token_embd is looked up (one row), never streamed.
    let expected = 0;
    for (const t of variantFileSize(v, "UD-IQ1_S").tensors) {
        if (t.name === "token_embd.weight") continue;
        expected += t.name.includes("_exps.") ? t.targetBytes * 8 / 256 : t.targetBytes;
    }
    assert.ok(Math.abs(plan.predicted.bytesPerToken / expected - 1) < 1e-9, `${plan.predicted.bytesPerToken} vs ${expected}`);
    // Active bytes are a small share of the file (37B of 671B parameters are active).
    assert.ok(plan.predicted.bytesPerToken < 0.15 * plan.memory.fileBytes);
});

test("partial offload: the last k layers go to the GPU, k is the most that fits", () => {
    const v = requireVariant("deepseek-r1-distill-llama-70b");
    const plan = planModel({variant: v, quant: "Q4_K_M", hardware: hardwareProfile("rtx-4090")});
    assert.equal(plan.placement, "partial");
    const gpu = plan.devices.find((d) => d.kind === "gpu")!;
    const ram = plan.devices.find((d) => d.kind === "ram")!;
    const k = plan.gpuLayers;
    assert.equal(gpu.layers, k);
    assert.ok(k > 0 && k < 80);
    assert.ok(gpu.totalBytes <= gpu.capacityBytes);
    const layerBytes = (i: number) => variantFileSize(v, "Q4_K_M").tensors.filter((t) => t.name.startsWith(`blk.${i}.`))
        .reduce((s, t) => s + t.targetBytes, 0);
    let onGpu = 0;
    for (let i = 80 - k; i < 80; i++) onGpu += layerBytes(i);
    assert.equal(gpu.weightsBytes, onGpu);
    // One more layer (with its KV cache) would not fit.
    const kvPerLayer = gpu.kvCacheBytes / k;
    assert.ok(gpu.totalBytes + layerBytes(80 - k - 1) + kvPerLayer > gpu.capacityBytes);
    // Everything else (token embeddings, output, the first 80 − k layers) is in RAM.
    const weights = variantFileSize(v, "Q4_K_M").tensors.reduce((s, t) => s + t.targetBytes, 0);
    assert.equal(gpu.weightsBytes + ram.weightsBytes, weights);
    assert.equal(ram.layers, 80 - k);
});

test("MoE on a 24 GB GPU with lots of RAM: attention on the GPU, experts in RAM", () => {
    const hardware = customHardware(hardwareProfile("rtx-4090"), {ramGB: 512});
    const plan = planModel({variant: requireVariant("deepseek-r1"), quant: "UD-Q2_K_XL", hardware, expertOffload: true});
    assert.equal(plan.placement, "partial");
    assert.ok(plan.cpuMoeLayers > 0 && plan.cpuMoeLayers <= 61);
    assert.equal(plan.gpuLayers, 62);
    const gpu = plan.devices.find((d) => d.kind === "gpu")!;
    assert.ok(gpu.totalBytes <= gpu.capacityBytes);
    // node-llama-cpp cannot keep experts in RAM, so by default the planner offloads whole layers instead.
    const plain = planModel({variant: requireVariant("deepseek-r1"), quant: "UD-Q2_K_XL", hardware});
    assert.equal(plain.cpuMoeLayers, 0);
    assert.ok(plain.gpuLayers < 62);
    assert.ok(plan.predicted.generationTokensPerSecond > plain.predicted.generationTokensPerSecond);
});

test("several GPUs: a model too big for one is split over two", () => {
    const hardware = hardwareProfile("2x-h100-80gb");
    const plan = planModel({variant: requireVariant("deepseek-r1"), quant: "UD-IQ1_S", hardware});
    assert.ok(plan.memory.fileBytes > hardware.gpus[0]!.vramBytes);
    assert.equal(plan.placement, "gpu");
    const gpus = plan.devices.filter((d) => d.kind === "gpu");
    assert.equal(gpus.length, 2);
    assert.equal(gpus[0]!.layers + gpus[1]!.layers, 61);
    for (const g of gpus) assert.ok(g.totalBytes <= g.capacityBytes);
});

test("unified memory is not counted twice (M3 Ultra 192 GB cannot hold a 404 GB model)", () => {
    const plan = planModel({variant: requireVariant("deepseek-r1"), quant: "Q4_K_M", hardware: hardwareProfile("m3-ultra-192gb")});
    assert.ok(plan.placement === "disk" || plan.placement === "none", plan.placement);
    const fits = planModel({variant: requireVariant("deepseek-r1:14b"), quant: "Q8_0", hardware: hardwareProfile("m3-ultra-192gb")});
    assert.equal(fits.placement, "gpu");
});

test("nothing is ever predicted above the bandwidth roofline", () => {
    const silly = {version: 1 as const, machine: "x", backends: {cuda: {bandwidthEfficiency: 5, measuredAt: "", source: "bogus"},
        metal: {bandwidthEfficiency: 3, measuredAt: "", source: "bogus"}, cpu: {bandwidthEfficiency: 9, measuredAt: "", source: "bogus"}}};
    for (const name of hardwareProfileNames()) {
        const hardware = hardwareProfile(name);
        for (const variant of allVariants()) {
            for (const quant of [variant.quants[0]!, "Q4_K_M", variant.quants.at(-1)!]) {
                for (const calibration of [undefined, silly]) {
                    const plan = planModel({variant, quant, hardware, ...(calibration === undefined ? {} : {calibration})});
                    const p = plan.predicted;
                    assert.ok(p.generationTokensPerSecond <= p.rooflineTokensPerSecond * (1 + 1e-9), `${name} ${variant.id} ${quant}`);
                    // Roofline itself: bytes per token at the fastest device's peak bandwidth is an upper bound.
                    const fastest = Math.max(...plan.devices.map((d) => d.peakBytesPerSecond), 1);
                    if (p.bytesPerToken > 0) assert.ok(p.generationTokensPerSecond <= fastest / p.bytesPerToken * (1 + 1e-9));
                }
            }
        }
    }
});

test("more GPU memory never makes the same model slower", () => {
    const base = hardwareProfile("rtx-3090");
    for (const id of ["deepseek-r1:32b", "deepseek-r1:70b"]) {
        let previous = 0;
        for (const vramGB of [12, 24, 48, 96]) {
            const plan = planModel({variant: requireVariant(id), quant: "Q4_K_M", hardware: customHardware(base, {vramGB: vramGB * GiB / 1e9})});
            assert.ok(plan.predicted.generationTokensPerSecond >= previous * 0.999, `${id} at ${vramGB} GB`);
            previous = plan.predicted.generationTokensPerSecond;
        }
    }
});

test("context defaults to 8192, is capped at the model's maximum, and grows the KV cache", () => {
    const v = requireVariant("deepseek-r1:7b");
    const hardware: HardwareProfile = hardwareProfile("rtx-4090");
    assert.equal(planModel({variant: v, hardware}).contextSize, 8192);
    assert.equal(planModel({variant: v, hardware, contextSize: 10_000_000}).contextSize, 131072);
    const small = planModel({variant: v, hardware, contextSize: 4096});
    const big = planModel({variant: v, hardware, contextSize: 32768});
    assert.equal(big.memory.kvCacheBytes, 8 * small.memory.kvCacheBytes);
});

test("fit and speed are apart: streaming from disk fits but is too slow; a KV cache bigger than RAM does not fit", () => {
    const streamed = planModel({variant: requireVariant("deepseek-r1"), quant: "Q8_0", hardware: hardwareProfile("cpu-8gb")});
    assert.equal(streamed.fits, true);
    assert.equal(streamed.placement, "disk");
    assert.equal(streamed.verdict, "too-slow");
    assert.ok(streamed.predicted.generationTokensPerSecond > 0 && streamed.predicted.generationTokensPerSecond < 0.1);
    assert.equal(streamed.loading.mmap, true, "only mmap can stream weights beyond RAM");
    const huge = planModel({variant: requireVariant("deepseek-r1"), quant: "Q8_0", hardware: hardwareProfile("cpu-8gb"), contextSize: 131072});
    assert.equal(huge.fits, false);
    assert.equal(huge.verdict, "does-not-fit");
    assert.equal(huge.placement, "none");
    assert.equal(huge.predicted.generationTokensPerSecond, 0);
});

test("RAM reserve: 15% on small machines, a few GiB plus 1% on big servers (not 57 GB of 384)", () => {
    assert.equal(ramReservedBytes(8 * GiB), 2 * GiB);
    assert.equal(ramReservedBytes(24 * GiB), 0.15 * 24 * GiB);
    assert.equal(ramReservedBytes(64 * GiB), 6 * GiB + 0.01 * 64 * GiB);
    const server = ramReservedBytes(384e9);
    assert.ok(server > 8e9 && server < 12e9, `${server}`);
    // Monotonic: more RAM never leaves less for the model.
    let last = -Infinity;
    for (let gib = 1; gib <= 2048; gib *= 1.25) {
        const usable = gib * GiB - ramReservedBytes(gib * GiB);
        assert.ok(usable >= last, `${gib} GiB`);
        last = usable;
    }
});

test("the 671B's IQ4_XS (bartowski) is in the catalog and runs from RAM on a 384 GB server", () => {
    const v = requireVariant("deepseek-r1");
    assert.ok(v.quants.includes("IQ4_XS"));
    const size = variantFileSize(v, "IQ4_XS").totalBytes;
    assert.ok(size > 340e9 && size < 380e9, `${size}`);
    const plan = planModel({variant: v, quant: "IQ4_XS", hardware: hardwareProfile("epyc-2s-384gb-ddr5")});
    assert.equal(plan.placement, "cpu");
    // The May 2025 update's repo has no IQ4_XS: not offered there.
    assert.ok(!requireVariant("deepseek-r1-0528").quants.includes("IQ4_XS"));
});
