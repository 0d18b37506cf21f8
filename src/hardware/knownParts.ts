const GB = 1e9;
const GiB = 2 ** 30;
const T = 1e12;

/** A GPU model with its published figures. */
export interface KnownGpu {
    /** Lower-case substrings that identify it in a driver's name (`nvidia-smi`), most specific first. */
    readonly match: readonly string[];
    readonly name: string;
    /** As the driver reports it: marketing "24 GB" is 24 GiB (an H200's "141 GB" shows as ~140 GiB). */
    readonly vramBytes: number;
    readonly bandwidthBytesPerSecond: number;
    /** Dense FP16 tensor FLOP/s (FP16 accumulate). */
    readonly fp16FlopsPerSecond: number;
}

// Sources: ../shared/reference/r1-family.md §7 (3060, 3090, 4080, 4090, 5090, A100, H100, H200,
// each with its cited page); the others are NVIDIA product-page figures.
// Dense FP16 tensor FLOPS with FP16 accumulate: half the "sparsity" figure NVIDIA advertises
// (llama.cpp's int8/FP16 kernels reach a good part of it on large batches).
export const KNOWN_GPUS: readonly KnownGpu[] = [
    {match: ["h200"], name: "NVIDIA H200", vramBytes: 140 * GiB, bandwidthBytesPerSecond: 4800 * GB, fp16FlopsPerSecond: 989 * T},
    {match: ["h100 pcie"], name: "NVIDIA H100 PCIe", vramBytes: 80 * GiB, bandwidthBytesPerSecond: 2000 * GB, fp16FlopsPerSecond: 756 * T},
    {match: ["h100"], name: "NVIDIA H100 SXM", vramBytes: 80 * GiB, bandwidthBytesPerSecond: 3350 * GB, fp16FlopsPerSecond: 989 * T},
    {match: ["a100-sxm4-40", "a100 40", "a100-pcie-40"], name: "NVIDIA A100 40GB", vramBytes: 40 * GiB, bandwidthBytesPerSecond: 1555 * GB, fp16FlopsPerSecond: 312 * T},
    {match: ["a100"], name: "NVIDIA A100 80GB", vramBytes: 80 * GiB, bandwidthBytesPerSecond: 2039 * GB, fp16FlopsPerSecond: 312 * T},
    {match: ["l40s"], name: "NVIDIA L40S", vramBytes: 48 * GiB, bandwidthBytesPerSecond: 864 * GB, fp16FlopsPerSecond: 362 * T},
    {match: ["rtx 6000 ada"], name: "NVIDIA RTX 6000 Ada", vramBytes: 48 * GiB, bandwidthBytesPerSecond: 960 * GB, fp16FlopsPerSecond: 364 * T},
    {match: ["a6000"], name: "NVIDIA RTX A6000", vramBytes: 48 * GiB, bandwidthBytesPerSecond: 768 * GB, fp16FlopsPerSecond: 155 * T},
    {match: ["l4"], name: "NVIDIA L4", vramBytes: 24 * GiB, bandwidthBytesPerSecond: 300 * GB, fp16FlopsPerSecond: 121 * T},
    {match: ["a10"], name: "NVIDIA A10", vramBytes: 24 * GiB, bandwidthBytesPerSecond: 600 * GB, fp16FlopsPerSecond: 125 * T},
    {match: ["t4"], name: "NVIDIA T4", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 320 * GB, fp16FlopsPerSecond: 65 * T},
    {match: ["5090"], name: "NVIDIA GeForce RTX 5090", vramBytes: 32 * GiB, bandwidthBytesPerSecond: 1792 * GB, fp16FlopsPerSecond: 419 * T},
    {match: ["5080"], name: "NVIDIA GeForce RTX 5080", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 960 * GB, fp16FlopsPerSecond: 225 * T},
    {match: ["4090"], name: "NVIDIA GeForce RTX 4090", vramBytes: 24 * GiB, bandwidthBytesPerSecond: 1008 * GB, fp16FlopsPerSecond: 330 * T},
    {match: ["4080"], name: "NVIDIA GeForce RTX 4080", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 717 * GB, fp16FlopsPerSecond: 195 * T},
    {match: ["4070 ti super"], name: "NVIDIA GeForce RTX 4070 Ti SUPER", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 672 * GB, fp16FlopsPerSecond: 176 * T},
    {match: ["4070"], name: "NVIDIA GeForce RTX 4070", vramBytes: 12 * GiB, bandwidthBytesPerSecond: 504 * GB, fp16FlopsPerSecond: 117 * T},
    {match: ["4060 ti"], name: "NVIDIA GeForce RTX 4060 Ti 16GB", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 288 * GB, fp16FlopsPerSecond: 88 * T},
    {match: ["3090"], name: "NVIDIA GeForce RTX 3090", vramBytes: 24 * GiB, bandwidthBytesPerSecond: 936 * GB, fp16FlopsPerSecond: 142 * T},
    {match: ["3080"], name: "NVIDIA GeForce RTX 3080", vramBytes: 10 * GiB, bandwidthBytesPerSecond: 760 * GB, fp16FlopsPerSecond: 119 * T},
    {match: ["3060"], name: "NVIDIA GeForce RTX 3060 12GB", vramBytes: 12 * GiB, bandwidthBytesPerSecond: 360 * GB, fp16FlopsPerSecond: 51 * T}
];

/** An Apple Silicon chip (GPU configuration with the higher bandwidth where it varies). */
export interface KnownAppleChip {
    readonly match: string;
    readonly name: string;
    readonly bandwidthBytesPerSecond: number;
    /** GPU FP16 FLOP/s (Apple GPUs run FP16 at the FP32 rate). */
    readonly fp16FlopsPerSecond: number;
}

// Bandwidths: r1-family.md §7 (Apple, Ars, Macworld, techpowerup); base/Pro chips from Apple's
// spec pages. GPU FLOPS: Apple's TFLOPS figures, approximate.
export const KNOWN_APPLE_CHIPS: readonly KnownAppleChip[] = [
    {match: "m3 ultra", name: "Apple M3 Ultra", bandwidthBytesPerSecond: 819 * GB, fp16FlopsPerSecond: 28 * T},
    {match: "m2 ultra", name: "Apple M2 Ultra", bandwidthBytesPerSecond: 800 * GB, fp16FlopsPerSecond: 27 * T},
    {match: "m1 ultra", name: "Apple M1 Ultra", bandwidthBytesPerSecond: 800 * GB, fp16FlopsPerSecond: 21 * T},
    {match: "m4 max", name: "Apple M4 Max", bandwidthBytesPerSecond: 546 * GB, fp16FlopsPerSecond: 18 * T},
    {match: "m3 max", name: "Apple M3 Max", bandwidthBytesPerSecond: 400 * GB, fp16FlopsPerSecond: 16 * T},
    {match: "m2 max", name: "Apple M2 Max", bandwidthBytesPerSecond: 400 * GB, fp16FlopsPerSecond: 13.6 * T},
    {match: "m1 max", name: "Apple M1 Max", bandwidthBytesPerSecond: 400 * GB, fp16FlopsPerSecond: 10.4 * T},
    {match: "m4 pro", name: "Apple M4 Pro", bandwidthBytesPerSecond: 273 * GB, fp16FlopsPerSecond: 9.2 * T},
    {match: "m3 pro", name: "Apple M3 Pro", bandwidthBytesPerSecond: 150 * GB, fp16FlopsPerSecond: 7.4 * T},
    {match: "m2 pro", name: "Apple M2 Pro", bandwidthBytesPerSecond: 200 * GB, fp16FlopsPerSecond: 6.8 * T},
    {match: "m1 pro", name: "Apple M1 Pro", bandwidthBytesPerSecond: 200 * GB, fp16FlopsPerSecond: 5.2 * T},
    {match: "m4", name: "Apple M4", bandwidthBytesPerSecond: 120 * GB, fp16FlopsPerSecond: 4.3 * T},
    {match: "m3", name: "Apple M3", bandwidthBytesPerSecond: 100 * GB, fp16FlopsPerSecond: 4.1 * T},
    {match: "m2", name: "Apple M2", bandwidthBytesPerSecond: 100 * GB, fp16FlopsPerSecond: 3.6 * T},
    {match: "m1", name: "Apple M1", bandwidthBytesPerSecond: 68 * GB, fp16FlopsPerSecond: 2.6 * T}
];

/**
 * Share of an Apple chip's memory bandwidth its CPU cores can pull: AnandTech's M1 Max review
 * measured ~243 GB/s from the CPU clusters of a 400 GB/s part; the GPU gets the rest of the fabric.
 */
export const APPLE_CPU_BANDWIDTH_SHARE = 0.6;

/** Peak bandwidth of one 64-bit DDR channel, bytes/s (transfer rate × 8 bytes; r1-family.md §7). */
export function ddrChannelBandwidth(megaTransfersPerSecond: number): number {
    return megaTransfersPerSecond * 1e6 * 8;
}

/** DDR configurations used by the profiles and as fallbacks. */
export const DDR_CONFIGS = {
    "ddr4-3200-dual": 2 * ddrChannelBandwidth(3200),
    "ddr5-5600-dual": 2 * ddrChannelBandwidth(5600),
    "ddr5-4800-12ch": 12 * ddrChannelBandwidth(4800),
    "ddr5-4800-24ch": 24 * ddrChannelBandwidth(4800)
} as const;

/** The first known GPU whose match strings occur in `name` (case-insensitive). */
export function findKnownGpu(name: string): KnownGpu | undefined {
    const n = name.toLowerCase();
    return KNOWN_GPUS.find((g) => g.match.some((m) => n.includes(m)));
}

/** The Apple chip named in a CPU brand string such as `Apple M3 Max`. */
export function findKnownAppleChip(brand: string): KnownAppleChip | undefined {
    const n = brand.toLowerCase();
    return KNOWN_APPLE_CHIPS.find((c) => n.includes(c.match));
}

/**
 * Share of unified memory macOS lets the GPU wire by default (`iogpu.wired_limit_mb` = 0):
 * about two thirds up to 36 GB, three quarters above (as llama.cpp's Metal backend reports
 * `recommendedMaxWorkingSetSize`).
 */
export function appleGpuShare(totalBytes: number): number {
    return totalBytes <= 36 * 2 ** 30 ? 2 / 3 : 3 / 4;
}
