import type {CalibrationEntry} from "./calibration.js";
import type {SpeedBackend} from "./speedConstants.js";
import type {ModelPlan} from "./types.js";

export interface CalibrateFromMeasurementOptions {
    /** The plan the benchmark ran (same model, quant, placement). */
    readonly plan: ModelPlan;
    /** Measured generation speed (llama-bench tg), tokens/s. */
    readonly generationTokensPerSecond?: number;
    /** Measured prompt speed (llama-bench pp512), tokens/s. */
    readonly promptTokensPerSecond?: number;
    /** ISO date. Defaults to now. */
    readonly measuredAt?: string;
}

/**
 * Turns one benchmark into efficiency factors for `saveCalibration()`: the share of peak
 * bandwidth that explains the measured generation speed (after the modelled overhead), and the
 * share of peak FLOPS that explains the prompt speed. Only plans that run on one backend
 * ("gpu" on one GPU, or "cpu") can be attributed; anything else returns `{}`. Results are
 * clamped to ≤ 1 when loaded, so a calibration can never predict above the roofline.
 */
export function calibrateFromMeasurement(options: CalibrateFromMeasurementOptions): Partial<Record<SpeedBackend, CalibrationEntry>> {
    const {plan} = options;
    const readers = plan.devices.filter((d) => d.bytesPerToken > 0);
    if (readers.length !== 1 || (plan.placement !== "gpu" && plan.placement !== "cpu")) return {};
    const device = readers[0]!;
    if (device.backend === "disk") return {};
    const backend: SpeedBackend = device.backend;
    const measuredAt = options.measuredAt ?? new Date().toISOString();
    const parts: string[] = [];
    let bandwidthEfficiency: number | undefined;
    let computeEfficiency: number | undefined;
    const tg = options.generationTokensPerSecond;
    if (tg !== undefined && tg > 0) {
        const memorySeconds = 1 / tg - plan.predicted.overheadSeconds;
        if (memorySeconds > 0) bandwidthEfficiency = device.bytesPerToken / device.peakBytesPerSecond / memorySeconds;
        parts.push(`tg ${tg.toFixed(1)} t/s`);
    }
    const pp = options.promptTokensPerSecond;
    if (pp !== undefined && pp > 0 && plan.predicted.promptTokensPerSecond > 0) {
        // Prompt time is inversely proportional to the compute efficiency on a single backend.
        computeEfficiency = plan.predicted.computeEfficiency * pp / plan.predicted.promptTokensPerSecond;
        parts.push(`pp ${pp.toFixed(0)} t/s`);
    }
    if (bandwidthEfficiency === undefined && computeEfficiency === undefined) return {};
    return {
        [backend]: {
            ...(bandwidthEfficiency === undefined ? {} : {bandwidthEfficiency}),
            ...(computeEfficiency === undefined ? {} : {computeEfficiency}),
            measuredAt, source: `${plan.model}:${plan.quant} ${parts.join(", ")}`
        }
    };
}
