import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
    customHardware, detectHardware, findKnownGpu, hardwareProfile, hardwareProfileNames, HARDWARE_PROBE_FILE, loadHardwareProbe,
    hardwareLines, HardwareProbeTimeoutError, parseCacheSize, parseNvidiaSmi, passRates, probeHardware, UnknownHardwareProfileError
} from "../../src/hardware/index.js";

const GB = 1e9;

test("the issue's what-if profiles all exist and are plausible", () => {
    const required = ["rtx-3060-12gb", "rtx-3090", "rtx-4090", "rtx-5090", "m4-max-48gb", "m3-ultra-192gb", "m3-ultra-512gb",
        "2x-h100-80gb", "h200", "epyc-2s-384gb-ddr5", "cpu-8gb"];
    for (const name of required) {
        assert.ok(hardwareProfileNames().includes(name), name);
        const h = hardwareProfile(name);
        assert.ok(h.ram.totalBytes > 0 && h.ram.bandwidthBytesPerSecond > 0, name);
        for (const g of h.gpus) assert.ok(g.vramBytes > 0 && g.bandwidthBytesPerSecond > g.vramBytes / 1000, name);
    }
    assert.equal(hardwareProfile("2x-h100-80gb").gpus.length, 2);
    assert.equal(hardwareProfile("rtx-4090").gpus[0]!.bandwidthBytesPerSecond, 1008 * GB);
    assert.equal(hardwareProfile("cpu-8gb").gpus.length, 0);
    // Apple: the GPU gets macOS's default share of unified memory, flagged as unified.
    const mac = hardwareProfile("m3-ultra-512gb");
    assert.equal(mac.gpus[0]!.unifiedMemory, true);
    assert.ok(mac.gpus[0]!.vramBytes < mac.ram.totalBytes);
});

test("an unknown profile is one line listing the valid names", () => {
    assert.throws(() => hardwareProfile("rtx-9090"), (e: unknown) => e instanceof UnknownHardwareProfileError &&
        e.message.includes("rtx-4090") && e.message.includes("cpu-8gb") && !e.message.includes("\n") && e.exitCode === 2);
});

test("custom flags override the base machine", () => {
    const h = customHardware(hardwareProfile("cpu-8gb"), {vramGB: 24, ramGB: 64, gpuBandwidthGBps: 1008, ramBandwidthGBps: 80});
    assert.equal(h.source, "custom");
    assert.equal(h.gpus.length, 1);
    assert.equal(h.gpus[0]!.vramBytes, 24 * GB);
    assert.equal(h.gpus[0]!.bandwidthBytesPerSecond, 1008 * GB);
    assert.equal(h.ram.totalBytes, 64 * GB);
    assert.equal(h.ram.bandwidthBytesPerSecond, 80 * GB);
    assert.equal(customHardware(hardwareProfile("rtx-4090"), {vramGB: 0}).gpus.length, 0);
    assert.equal(customHardware(hardwareProfile("rtx-4090"), {gpuCount: 3}).gpus.length, 3);
});

test("nvidia-smi output: several GPUs, known parts get their bandwidth, unknown ones a note", () => {
    const notes: string[] = [];
    const gpus = parseNvidiaSmi("NVIDIA GeForce RTX 4090, 24564, 23000\nNVIDIA H100 80GB HBM3, 81559, 81000\nNVIDIA Mystery 9, 8192, 8000\ngarbage\n", notes);
    assert.equal(gpus.length, 3);
    assert.equal(gpus[0]!.bandwidthBytesPerSecond, 1008 * GB);
    assert.equal(gpus[0]!.vramBytes, 24564 * 2 ** 20);
    assert.equal(gpus[1]!.bandwidthBytesPerSecond, 3350 * GB);
    assert.equal(gpus[2]!.bandwidthSource, "assumed");
    assert.equal(notes.length, 1);
    assert.equal(findKnownGpu("NVIDIA H100 PCIe")?.bandwidthBytesPerSecond, 2000 * GB);
    assert.equal(findKnownGpu("NVIDIA A100-SXM4-80GB")?.name, "NVIDIA A100 80GB");
});

test("detectHardware describes this machine without a GPU runtime", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-hw-"));
    try {
        const h = await detectHardware({nvidia: false, r1Home: dir});
        assert.equal(h.source, "detected");
        assert.equal(h.cpu.logicalCores, os.cpus().length);
        assert.ok(h.cpu.physicalCores >= 1 && h.cpu.physicalCores <= h.cpu.logicalCores);
        assert.equal(h.ram.totalBytes, os.totalmem());
        assert.ok(h.ram.freeBytes > 0 && h.ram.freeBytes <= h.ram.totalBytes);
        if (os.arch() === "x64" && os.platform() === "linux") assert.ok(h.cpu.isa.length > 0);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("probe measures, caches under R1_HOME, and detectHardware uses the cache; bad caches are ignored", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-probe-"));
    try {
        const probe = await probeHardware({threads: 1, passes: 2, budgetMs: 0, r1Home: dir});
        assert.ok(probe.readBytesPerSecond > 0 && probe.matmulFlopsPerSecond > 0);
        assert.ok(probe.readPasses! >= 2 && probe.readBytesPerSecondMedian! <= probe.readBytesPerSecond);
        const cpuModel = probe.cpuModel, totalBytes = probe.totalBytes;
        assert.deepEqual(await loadHardwareProbe({r1Home: dir, cpuModel, totalBytes}), probe);
        const h = await detectHardware({nvidia: false, r1Home: dir});
        assert.equal(h.ram.bandwidthSource, "probe");
        assert.equal(h.ram.bandwidthBytesPerSecond, probe.readBytesPerSecond);
        // The scalar-JS matmul is far below the ISA estimate: the CPU figure stays the estimate and says so.
        assert.equal(h.cpu.flopsSource, "assumed");
        assert.match(hardwareLines(h).join("\n"), /GFLOPS \(estimated from ISA, cores and clock\)/);
        assert.ok(h.notes.some((n) => n.includes("scalar JavaScript matmul") && n.includes("best of")));
        assert.equal(await loadHardwareProbe({r1Home: dir, cpuModel: "other", totalBytes}), undefined);
        await writeFile(path.join(dir, HARDWARE_PROBE_FILE), JSON.stringify({...probe, readBytesPerSecond: -1}));
        assert.equal(await loadHardwareProbe({r1Home: dir, cpuModel, totalBytes}), undefined);
        await writeFile(path.join(dir, HARDWARE_PROBE_FILE), "x".repeat(100_000));
        assert.equal(await loadHardwareProbe({r1Home: dir, cpuModel, totalBytes}), undefined);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("probe with more threads than cores and tiny passes never hangs at a barrier (20 runs)", async () => {
    // The old barrier reset the next barrier's counter after leaving one: with threads > cores and
    // passes of a few microseconds a late thread erased a fast thread's arrival, and the probe hung.
    for (let run = 0; run < 20; run++) {
        const probe = await probeHardware({threads: 4, passes: 200, budgetMs: 0, bytesPerThread: 64 * 1024, matmulMs: 5, timeoutMs: 30_000, r1Home: null});
        assert.equal(probe.threads, 4);
        assert.equal(probe.readPasses, 200, `run ${run}`);
        assert.ok(probe.readBytesPerSecond > 0);
    }
});

test("a probe that cannot finish in time stops its threads with a one-line timeout error", async () => {
    await assert.rejects(probeHardware({threads: 2, passes: 2000, budgetMs: 0, bytesPerThread: 256 * 2 ** 20, timeoutMs: 200, r1Home: null}),
        (e: unknown) => e instanceof HardwareProbeTimeoutError && e.timeoutMs === 200 && !e.message.includes("\n"));
});

test("pass rates: all threads' bytes over the span from the first start to the last end", () => {
    const MB = 1e6;
    // Two threads, 1 MB each: pass 0 spans 0–2 ms (1 GB/s), pass 1 spans 10–11 ms (2 GB/s).
    assert.deepEqual(passRates([[[0, 1], [10, 11]], [[1, 2], [10, 10.5]]], MB), [1e9, 2e9]);
    // Uneven pass counts (never happens, but must not read past an array): the common passes only.
    assert.equal(passRates([[[0, 1]], [[0, 1], [2, 3]]], MB).length, 1);
});

test("sysfs cache sizes parse to bytes (the probe scans 4x the last-level cache)", () => {
    assert.equal(parseCacheSize("307200K\n"), 307200 * 1024);
    assert.equal(parseCacheSize("32M"), 32 * 2 ** 20);
    assert.equal(parseCacheSize("512"), 512);
    assert.equal(parseCacheSize("garbage"), 0);
});
