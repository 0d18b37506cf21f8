import {test} from "node:test";
import assert from "node:assert/strict";
import {engineProbeLines} from "../../src/cli/commands/hw.js";
import type {EngineProbe} from "../../src/plan/index.js";

test("r1 hw shows how each probed rate was measured and the cap it met", () => {
    const probe: EngineProbe = {
        version: 1, machine: "m", measuredAt: "2026-12-06T10:00:00Z", engine: "node-llama-cpp 3.21.1", seconds: 60,
        backends: {cpu: {threads: 2, perTokenOverheadSeconds: 2e-3, perLayerOverheadSeconds: 50e-6, perBatchOverheadSeconds: 5e-3, attentionSecondsPerUnit: 1e-10,
            maxReadBytesPerSecond: 20.8e9, types: {
                Q4_K: {decodeBytesPerSecond: 15.2e9, promptFlopsPerSecond: 390e9, decodeMethod: "slope"},
                Q8_0: {decodeBytesPerSecond: 20.8e9, promptFlopsPerSecond: 420e9, decodeMethod: "slope", uncappedDecodeBytesPerSecond: 31e9},
                Q6_K: {decodeBytesPerSecond: 9e9, promptFlopsPerSecond: 300e9, decodeMethod: "whole"}
            }}}
    };
    const [rates, overheads] = engineProbeLines(probe, true).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""));
    assert.match(rates!, /Q4_K 15\.2 GB\/s · 390 GFLOP\/s/);
    assert.match(rates!, /Q8_0 20\.8 GB\/s \(capped\)/);
    assert.match(rates!, /Q6_K 9\.0 GB\/s \(whole time: slope lost in noise\)/);
    assert.match(overheads!, /rates capped at 20\.8 GB\/s/);
});
