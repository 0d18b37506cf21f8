import {test} from "node:test";
import assert from "node:assert/strict";
import {fitDecodeRate, fitLine, fitLineThrough, maxReadBytesPerSecond, MIN_WORK_SHARE, SCANNED_BANDWIDTH_HEADROOM} from "../../src/bench/fitDecodeRate.js";

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual / expected - 1) < 1e-9, `${what}: ${actual} vs ${expected}`);
const LAYER = 131e6;

/** Times of a machine reading weights at `rate`, with `fixed` seconds per token and `perLayer` per layer. */
const times = (rate: number, fixed: number, perLayer: number, layers: number[]) =>
    layers.map((l) => ({layers: l, bytes: 1e6 + l * LAYER, seconds: fixed + l * (LAYER / rate + perLayer)}));

test("a line through two or more points: least squares, exact on a line", () => {
    assert.deepEqual(fitLine([{x: 5, y: 0.1}, {x: 10, y: 0.18}]).slope.toFixed(6), "0.016000");
    const line = fitLine([{x: 1, y: 3}, {x: 2, y: 5}, {x: 3, y: 7}]);
    close(line.slope, 2, "slope");
    close(line.intercept, 1, "intercept");
    assert.throws(() => fitLine([{x: 4, y: 1}, {x: 4, y: 2}]), RangeError);
});

test("the rate comes from the slope: a per-token stall lands in the intercept, not in the rate", () => {
    // 16 GB/s, 96 ms of stalls per token (what the first probe subtracted and got 97–216 GB/s from), 50 µs per layer.
    const fit = fitDecodeRate({times: times(16e9, 0.096, 50e-6, [5, 10]), perLayerOverheadSeconds: 50e-6});
    assert.equal(fit.method, "slope");
    assert.equal(fit.capped, false);
    close(fit.bytesPerSecond, 16e9, "rate");
    close(fit.interceptSeconds, 0.096, "intercept");
    close(fit.slopeSeconds, LAYER / 16e9 + 50e-6, "slope");
    // Three layer counts: least squares, same answer on exact data.
    close(fitDecodeRate({times: times(16e9, 0.02, 0, [4, 8, 12]), perLayerOverheadSeconds: 0}).bytesPerSecond, 16e9, "three points");
});

test("the rate is capped at the fastest plausible read, and the uncapped figure is kept", () => {
    const fit = fitDecodeRate({times: times(60e9, 0.01, 0, [5, 10]), perLayerOverheadSeconds: 0, maxBytesPerSecond: 20e9});
    assert.equal(fit.capped, true);
    assert.equal(fit.bytesPerSecond, 20e9);
    close(fit.uncappedBytesPerSecond, 60e9, "uncapped");
    assert.equal(fitDecodeRate({times: times(15e9, 0.01, 0, [5, 10]), perLayerOverheadSeconds: 0, maxBytesPerSecond: 20e9}).capped, false);
});

test("an overhead measured larger than the slope leaves a floor of work, never a negative or infinite rate", () => {
    const slope = LAYER / 16e9;
    const fit = fitDecodeRate({times: times(16e9, 0.01, 0, [5, 10]), perLayerOverheadSeconds: 2 * slope});
    close(fit.bytesPerSecond, LAYER / (MIN_WORK_SHARE * slope), "floor");
});

test("a negative intercept (a slow spell on the larger model) is refitted through the measured per-token overhead", () => {
    // 11 GB/s, 0.5 ms per token; the 10-layer model's turns ran 60% slow: the free line's intercept is −0.07 s.
    const fast = (layers: number) => 0.5e-3 + layers * LAYER / 11e9;
    const timesHit = [{layers: 5, bytes: 5 * LAYER, seconds: fast(5)}, {layers: 10, bytes: 10 * LAYER, seconds: 1.6 * fast(10)}];
    assert.ok(fitLine(timesHit.map((t) => ({x: t.layers, y: t.seconds}))).intercept < 0);
    const free = LAYER / (fast(10) * 1.6 - fast(5)) * 5;
    const fit = fitDecodeRate({times: timesHit, perLayerOverheadSeconds: 0, perTokenOverheadSeconds: 0.5e-3});
    assert.equal(fit.method, "anchored");
    assert.equal(fit.interceptSeconds, 0.5e-3);
    const through = fitLineThrough(timesHit.map((t) => ({x: t.layers, y: t.seconds})), 0.5e-3);
    close(fit.bytesPerSecond, LAYER / through.slope, "rate from the anchored slope");
    assert.ok(fit.bytesPerSecond > free && fit.bytesPerSecond < 11e9, `${fit.bytesPerSecond} between the free line's ${free} and the truth`);
    // Exact data through the anchor: the same answer as the free line.
    close(fitDecodeRate({times: times(16e9, 0, 0, [5, 10]), perLayerOverheadSeconds: 0, perTokenOverheadSeconds: 0}).bytesPerSecond, 16e9, "exact");
});

test("a slope lost in noise falls back to the larger model's whole time (a lower bound)", () => {
    const fit = fitDecodeRate({times: [{layers: 5, bytes: 5 * LAYER, seconds: 0.09}, {layers: 10, bytes: 10 * LAYER, seconds: 0.085}], perLayerOverheadSeconds: 0});
    assert.equal(fit.method, "whole");
    close(fit.bytesPerSecond, 10 * LAYER / 0.085, "whole");
    assert.throws(() => fitDecodeRate({times: [{layers: 5, bytes: 1, seconds: 1}], perLayerOverheadSeconds: 0}), RangeError);
});

test("the cap: a scanned bandwidth with headroom, a published peak as it is, an assumed one caps nothing", () => {
    close(maxReadBytesPerSecond(16e9, "probe")!, 16e9 * SCANNED_BANDWIDTH_HEADROOM, "probe");
    assert.equal(maxReadBytesPerSecond(1008e9, "table"), 1008e9);
    assert.equal(maxReadBytesPerSecond(51.2e9, "assumed"), undefined);
    assert.equal(maxReadBytesPerSecond(0, "probe"), undefined);
});
