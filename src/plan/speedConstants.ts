import type {GpuBackend} from "../hardware/index.js";

/** A device kind the speed model distinguishes. */
export type SpeedBackend = GpuBackend | "cpu";

/** Efficiency factors of one backend: the share of peak bandwidth / FLOPS llama.cpp reaches. */
export interface BackendEfficiency {
    /** Achieved ÷ peak memory bandwidth during generation (batch 1). */
    readonly bandwidthEfficiency: number;
    /** Achieved ÷ peak FLOPS during prompt processing (batch 512). For the CPU the peak already includes `CPU_MATMUL_EFFICIENCY`. */
    readonly computeEfficiency: number;
    /** Fixed time per generated token (graph launch, sampling), seconds. */
    readonly perTokenOverheadSeconds: number;
    /** Extra time per layer per token (kernel launches / thread barriers), seconds. */
    readonly perLayerOverheadSeconds: number;
}

/**
 * Defaults until `r1 bench` calibrates this machine. Derived from public llama-bench figures for
 * Llama-2-7B Q4_0 (3.56 GiB): CUDA — RTX 4090 tg128 ≈ 180 t/s (llama.cpp discussion #15013,
 * "Performance of llama.cpp with CUDA") → ~0.68 of 1008 GB/s; Metal — M1 Max 61 t/s, M2 Ultra
 * 94 t/s, M3 Max 66 t/s (discussion #4167, "Performance of llama.cpp on Apple Silicon") → 0.45–0.63
 * of 400/800 GB/s; prompt pp512 M1 Max ≈ 530 t/s → ~0.65 of 10.4 TFLOPS; CPU — desktop DDR5
 * results in the same threads reach ~0.6 of the channels' peak. Vulkan (AMD/Intel GPUs found in
 * sysfs): llama.cpp PR #13324 ("vulkan: scalar flash attention", May 2025) measured an RX 5700 XT
 * (448 GB/s, 19.5 FP16 TFLOPS) at tg128 65.2 t/s → 65.2 × 3.82 GB = 249 GB/s, 0.56 of peak, and
 * pp512 468 t/s → 468 × 2 × 6.74 GFLOP = 6.3 TFLOPS, 0.32 of peak; Vulkan on an RTX 3090 reaches
 * ~0.73 (PR #21024: Llama-8B Q4_0, 4.33 GiB, tg128 147 t/s of 936 GB/s), so 0.55 is the AMD
 * figure and a floor for others. Overheads: small models on fast GPUs run well below the roofline (1.5B on a 4090 at
 * ~350 t/s, not 600+), which a fixed + per-layer cost per token explains.
 */
export const DEFAULT_EFFICIENCY: Readonly<Record<SpeedBackend, BackendEfficiency>> = {
    cuda: {bandwidthEfficiency: 0.68, computeEfficiency: 0.45, perTokenOverheadSeconds: 0.3e-3, perLayerOverheadSeconds: 25e-6},
    metal: {bandwidthEfficiency: 0.55, computeEfficiency: 0.6, perTokenOverheadSeconds: 0.5e-3, perLayerOverheadSeconds: 30e-6},
    vulkan: {bandwidthEfficiency: 0.55, computeEfficiency: 0.3, perTokenOverheadSeconds: 0.5e-3, perLayerOverheadSeconds: 35e-6},
    cpu: {bandwidthEfficiency: 0.6, computeEfficiency: 1, perTokenOverheadSeconds: 0.1e-3, perLayerOverheadSeconds: 15e-6}
};

/**
 * A deepseek2 layer's graph has ~4× the nodes of a llama layer (MLA's extra projections and
 * norms, router, top-k, three expert matmuls, shared experts), so its per-layer overhead is larger.
 */
export const MOE_LAYER_OVERHEAD_FACTOR = 4;

/**
 * Share of a *measured* RAM read rate (`r1 hw --probe`, a memchr scan) that llama.cpp's CPU
 * matvecs reach; used instead of the CPU's default factor, which is relative to the spec peak.
 */
export const MEASURED_BANDWIDTH_EFFICIENCY = 0.9;

/** PCIe 4.0 ×16 achieved host→device rate; CPU-resident weights cross it once per prompt micro-batch. */
export const PCIE_BYTES_PER_SECOND = 25e9;

/** Generation-speed verdict thresholds, tokens/s (the definitions). */
export const USABLE_TOKENS_PER_SECOND = 30;
export const SLOW_TOKENS_PER_SECOND = 10;
/**
 * Below one token every 10 s a 1,000-token reasoning chain takes hours: r1 calls that
 * "does not fit" rather than "technically runs".
 */
export const MIN_RUNNABLE_TOKENS_PER_SECOND = 0.1;

/** The context size r1 plans for unless asked: the one the engines load by default, defined once with them. */
export {DEFAULT_CONTEXT_SIZE, defaultContextSize} from "../engine/loadLimits.js";
/** llama.cpp's default micro-batch (n_ubatch). */
export const DEFAULT_MICRO_BATCH = 512;

/** CUDA context, cuBLAS workspace and driver allocations per NVIDIA GPU. */
export const GPU_RESERVED_BYTES = 600 * 2 ** 20;
/**
 * System RAM left to the OS and other programs: the larger of 2 GiB and 15% of RAM, but never more
 * than 6 GiB + 1% of RAM.
 *
 * Why: what the OS and other programs need does not grow with RAM. 15% fits laptops and desktops
 * (3.6 GiB of 24 GiB: a desktop session and a browser), but on a headless 384 GB server it held back
 * 57 GB that nothing uses. A server needs its OS and services — Ubuntu's own floor is 2 GB (its
 * images run out of memory below it; osinfo-db "Bump minimal ram requirement for ubuntu to 2Gb") —
 * plus what the kernel keeps per byte of RAM: page tables for the memory-mapped weights (8 bytes per
 * 4 KiB page, 0.2%), the free-page watermark `min_free_kbytes` (√(16 × RAM in kB), at most 256 MiB;
 * Linux Documentation/admin-guide/sysctl/vm.rst and mm/page_alloc.c) and slab/page-cache metadata.
 * 6 GiB covers the desktop case with room to spare and 1% covers the per-byte costs several times
 * over, so a 384 GB server keeps ~10 GB back and a 64 GiB desktop 6.6 GiB.
 */
export function ramReservedBytes(totalBytes: number): number {
    return Math.min(Math.max(2 * 2 ** 30, 0.15 * totalBytes), 6 * 2 ** 30 + 0.01 * totalBytes);
}
