import {test} from "node:test";
import assert from "node:assert/strict";
import {MIN_WORK_SHARE} from "../../src/bench/fitDecodeRate.js";
import {fitPromptRates, promptFlopsPerSecond, type PromptTime} from "../../src/bench/fitPromptRates.js";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual / expected - 1) < 1e-9, `${what}: ${actual} vs ${expected}`);

/** A batch's time on a machine doing matmuls at `flopsPerSecond`, `perUnit` seconds per attention unit, `perBatch` fixed. */
const timed = (flops: number, attentionUnits: number, machine: {flopsPerSecond: number, perUnit: number, perBatch: number}): PromptTime =>
    ({flops, attentionUnits, seconds: machine.perBatch + flops / machine.flopsPerSecond + attentionUnits * machine.perUnit});

// The real probe's shapes at 512 tokens: a 5-layer 7B-wide rate model (1.17 G params, 28 heads) and
// the 4-layer 1536-wide attention model (27 M params, 12 heads).
const HEAD_BATCH = 128 * 512 * 513 / 2;
const RATE = {flops: 2 * 1.167e9 * 512, units: 5 * 28 * HEAD_BATCH};
const ATTENTION = {flops: 2 * 27e6 * 512, units: 4 * 12 * HEAD_BATCH};

test("prompt time splits into matmuls and the rest of each layer: two models of one type give both rates exactly", () => {
    const machine = {flopsPerSecond: 240e9, perUnit: 1.0e-10, perBatch: 2.4e-3};
    const fit = fitPromptRates({perBatchSeconds: machine.perBatch, rate: timed(RATE.flops, RATE.units, machine), attention: timed(ATTENTION.flops, ATTENTION.units, machine)});
    close(fit.flopsPerSecond, 240e9, "matmul FLOP/s");
    close(fit.attentionSecondsPerUnit, 1.0e-10, "seconds per unit");
    // Folding the attention into the FLOP rate (the probe before) reads the rate model's matmuls slower than they are.
    const folded = RATE.flops / (timed(RATE.flops, RATE.units, machine).seconds - machine.perBatch);
    assert.ok(folded < 0.97 * 240e9, `folded ${folded}`);
    // Another type's rate model, its attention costed at the fitted rate.
    const q8 = {...machine, flopsPerSecond: 500e9};
    close(promptFlopsPerSecond({perBatchSeconds: machine.perBatch, time: timed(RATE.flops, RATE.units, q8), attentionSecondsPerUnit: fit.attentionSecondsPerUnit}), 500e9, "second type");
});

test("noise: a negative attention cost is 0, matmul work never falls under its floor share, nonsense throws", () => {
    // The attention model measured faster than its matmuls alone allow: no attention cost, all time is matmul.
    const rate = {flops: RATE.flops, attentionUnits: RATE.units, seconds: 5};
    const fit = fitPromptRates({perBatchSeconds: 0, rate, attention: {flops: ATTENTION.flops, attentionUnits: ATTENTION.units, seconds: 1e-6}});
    assert.equal(fit.attentionSecondsPerUnit, 0);
    close(fit.flopsPerSecond, RATE.flops / 5, "all matmul");
    // The attention model so slow that the rate model would have no matmul time left: the floor holds.
    const slow = fitPromptRates({perBatchSeconds: 0, rate, attention: {flops: ATTENTION.flops, attentionUnits: ATTENTION.units, seconds: 100}});
    close(slow.flopsPerSecond, RATE.flops / (MIN_WORK_SHARE * 5), "floor");
    close(slow.attentionSecondsPerUnit, (1 - MIN_WORK_SHARE) * 5 / RATE.units, "the rest is attention");
    close(promptFlopsPerSecond({perBatchSeconds: 0, time: rate, attentionSecondsPerUnit: 1}), RATE.flops / (MIN_WORK_SHARE * 5), "second type's floor");
    assert.throws(() => fitPromptRates({perBatchSeconds: 10, rate, attention: rate}), RangeError);
    assert.throws(() => promptFlopsPerSecond({perBatchSeconds: 0, time: {...rate, flops: 0}, attentionSecondsPerUnit: 0}), RangeError);
});
