import type {Architecture} from "../catalog/index.js";
import type {HardwareProfile} from "../hardware/index.js";
import {effectiveEfficiency, type Calibration} from "./calibration.js";
import type {BackendProbe, EngineProbe} from "./engineProbe.js";
import {kvBytesPerTokenPerLayer, type KvCacheType} from "./kvCache.js";
import type {ModelWeights} from "./modelWeights.js";
import {
    defaultContextSize, DEFAULT_MICRO_BATCH, GPU_RESERVED_BYTES, MEASURED_BANDWIDTH_EFFICIENCY, MOE_LAYER_OVERHEAD_FACTOR, ramReservedBytes,
    type BackendEfficiency, type SpeedBackend
} from "./speedConstants.js";
import type {PlanSubject} from "./types.js";

/** How a plan is computed: the machine, the context and what was measured. Shared by every planning entry point. */
export interface PlanSettings {
    readonly hardware: HardwareProfile;
    /** Context tokens per sequence. Defaults to 8192, capped at the model's maximum. */
    readonly contextSize?: number;
    /** Parallel sequences sharing the cache (llama-server `-np`). Defaults to `1`. */
    readonly parallelSequences?: number;
    /** KV cache type for K and V. Defaults to `"f16"`. */
    readonly kvCacheType?: KvCacheType;
    /** Defaults to `true`. */
    readonly flashAttention?: boolean;
    /** Tokens already in the context when generating (their KV is read every token). Defaults to `0`, like llama-bench tg128. */
    readonly depth?: number;
    /** Force this many GPU layers (engine override); the planner then only predicts. Defaults to choosing the fastest layout. */
    readonly gpuLayers?: number;
    /** Measured efficiencies from `loadCalibration()`. Defaults to none (the documented constants). */
    readonly calibration?: Calibration;
    /** Engine-measured rates from `loadEngineProbe()` (`r1 hw --probe`); they replace calibration and defaults for the backends they cover. Defaults to none. */
    readonly probe?: EngineProbe;
    /** llama.cpp n_ubatch. Defaults to `512`. */
    readonly microBatch?: number;
    /**
     * Allow the MoE layout with attention on the GPU and routed experts in RAM (llama.cpp's
     * `--n-cpu-moe` / `-ot exps=CPU`). node-llama-cpp 3.21 has no such option, so r1's own engine
     * cannot load a model that way: the default plans only what r1 can run. Defaults to `false`.
     */
    readonly expertOffload?: boolean;
    /** `--mmap` (`true`) / `--no-mmap` (`false`). Defaults to the planner's choice (`chooseLoading`). */
    readonly mmap?: boolean;
    /** `--mlock`. Defaults to `false`. */
    readonly mlock?: boolean;
    /**
     * Typical reasoning length for the time to an answer, and where it comes from. Defaults to the
     * published figure for the variant's family (`typicalReasoningLength`), none for other files.
     */
    readonly reasoningLength?: {readonly tokens: number, readonly source: string};
}

/** Everything the evaluation of one layout needs, computed once per plan. */
export interface PlanContext {
    readonly subject: PlanSubject;
    readonly architecture: Architecture;
    readonly weights: ModelWeights;
    readonly hardware: HardwareProfile;
    readonly contextSize: number;
    readonly depth: number;
    readonly kvPerLayer: number;
    /** KV bytes one cached position adds to a token's reads, per layer. */
    readonly kvPerTokenPerLayer: number;
    readonly efficiency: Record<SpeedBackend, BackendEfficiency>;
    readonly calibrated: boolean;
    readonly probe: Partial<Record<SpeedBackend, BackendProbe>>;
    readonly microBatch: number;
    readonly flashAttention: boolean;
    readonly gpuCapacity: readonly number[];
    readonly ramCapacity: number;
    readonly unified: boolean;
    readonly layerOverheadFactor: number;
    readonly mmap?: boolean;
    readonly mlock?: boolean;
}

export function createPlanContext(subject: PlanSubject, architecture: Architecture, weights: ModelWeights, settings: PlanSettings): PlanContext {
    const {hardware} = settings;
    // Unasked, the context the engines load (the default capped at the trained context): the plan is for what r1 runs.
    const contextSize = settings.contextSize === undefined ? defaultContextSize(architecture.maxContext)
        : Math.max(1, Math.min(Math.floor(settings.contextSize), architecture.maxContext));
    const parallel = Math.max(1, Math.floor(settings.parallelSequences ?? 1));
    const flashAttention = settings.flashAttention ?? true;
    const kvPerTokenPerLayer = kvBytesPerTokenPerLayer(architecture, {typeK: settings.kvCacheType ?? "f16", flashAttention});
    const unified = hardware.gpus.some((g) => g.unifiedMemory);
    const ramCapacity = hardware.ram.totalBytes - ramReservedBytes(hardware.ram.totalBytes);
    return {
        subject, architecture, weights, hardware, contextSize,
        depth: Math.max(0, Math.min(Math.floor(settings.depth ?? 0), contextSize)),
        kvPerLayer: kvPerTokenPerLayer * contextSize * parallel,
        kvPerTokenPerLayer,
        efficiency: withMeasuredRam(effectiveEfficiency(settings.calibration), hardware, settings.calibration),
        calibrated: Object.keys(settings.calibration?.backends ?? {}).length > 0,
        probe: settings.probe?.backends ?? {},
        microBatch: settings.microBatch ?? DEFAULT_MICRO_BATCH,
        flashAttention,
        gpuCapacity: hardware.gpus.map((g) => unified ? Math.min(g.vramBytes, ramCapacity) : g.vramBytes - GPU_RESERVED_BYTES),
        ramCapacity, unified,
        layerOverheadFactor: architecture.kind === "moe" ? MOE_LAYER_OVERHEAD_FACTOR : 1,
        ...(settings.mmap === undefined ? {} : {mmap: settings.mmap}),
        ...(settings.mlock === undefined ? {} : {mlock: settings.mlock})
    };
}

// A probed RAM bandwidth is already an achieved rate: discount it less than a spec-sheet peak,
// unless a benchmark calibrated the CPU against it.
function withMeasuredRam(efficiency: Record<SpeedBackend, BackendEfficiency>, hardware: HardwareProfile,
    calibration: Calibration | undefined): Record<SpeedBackend, BackendEfficiency> {
    if (hardware.ram.bandwidthSource !== "probe" || calibration?.backends.cpu?.bandwidthEfficiency !== undefined) return efficiency;
    return {...efficiency, cpu: {...efficiency.cpu, bandwidthEfficiency: MEASURED_BANDWIDTH_EFFICIENCY}};
}
