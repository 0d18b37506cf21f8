import type {Architecture, Variant} from "../catalog/index.js";
import type {SpeedBackend} from "./speedConstants.js";

/** Where the weights go (the `--json` vocabulary). */
export type Placement = "gpu" | "partial" | "cpu" | "disk" | "none";

/**
 * What a user can expect from generation speed. Fit is reported apart (`ModelPlan.fits`):
 * `too-slow` fits (in memory or memory-mapped from disk) but generates below 0.1 tok/s;
 * `does-not-fit` means not even the KV cache and buffers fit.
 */
export type Verdict = "usable" | "slow" | "technically-runs" | "too-slow" | "does-not-fit";

/**
 * What was planned: a catalog variant × quant, or a GGUF file read from its header (which may
 * have the shapes of a catalog variant, then `matches` carries its scores).
 */
export type PlanSubject =
    | {readonly kind: "catalog", readonly variant: Variant}
    | {
        readonly kind: "file", readonly source: string, readonly name: string,
        /** What the file says it is (`general.name` or its architecture). */
        readonly description: string,
        readonly architecture: Architecture,
        readonly matches?: Variant
    };

/** The catalog variant behind a plan: the variant itself, or the one a file's shapes match. */
export function subjectVariant(subject: PlanSubject): Variant | undefined {
    return subject.kind === "catalog" ? subject.variant : subject.matches;
}

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
    /** The rate this device reads its bytes at, bytes/s: measured by the probe, or peak × efficiency. */
    readonly effectiveBytesPerSecond: number;
    readonly peakBytesPerSecond: number;
    /** Time this device spends per generated token, seconds (without the fixed/per-layer overhead). */
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

/** Where the speed figures come from, most trusted first. */
export type SpeedSource = "probe" | "calibration" | "defaults";

export interface SpeedPrediction {
    /** Predicted generation speed at `depth`, tokens/s (0 when it does not fit). */
    readonly generationTokensPerSecond: number;
    /** Tokens already in the context the generation speed is for. */
    readonly depth: number;
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
    /** `probe`: the engine-measured rates of `r1 hw --probe`; `calibration`: `r1 bench`'s factors; else the documented defaults. */
    readonly source: SpeedSource;
}

/** How the weights are loaded: llama.cpp's `--mmap/--no-mmap` and `--mlock`, and why. */
export interface LoadingChoice {
    /** Memory-map the file (`true`) or read it into memory (`false`). */
    readonly mmap: boolean;
    /** Pin the weights in RAM. */
    readonly mlock: boolean;
    /** One sentence: why. */
    readonly reason: string;
}

/** Seconds until an answer for a reasoning model: thinking, then the answer, after the prompt. */
export interface TimeToAnswer {
    readonly reasoningTokens: number;
    readonly answerTokens: number;
    readonly promptTokens: number;
    /** Prompt + reasoning + answer at the predicted speeds (generation slowing with depth). */
    readonly seconds: number;
    /** Where the reasoning length comes from. */
    readonly source: string;
}

/** The planner's answer for one variant × quant × machine × context. */
export interface ModelPlan {
    /** Variant id (or the file's name). */
    readonly model: string;
    readonly subject: PlanSubject;
    readonly architecture: Architecture;
    readonly quant: string;
    readonly contextSize: number;
    readonly placement: Placement;
    /** Human description: "all 29 layers on GPU", "experts of 40 layers in RAM"… */
    readonly placementDetail: string;
    /** node-llama-cpp / llama.cpp `gpuLayers`: `layers + 1` means everything including the output layer. */
    readonly gpuLayers: number;
    /** MoE only: leading layers whose routed experts stay in RAM (llama.cpp `--n-cpu-moe`). 0 otherwise. */
    readonly cpuMoeLayers: number;
    /** Whether it fits: in GPU memory and RAM, or memory-mapped with the rest streamed from disk. Speed is the verdict's business. */
    readonly fits: boolean;
    readonly memory: MemoryBreakdown;
    readonly devices: readonly DeviceShare[];
    readonly predicted: SpeedPrediction;
    readonly loading: LoadingChoice;
    /** For a typical reasoning length, when one is known. */
    readonly timeToAnswer?: TimeToAnswer;
    readonly verdict: Verdict;
    readonly qualityNote: string;
    /** Why this placement, what was assumed. */
    readonly notes: readonly string[];
}
