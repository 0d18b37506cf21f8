import {gpuEvaluations, hostEvaluation, type DeviceEvaluation} from "./deviceShares.js";
import {assignLayers, type Layout} from "./layouts.js";
import type {PlanContext} from "./planContext.js";
import type {SpeedBackend} from "./speedConstants.js";
import type {DeviceShare, LoadingChoice, SpeedSource} from "./types.js";

/** One layout's memory and speeds. */
export interface Evaluation {
    readonly layout: Layout;
    readonly devices: DeviceShare[];
    /** Every GPU holds its part, and RAM holds the KV cache and buffers (weights may stream from disk). */
    readonly fits: boolean;
    readonly usesDisk: boolean;
    /** Generation at the plan's depth, tokens/s. */
    readonly generation: number;
    /** Seconds per generated token at any depth, overheads included. */
    readonly secondsPerTokenAt: (depth: number) => number;
    readonly prompt: number;
    readonly roofline: number;
    readonly bytesPerToken: number;
    readonly overhead: number;
    readonly backend: SpeedBackend;
    readonly loading: LoadingChoice;
    readonly source: SpeedSource;
}

/**
 * A layout's devices and speeds. Time per token = Σ devices (their reads at their rates; KV and
 * attention growing with depth) + per-layer overhead of each device's layers + one fixed overhead;
 * prompt time per micro-batch = Σ devices' matmul time + the fixed overhead.
 */
export function evaluateLayout(ctx: PlanContext, layout: Layout): Evaluation {
    const {perGpu, fits: gpuFits} = assignLayers(ctx, layout);
    const gpus = gpuEvaluations(ctx, layout, perGpu);
    const gpuMemoryUsed = gpus.reduce((sum, g) => sum + g.share.totalBytes, 0);
    const host = hostEvaluation(ctx, layout, gpuMemoryUsed);
    const evaluations: DeviceEvaluation[] = [...gpus, host.ram, ...(host.disk === undefined ? [] : [host.disk])];
    const devices = evaluations.map((e) => e.share);
    const first = devices[0]!;
    const backend: SpeedBackend = first.backend === "disk" ? "cpu" : first.backend;
    const mainProbe = ctx.probe[backend];
    const perToken = mainProbe?.perTokenOverheadSeconds ?? ctx.efficiency[backend].perTokenOverheadSeconds;
    const overhead = evaluations.reduce((sum, e) => sum + e.layerOverheadSeconds, 0) + perToken;
    const secondsPerTokenAt = (depth: number) => evaluations.reduce((sum, e) => sum + e.secondsAt(depth), 0) + overhead;
    const batchOverhead = mainProbe?.perBatchOverheadSeconds ?? overhead;
    const promptSeconds = evaluations.reduce((sum, e) => sum + e.promptSeconds, 0) + batchOverhead;
    const bytesPerToken = devices.reduce((sum, d) => sum + d.bytesPerToken, 0);
    const rooflineSeconds = devices.reduce((sum, d) => sum + d.bytesPerToken / d.peakBytesPerSecond, 0);
    const roofline = rooflineSeconds > 0 ? 1 / rooflineSeconds : Infinity;
    // Rates are at most the peak and overhead ≥ 0, so this min only guards against a future bug.
    const generation = Math.min(1 / secondsPerTokenAt(ctx.depth), roofline);
    const prompt = Math.max(generation, promptSeconds > 0 ? ctx.microBatch / promptSeconds : generation);
    const probedReaders = evaluations.filter((e) => e.share.bytesPerToken > 0 && e.share.backend !== "disk");
    const source: SpeedSource = probedReaders.length > 0 && probedReaders.every((e) => e.probed) ? "probe" : ctx.calibrated ? "calibration" : "defaults";
    return {
        layout, devices, fits: gpuFits && host.fits, usesDisk: host.diskWeightsBytes > 0, generation, secondsPerTokenAt, prompt, roofline,
        bytesPerToken, overhead, backend, loading: host.loading, source
    };
}
