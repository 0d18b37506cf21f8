import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {repoRoot} from "../helpers/shared.js";

// Needs a build (`npx tsc -p tsconfig.json`); R1_HOME points at an empty folder so no cached
// probe or calibration from the developer's machine changes the output.
const home = mkdtempSync(path.join(os.tmpdir(), "r1-plan-cli-"));
process.on("exit", () => rmSync(home, {recursive: true, force: true}));

function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {
        encoding: "utf8", env: {...process.env, R1_HOME: home, NO_COLOR: "1"}
    });
}

test("r1 plan --json has the documented shape", () => {
    const result = r1("plan", "--json", "--hardware", "rtx-4090");
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {hardware: {name: string}, candidates: {placement: string, verdict: string}[], recommendation: object};
    assert.equal(json.hardware.name, "rtx-4090");
    assert.ok(json.candidates.length > 0);
    assert.ok(json.candidates.some((c) => c.placement === "gpu" && c.verdict === "usable"));
    assert.ok("summary" in json.recommendation);
});

test("r1 plan on an M3 Ultra prints the table and a recommendation; a single model prints its breakdown", () => {
    const table = r1("plan", "--hardware", "m3-ultra-512gb");
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /R1-Distill-Qwen-14B/);
    assert.match(table.stdout, /Recommendation:/);
    const one = r1("plan", "deepseek-r1:671b", "--hardware", "m3-ultra-512gb", "--ctx", "16384");
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /Generation: .* tok\/s \(roofline/);
    assert.match(one.stdout, /16,384 tokens/);
});

test("unknown model, quant or profile: one line listing the valid names, exit code 2", () => {
    for (const [args, needle] of [
        [["plan", "--hardware", "rtx-9090"], "rtx-4090"],
        [["plan", "deepseek-r9"], "deepseek-r1-distill-qwen-14b"],
        [["plan", "deepseek-r1:14b", "--quant", "Q9"], "Q4_K_M"]
    ] as const) {
        const result = r1(...args);
        assert.equal(result.status, 2, `${args.join(" ")}: ${result.stderr}`);
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        assert.ok(result.stderr.includes(needle), result.stderr);
    }
});

test("custom hardware flags and r1 hw --json", () => {
    const result = r1("plan", "deepseek-r1:7b", "--json", "--hardware", "cpu-8gb", "--vram", "24", "--ram", "64", "--gpu-bandwidth", "1008", "--ram-bandwidth", "80");
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {hardware: {gpus: {vramBytes: number, bandwidthBytesPerSecond: number}[], ram: {totalBytes: number}},
        candidates: {placement: string}[]};
    assert.equal(json.hardware.gpus[0]!.vramBytes, 24e9);
    assert.equal(json.hardware.gpus[0]!.bandwidthBytesPerSecond, 1008e9);
    assert.equal(json.hardware.ram.totalBytes, 64e9);
    assert.equal(json.candidates[0]!.placement, "gpu");
    const hw = r1("hw", "--json", "--hardware", "h200");
    assert.equal(hw.status, 0, hw.stderr);
    assert.equal((JSON.parse(hw.stdout) as {gpus: {name: string}[]}).gpus[0]!.name, "NVIDIA H200");
});

test("r1 plan before and after a probe: unprobed says so and offers --probe; probed speeds name their source; depth, time to an answer, loading", async () => {
    const {detectHardware} = await import("../../src/hardware/index.js");
    const {machineFingerprint, saveEngineProbe} = await import("../../src/plan/index.js");
    const own = mkdtempSync(path.join(os.tmpdir(), "r1-plan-probe-"));
    try {
        const run = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {
            encoding: "utf8", env: {...process.env, R1_HOME: own, NO_COLOR: "1"}
        });
        const before = run("plan", "deepseek-r1:1.5b");
        assert.equal(before.status, 0, before.stderr);
        assert.match(before.stdout, /unprobed: .*`r1 plan --probe`/);
        assert.match(before.stdout, /To answer: .* 12,000 tokens, thinking \+ answer \(its teacher R1's AIME average/);
        assert.match(before.stdout, /Loading: +memory-mapped \(llama\.cpp's default\); unmeasured/);
        const family = run("plan");
        assert.match(family.stdout, /Unprobed: speeds from default efficiency factors\. `r1 plan --probe`/);
        assert.match(family.stdout, /to answer/);

        // A probe as `r1 hw --probe` saves it, for this machine (the probe itself is tested in test/bench).
        const hardware = await detectHardware({r1Home: own});
        await saveEngineProbe({
            version: 1, machine: machineFingerprint(hardware), measuredAt: "2026-12-06T07:00:00.000Z", engine: "node-llama-cpp 3.21.1", seconds: 42,
            backends: {cpu: {threads: 2, types: {Q4_K: {decodeBytesPerSecond: 20e9, promptFlopsPerSecond: 200e9}}, perTokenOverheadSeconds: 1e-3,
                perLayerOverheadSeconds: 2e-5, perBatchOverheadSeconds: 5e-3, attentionSecondsPerUnit: 1e-12, mmapRateRatio: 0.5, mmapMeasuredOn: "Q4_K"}}
        }, {r1Home: own});
        const after = run("plan", "deepseek-r1:1.5b", "--depth", "4096", "--json");
        assert.equal(after.status, 0, after.stderr);
        const json = JSON.parse(after.stdout) as {candidates: {predicted: {source: string, depth: number}, loading: {mmap: boolean}, timeToAnswer: {reasoningTokens: number}, fits: boolean}[]};
        const [candidate] = json.candidates;
        assert.equal(candidate!.predicted.source, "probe");
        assert.equal(candidate!.predicted.depth, 4096);
        assert.equal(candidate!.loading.mmap, false, "the probe measured mmap at half speed");
        assert.equal(candidate!.timeToAnswer.reasoningTokens, 12_000);
        const text = run("plan", "deepseek-r1:1.5b", "--no-mmap");
        assert.match(text.stdout, /Speeds from the engine probe of 2026-12-06 07:00 UTC/);
        assert.match(text.stdout, /Loading: +read into memory as asked/);
        const bad = run("plan", "--depth", "-3");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /--depth must be a whole number/);
    } finally {
        rmSync(own, {recursive: true, force: true});
    }
});
