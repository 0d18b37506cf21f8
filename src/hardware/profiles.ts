import {ExitCode, R1Error} from "../util/R1Error.js";
import {APPLE_CPU_BANDWIDTH_SHARE, DDR_CONFIGS, findKnownAppleChip, findKnownGpu, appleGpuShare} from "./knownParts.js";
import {estimateCpuFlops} from "./cpuFlops.js";
import type {GpuDevice, HardwareProfile} from "./types.js";

const GB = 1e9;
const GiB = 2 ** 30;

/** NVMe Gen4 sequential read; only matters when weights stream from disk. */
export const ASSUMED_NVME_READ_BYTES_PER_SECOND = 5 * GB;

/** A what-if profile name that does not exist. */
export class UnknownHardwareProfileError extends R1Error {
    constructor(readonly profileName: string) {
        super(`unknown hardware profile "${profileName}"; valid: ${hardwareProfileNames().join(", ")}`, {exitCode: ExitCode.usage});
    }
}

function nvidia(partName: string, count = 1): GpuDevice[] {
    const part = findKnownGpu(partName);
    if (part === undefined) throw new Error(`bug: no known GPU "${partName}"`);
    return Array.from({length: count}, () => ({
        name: part.name, backend: "cuda" as const, vramBytes: part.vramBytes, bandwidthBytesPerSecond: part.bandwidthBytesPerSecond,
        bandwidthSource: "table" as const, fp16FlopsPerSecond: part.fp16FlopsPerSecond, unifiedMemory: false
    }));
}

/** A desktop with one or more NVIDIA cards, 16 Zen 4/Raptor Lake-class cores and dual-channel DDR5. */
function desktop(name: string, description: string, gpus: GpuDevice[], ramGB = 64): HardwareProfile {
    const isa = ["avx2", "fma", "f16c", "avx_vnni"];
    return {
        name, source: "profile", description, platform: "linux",
        cpu: {model: "16-core desktop CPU (AVX2)", physicalCores: 16, logicalCores: 32, isa, arch: "x64",
            flopsPerSecond: estimateCpuFlops(isa, "x64", 16, 4500), flopsSource: "profile"},
        ram: {totalBytes: ramGB * GiB, freeBytes: ramGB * GiB, bandwidthBytesPerSecond: DDR_CONFIGS["ddr5-5600-dual"], bandwidthSource: "profile"},
        gpus, diskReadBytesPerSecond: ASSUMED_NVME_READ_BYTES_PER_SECOND, notes: []
    };
}

function mac(name: string, chip: string, ramGB: number, cores: number): HardwareProfile {
    const c = findKnownAppleChip(chip);
    if (c === undefined) throw new Error(`bug: no known chip "${chip}"`);
    const total = ramGB * GiB;
    const isa = ["neon", "dotprod", "apple"];
    return {
        name, source: "profile", description: `${c.name}, ${ramGB} GB unified memory`, platform: "darwin",
        cpu: {model: c.name, physicalCores: cores, logicalCores: cores, isa, arch: "arm64",
            flopsPerSecond: estimateCpuFlops(isa, "arm64", cores, 3500), flopsSource: "profile"},
        ram: {totalBytes: total, freeBytes: total, bandwidthBytesPerSecond: c.bandwidthBytesPerSecond * APPLE_CPU_BANDWIDTH_SHARE, bandwidthSource: "profile"},
        gpus: [{name: `${c.name} GPU`, backend: "metal", vramBytes: Math.floor(total * appleGpuShare(total)),
            bandwidthBytesPerSecond: c.bandwidthBytesPerSecond, bandwidthSource: "table", fp16FlopsPerSecond: c.fp16FlopsPerSecond, unifiedMemory: true}],
        diskReadBytesPerSecond: 6 * GB, notes: []
    };
}

function server(name: string, description: string, gpus: GpuDevice[], ramGB: number, ramBandwidth: number, cores: number): HardwareProfile {
    const isa = ["avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16"];
    return {
        name, source: "profile", description, platform: "linux",
        cpu: {model: `${cores}-core server CPU (AVX-512)`, physicalCores: cores, logicalCores: cores * 2, isa, arch: "x64",
            flopsPerSecond: estimateCpuFlops(isa, "x64", cores, 3000), flopsSource: "profile"},
        ram: {totalBytes: ramGB * GiB, freeBytes: ramGB * GiB, bandwidthBytesPerSecond: ramBandwidth, bandwidthSource: "profile"},
        gpus, diskReadBytesPerSecond: 7 * GB, notes: []
    };
}

const profiles: Readonly<Record<string, () => HardwareProfile>> = {
    "rtx-3060-12gb": () => desktop("rtx-3060-12gb", "RTX 3060 12 GB + 32 GB DDR4", nvidia("3060"), 32),
    "rtx-3090": () => desktop("rtx-3090", "RTX 3090 24 GB + 64 GB DDR5", nvidia("3090")),
    "rtx-4090": () => desktop("rtx-4090", "RTX 4090 24 GB + 64 GB DDR5", nvidia("4090")),
    "rtx-5090": () => desktop("rtx-5090", "RTX 5090 32 GB + 64 GB DDR5", nvidia("5090")),
    "2x-rtx-3090": () => desktop("2x-rtx-3090", "2× RTX 3090 (48 GB) + 128 GB DDR5", nvidia("3090", 2), 128),
    "m4-max-48gb": () => mac("m4-max-48gb", "m4 max", 48, 14),
    "m4-max-128gb": () => mac("m4-max-128gb", "m4 max", 128, 16),
    "m3-ultra-192gb": () => mac("m3-ultra-192gb", "m3 ultra", 192, 28),
    "m3-ultra-512gb": () => mac("m3-ultra-512gb", "m3 ultra", 512, 32),
    "2x-h100-80gb": () => server("2x-h100-80gb", "2× H100 SXM 80 GB + 512 GB DDR5", nvidia("h100 sxm", 2), 512,
        DDR_CONFIGS["ddr5-4800-12ch"], 48),
    "h200": () => server("h200", "H200 141 GB + 512 GB DDR5", nvidia("h200"), 512, DDR_CONFIGS["ddr5-4800-12ch"], 48),
    // llama.cpp does not keep each socket's threads on its own memory, so a second socket adds
    // capacity but little usable bandwidth: r1 counts one socket's 12 channels.
    "epyc-2s-384gb-ddr5": () => server("epyc-2s-384gb-ddr5", "2-socket EPYC Genoa, 24× DDR5-4800 (384 GB; one socket's bandwidth counted), no GPU",
        [], 384, DDR_CONFIGS["ddr5-4800-12ch"], 64),
    "cpu-8gb": () => ({
        ...desktop("cpu-8gb", "a small laptop: 4 cores, 8 GB dual-channel DDR4, no GPU", [], 8),
        cpu: {model: "4-core laptop CPU (AVX2)", physicalCores: 4, logicalCores: 8, isa: ["avx2", "fma", "f16c"], arch: "x64",
            flopsPerSecond: estimateCpuFlops(["avx2"], "x64", 4, 3000), flopsSource: "profile"},
        ram: {totalBytes: 8 * GiB, freeBytes: 8 * GiB, bandwidthBytesPerSecond: DDR_CONFIGS["ddr4-3200-dual"], bandwidthSource: "profile"},
        diskReadBytesPerSecond: 2 * GB
    })
};

/** Names of the what-if profiles, for `--hardware`. */
export function hardwareProfileNames(): string[] {
    return Object.keys(profiles);
}

/** A what-if profile by name (case-insensitive). Throws {@link UnknownHardwareProfileError} listing the names. */
export function hardwareProfile(name: string): HardwareProfile {
    const make = profiles[name.toLowerCase()];
    if (make === undefined) throw new UnknownHardwareProfileError(name);
    return make();
}

export interface CustomHardwareOptions {
    /** GPU memory per GPU, GB (decimal). 0 or absent: no GPU. */
    readonly vramGB?: number;
    /** Number of such GPUs. Defaults to `1`. */
    readonly gpuCount?: number;
    /** System RAM, GB. Defaults to the base machine's. */
    readonly ramGB?: number;
    /** GPU memory bandwidth, GB/s. Defaults to the base GPU's, else 500. */
    readonly gpuBandwidthGBps?: number;
    /** System RAM bandwidth, GB/s. Defaults to the base machine's. */
    readonly ramBandwidthGBps?: number;
    /** Unified memory (Apple-style): the GPU's memory is part of the RAM. Defaults to the base's. */
    readonly unifiedMemory?: boolean;
}

/**
 * A machine described by flags (`--vram 24 --ram 64 --gpu-bandwidth 1008 --ram-bandwidth 80`),
 * starting from `base` (the detected machine or a profile) for everything not given.
 */
export function customHardware(base: HardwareProfile, options: CustomHardwareOptions): HardwareProfile {
    const baseGpu = base.gpus[0];
    const unified = options.unifiedMemory ?? baseGpu?.unifiedMemory ?? false;
    const ramBytes = options.ramGB === undefined ? base.ram.totalBytes : options.ramGB * GB;
    let gpus = base.gpus;
    if (options.vramGB !== undefined || options.gpuBandwidthGBps !== undefined || options.gpuCount !== undefined) {
        const vram = options.vramGB === undefined ? baseGpu?.vramBytes ?? 0 : options.vramGB * GB;
        const bandwidth = options.gpuBandwidthGBps === undefined ? baseGpu?.bandwidthBytesPerSecond ?? 500 * GB : options.gpuBandwidthGBps * GB;
        // Without a part name, FLOPS scale with bandwidth the way consumer NVIDIA cards do (~300 FLOP per byte/s).
        const flops = baseGpu?.fp16FlopsPerSecond ?? bandwidth * 300;
        gpus = vram <= 0 ? [] : Array.from({length: options.gpuCount ?? Math.max(1, base.gpus.length)}, (): GpuDevice => ({
            name: baseGpu?.name ?? "custom GPU", backend: baseGpu?.backend ?? "cuda", vramBytes: vram, bandwidthBytesPerSecond: bandwidth,
            bandwidthSource: "custom", fp16FlopsPerSecond: flops, unifiedMemory: unified
        }));
    }
    const ramBandwidth = options.ramBandwidthGBps === undefined ? base.ram.bandwidthBytesPerSecond : options.ramBandwidthGBps * GB;
    return {
        ...base, name: `custom (${base.name})`, source: "custom",
        description: `${base.description}, adjusted by flags`,
        ram: {totalBytes: ramBytes, freeBytes: Math.min(ramBytes, base.ram.freeBytes === base.ram.totalBytes ? ramBytes : base.ram.freeBytes),
            bandwidthBytesPerSecond: ramBandwidth, bandwidthSource: options.ramBandwidthGBps === undefined ? base.ram.bandwidthSource : "custom"},
        gpus
    };
}

