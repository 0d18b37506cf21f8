import {test} from "node:test";
import assert from "node:assert/strict";
import {mean, medianInterval, percentile, standardDeviation} from "../../src/bench/stats.js";

test("mean, sample standard deviation and interpolated percentiles", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.ok(Number.isNaN(mean([])));
    assert.equal(standardDeviation([5]), 0);
    assert.ok(Math.abs(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138) < 1e-3);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90), 91);
    assert.equal(percentile([7], 90), 7);
});

test("a few stalls move the mean but not the median (why per-token times are percentiles)", () => {
    const tokens = [...Array.from({length: 95}, () => 30), 300, 310, 320, 330, 340];
    assert.equal(percentile(tokens, 50), 30);
    assert.ok(mean(tokens) > 40);
});

test("medianInterval: reproducible, brackets the median, narrows with more rounds, collapses on constant values", () => {
    const noisy = (n: number) => Array.from({length: n}, (_, i) => 1 + 0.1 * Math.sin(i * 12.9898) * ((i % 3) - 1));
    const few = medianInterval(noisy(8));
    assert.deepEqual(medianInterval(noisy(8)), few);
    assert.ok(few.low <= few.median && few.median <= few.high);
    const many = medianInterval(noisy(200));
    assert.ok(many.high - many.low < few.high - few.low, `${JSON.stringify(many)} vs ${JSON.stringify(few)}`);
    assert.deepEqual(medianInterval([1.04, 1.04, 1.04]), {median: 1.04, low: 1.04, high: 1.04});
    assert.ok(Number.isNaN(medianInterval([]).median));
});
