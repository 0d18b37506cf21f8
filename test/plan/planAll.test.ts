import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {requireVariant} from "../../src/catalog/index.js";
import {hardwareProfile} from "../../src/hardware/index.js";
import {
    calibrateFromMeasurement, CALIBRATION_FILE, loadCalibration, planAll, planModel, saveCalibration, serializePlanReport, subjectVariant, verdictFor
} from "../../src/plan/index.js";

test("verdict thresholds: usable ≥ 30, slow 10–30, technically runs below, too slow under 0.1; fit apart", () => {
    assert.equal(verdictFor(30, true), "usable");
    assert.equal(verdictFor(29.9, true), "slow");
    assert.equal(verdictFor(10, true), "slow");
    assert.equal(verdictFor(9.9, true), "technically-runs");
    assert.equal(verdictFor(0.1, true), "technically-runs");
    assert.equal(verdictFor(0.05, true), "too-slow");
    assert.equal(verdictFor(100, false), "does-not-fit");
});

test("planAll on an RTX 4090 recommends a usable model and serializes to the documented shape", () => {
    const hardware = hardwareProfile("rtx-4090");
    const result = planAll({hardware});
    assert.ok(result.candidates.length >= 30);
    const best = result.recommendation.bestUsable;
    assert.ok(best !== undefined);
    assert.equal(best.verdict, "usable");
    const json = JSON.parse(JSON.stringify(serializePlanReport(hardware, result.candidates, result.recommendation))) as {
        hardware: object, candidates: Record<string, unknown>[], recommendation: object
    };
    assert.ok(typeof json.hardware === "object" && typeof json.recommendation === "object");
    for (const c of json.candidates) {
        for (const key of ["model", "quant", "placement", "gpuLayers", "memory", "predicted", "verdict"]) assert.ok(key in c, key);
        assert.ok(["gpu", "partial", "cpu", "disk", "none"].includes(c.placement as string));
        assert.ok(["usable", "slow", "technically-runs", "too-slow", "does-not-fit"].includes(c.verdict as string));
        const memory = c.memory as Record<string, number>;
        for (const key of ["weightsBytes", "kvCacheBytes", "computeBytes", "totalBytes"]) assert.equal(typeof memory[key], "number");
        const predicted = c.predicted as Record<string, number>;
        for (const key of ["generationTokensPerSecond", "promptTokensPerSecond"]) assert.equal(typeof predicted[key], "number");
    }
});

test("a bigger, faster machine never gets a worse recommendation than a small laptop", () => {
    const small = planAll({hardware: hardwareProfile("cpu-8gb")}).recommendation;
    const big = planAll({hardware: hardwareProfile("h200")}).recommendation;
    assert.ok(big.bestUsable !== undefined);
    const score = (r: typeof small) => (r.bestUsable === undefined ? undefined : subjectVariant(r.bestUsable.subject))?.scores.aime2024 ?? 0;
    assert.ok(score(big) >= score(small));
});

test("calibration: a measurement becomes efficiency factors, saved and loaded for this machine only", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-cal-"));
    try {
        const hardware = {...hardwareProfile("rtx-4090"), source: "detected" as const};
        const plan = planModel({variant: requireVariant("deepseek-r1:7b"), quant: "Q4_K_M", hardware});
        assert.equal(plan.placement, "gpu");
        // A measurement at half the predicted speed lowers the efficiency, and the new plan follows it.
        const measured = plan.predicted.generationTokensPerSecond / 2;
        const entries = calibrateFromMeasurement({plan, generationTokensPerSecond: measured, promptTokensPerSecond: plan.predicted.promptTokensPerSecond});
        assert.ok(entries.cuda?.bandwidthEfficiency !== undefined);
        await saveCalibration(hardware, entries, {r1Home: dir});
        const loaded = await loadCalibration(hardware, {r1Home: dir});
        assert.ok(loaded !== undefined);
        const again = planModel({variant: requireVariant("deepseek-r1:7b"), quant: "Q4_K_M", hardware, calibration: loaded});
        assert.equal(again.predicted.calibrated, true);
        assert.ok(Math.abs(again.predicted.generationTokensPerSecond / measured - 1) < 0.01,
            `${again.predicted.generationTokensPerSecond} vs ${measured}`);
        assert.ok(Math.abs(again.predicted.promptTokensPerSecond / plan.predicted.promptTokensPerSecond - 1) < 0.01);
        // Another machine's file is ignored; so is a profile (not this machine), and a corrupt file.
        const other = {...hardware, cpu: {...hardware.cpu, model: "another CPU"}};
        assert.equal(await loadCalibration(other, {r1Home: dir}), undefined);
        assert.equal(await loadCalibration(hardwareProfile("rtx-4090"), {r1Home: dir}), undefined);
        await writeFile(path.join(dir, CALIBRATION_FILE), "{not json");
        assert.equal(await loadCalibration(hardware, {r1Home: dir}), undefined);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("calibration on a CPU-only machine reproduces the measured speeds", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-cal-cpu-"));
    try {
        const hardware = {...hardwareProfile("epyc-2s-384gb-ddr5"), source: "detected" as const};
        const variant = requireVariant("deepseek-r1:7b");
        const plan = planModel({variant, quant: "Q4_K_M", hardware});
        assert.equal(plan.placement, "cpu");
        const tg = plan.predicted.generationTokensPerSecond * 0.5, pp = plan.predicted.promptTokensPerSecond * 0.5;
        await saveCalibration(hardware, calibrateFromMeasurement({plan, generationTokensPerSecond: tg, promptTokensPerSecond: pp}), {r1Home: dir});
        const calibration = await loadCalibration(hardware, {r1Home: dir});
        const again = planModel({variant, quant: "Q4_K_M", hardware, ...(calibration === undefined ? {} : {calibration})});
        assert.ok(Math.abs(again.predicted.generationTokensPerSecond / tg - 1) < 0.01, `${again.predicted.generationTokensPerSecond} vs ${tg}`);
        assert.ok(Math.abs(again.predicted.promptTokensPerSecond / pp - 1) < 0.01, `${again.predicted.promptTokensPerSecond} vs ${pp}`);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
