/** Where a figure comes from, so the planner can say how much to trust it. */
export type FigureSource = "table" | "probe" | "assumed" | "custom" | "profile";

export type GpuBackend = "cuda" | "metal" | "vulkan";

export interface GpuDevice {
    readonly name: string;
    readonly backend: GpuBackend;
    /** Memory the GPU can use. On Apple Silicon: the share of unified memory macOS lets the GPU wire. */
    readonly vramBytes: number;
    /** Free now (detected machines only). */
    readonly freeVramBytes?: number;
    /** Peak memory bandwidth, bytes/s. */
    readonly bandwidthBytesPerSecond: number;
    readonly bandwidthSource: FigureSource;
    /** Dense FP16 tensor throughput, FLOP/s (prompt processing is compute-bound). */
    readonly fp16FlopsPerSecond: number;
    /** Memory shared with the CPU (Apple Silicon): the planner must not count it twice. */
    readonly unifiedMemory: boolean;
}

export interface CpuInfo {
    readonly model: string;
    readonly physicalCores: number;
    readonly logicalCores: number;
    /** SIMD extensions llama.cpp uses: `avx2`, `avx512f`, `avx512_vnni`, `amx_int8`, `neon`, `dotprod`… */
    readonly isa: readonly string[];
    /** `x64`, `arm64`… */
    readonly arch: string;
    /** Peak-ish matmul throughput of all cores, FLOP/s (estimated from ISA and clock unless probed). */
    readonly flopsPerSecond: number;
    readonly flopsSource: FigureSource;
}

export interface MemoryInfo {
    readonly totalBytes: number;
    /** Available now (detected machines only; profiles assume an idle machine). */
    readonly freeBytes: number;
    /** Peak system-RAM read bandwidth, bytes/s. */
    readonly bandwidthBytesPerSecond: number;
    readonly bandwidthSource: FigureSource;
}

/** A machine, detected, chosen from the what-if profiles, or described by flags. */
export interface HardwareProfile {
    /** Profile name (`rtx-4090`) or `this machine`. */
    readonly name: string;
    readonly source: "detected" | "profile" | "custom";
    readonly description: string;
    readonly platform: NodeJS.Platform | "unknown";
    readonly cpu: CpuInfo;
    readonly ram: MemoryInfo;
    readonly gpus: readonly GpuDevice[];
    /** Sequential read speed of the model's disk, bytes/s (used only when weights stream from disk). */
    readonly diskReadBytesPerSecond: number;
    /** Notes on what could not be detected or was assumed. */
    readonly notes: readonly string[];
}
