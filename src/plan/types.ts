import type {Variant} from "../catalog/index.js";
import type {SpeedBackend} from "./speedConstants.js";

/** Where the weights go (the `--json` vocabulary). */
export type Placement = "gpu" | "partial" | "cpu" | "disk" | "none";

/** What a user can expect from generation speed. */
export type Verdict = "usable" | "slow" | "technically-runs" | "does-not-fit";

/** One device's share of a plan: memory it holds and bytes it reads per generated token. */
export interface DeviceShare {
    /** `GPU 0 (NVIDIA GeForce RTX 4090)`, `RAM`, `disk`. */
    readonly device: string;
    readonly kind: "gpu" | "ram" | "disk";
    readonly backend: SpeedBackend | "disk";
    /** Transformer layers whose dense weights live here. */
    readonly layers: number;
    readonly weightsBytes: number;
    readonly kvCacheBytes: number;
    readonly computeBytes: number;
    readonly totalBytes: number;
    /** Usable capacity after the OS/driver reserve (disk: the weights that spill there). */
    readonly capacityBytes: number;
    /** Weight + KV bytes read from this device per generated token. */
    readonly bytesPerToken: number;
    /** Peak bandwidth × efficiency, bytes/s. */
    readonly effectiveBytesPerSecond: number;
    readonly peakBytesPerSecond: number;
    /** Time this device spends per generated token, seconds. */
    readonly secondsPerToken: number;
}

export interface MemoryBreakdown {
    readonly weightsBytes: number;
    readonly kvCacheBytes: number;
    readonly computeBytes: number;
    readonly totalBytes: number;
    /** The GGUF file itself (metadata included). */
    readonly fileBytes: number;
}

export interface SpeedPrediction {
    /** Predicted generation speed at the given depth, tokens/s (0 when it does not fit). */
    readonly generationTokensPerSecond: number;
    /** Predicted prompt-processing speed for 512-token micro-batches, tokens/s. */
    readonly promptTokensPerSecond: number;
    /** The physical ceiling: every byte at peak bandwidth, no overhead. Generation never exceeds it. */
    readonly rooflineTokensPerSecond: number;
    /** Bytes read per generated token over all devices. */
    readonly bytesPerToken: number;
    /** Fixed + per-layer overhead per token, seconds. */
    readonly overheadSeconds: number;
    /** Compute efficiency assumed for the main backend's prompt processing (calibration input). */
    readonly computeEfficiency: number;
    /** Whether measured calibration replaced the default efficiency factors. */
    readonly calibrated: boolean;
}

/** The planner's answer for one variant × quant × machine × context. */
export interface ModelPlan {
    /** Variant id. */
    readonly model: string;
    readonly variant: Variant;
    readonly quant: string;
    readonly contextSize: number;
    readonly placement: Placement;
    /** Human description: "all 29 layers on GPU", "experts of 40 layers in RAM"… */
    readonly placementDetail: string;
    /** node-llama-cpp / llama.cpp `gpuLayers`: `layers + 1` means everything including the output layer. */
    readonly gpuLayers: number;
    /** MoE only: leading layers whose routed experts stay in RAM (llama.cpp `--n-cpu-moe`). 0 otherwise. */
    readonly cpuMoeLayers: number;
    readonly memory: MemoryBreakdown;
    readonly devices: readonly DeviceShare[];
    readonly predicted: SpeedPrediction;
    readonly verdict: Verdict;
    readonly qualityNote: string;
    /** Why this placement, what was assumed. */
    readonly notes: readonly string[];
}
