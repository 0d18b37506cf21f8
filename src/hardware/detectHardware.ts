import {execFile} from "node:child_process";
import {readFile} from "node:fs/promises";
import os from "node:os";
import {estimateCpuFlops} from "./cpuFlops.js";
import {APPLE_CPU_BANDWIDTH_SHARE, appleGpuShare, DDR_CONFIGS, findKnownAppleChip, findKnownGpu} from "./knownParts.js";
import {ASSUMED_NVME_READ_BYTES_PER_SECOND} from "./profiles.js";
import {loadHardwareProbe, type HardwareProbe} from "./probeHardware.js";
import {detectSysfsGpus, SYSFS_DRM_ROOT} from "./detectSysfsGpus.js";
import type {GpuDevice, HardwareProfile} from "./types.js";

const GB = 1e9;
const MiB = 2 ** 20;

/** `nvidia-smi` answers in ~50–300 ms; beyond this it is hung (a driver problem) and r1 goes on without it. */
const NVIDIA_SMI_TIMEOUT_MS = 3000;
/** Output of the helper commands is small; anything bigger is not what we asked for. */
const MAX_COMMAND_OUTPUT_BYTES = 1 << 20;

export interface DetectHardwareOptions {
    /** Query `nvidia-smi` for NVIDIA GPUs. Defaults to `true`. */
    readonly nvidia?: boolean;
    /** Read AMD/Intel GPUs from sysfs (Linux). Defaults to `true`. */
    readonly sysfs?: boolean;
    /** Where the DRM cards are listed. Defaults to `/sys/class/drm`. */
    readonly sysfsRoot?: string;
    /** Use a cached `r1 hw --probe` result for this machine when present. Defaults to `true`. */
    readonly useProbeCache?: boolean;
    /** Directory of the probe cache. Defaults to `R1_HOME` (`~/.r1`). */
    readonly r1Home?: string;
}

/**
 * Detects this machine: CPU model, cores and SIMD ISA, RAM total/available, NVIDIA GPUs via
 * `nvidia-smi`, AMD/Intel GPUs from sysfs (Vulkan devices), Apple Silicon unified memory (and the GPU's default share of it). Bandwidths come
 * from the known-parts tables, or from a cached `r1 hw --probe`. Fast (no GPU runtime is loaded)
 * and never throws for a missing tool: what could not be found is listed in `notes`.
 */
export async function detectHardware(options: DetectHardwareOptions = {}): Promise<HardwareProfile> {
    const notes: string[] = [];
    const platform = os.platform();
    const arch = os.arch();
    const cpus = os.cpus();
    const model = (cpus[0]?.model ?? "unknown CPU").trim();
    const logicalCores = cpus.length || 1;
    const [isa, physicalCores, freeBytes, nvidiaGpus, sysfs] = await Promise.all([
        detectIsa(platform, arch), detectPhysicalCores(platform, logicalCores), detectFreeMemory(platform),
        options.nvidia === false ? Promise.resolve([]) : detectNvidiaGpus(notes),
        platform === "linux" && options.sysfs !== false ? detectSysfsGpus({root: options.sysfsRoot ?? SYSFS_DRM_ROOT}) : Promise.resolve({gpus: [], notes: []})
    ]);
    const totalBytes = os.totalmem();
    const gpus: GpuDevice[] = [...nvidiaGpus];
    notes.push(...sysfs.notes);
    // One backend runs a model: with NVIDIA GPUs present r1 plans CUDA; AMD/Intel cards run through Vulkan otherwise.
    if (nvidiaGpus.length === 0) gpus.push(...sysfs.gpus);
    else for (const g of sysfs.gpus) notes.push(`${g.name} also present; r1 plans on the NVIDIA GPUs (CUDA), which do not share work with it`);
    const apple = platform === "darwin" && arch === "arm64" ? findKnownAppleChip(model) : undefined;
    let ramBandwidth: number = DDR_CONFIGS["ddr4-3200-dual"];
    let ramBandwidthSource: "table" | "assumed" | "probe" = "assumed";
    if (apple !== undefined) {
        ramBandwidth = apple.bandwidthBytesPerSecond * APPLE_CPU_BANDWIDTH_SHARE;
        ramBandwidthSource = "table";
        gpus.push({
            name: `${apple.name} GPU`, backend: "metal", vramBytes: Math.floor(totalBytes * appleGpuShare(totalBytes)),
            bandwidthBytesPerSecond: apple.bandwidthBytesPerSecond, bandwidthSource: "table",
            fp16FlopsPerSecond: apple.fp16FlopsPerSecond, unifiedMemory: true
        });
    } else if (platform === "darwin" && arch === "arm64") {
        notes.push(`Apple chip "${model}" is not in r1's table; its GPU is not counted (try r1 hw --probe)`);
    }
    let cpuFlops = estimateCpuFlops(isa, arch, physicalCores, cpus[0]?.speed ?? 0);
    let cpuFlopsSource: "assumed" | "probe" = "assumed";
    const probe: HardwareProbe | undefined = options.useProbeCache === false ? undefined
        : await loadHardwareProbe({r1Home: options.r1Home, cpuModel: model, totalBytes});
    if (probe !== undefined) {
        ramBandwidth = probe.readBytesPerSecond;
        ramBandwidthSource = "probe";
        notes.push(probeNote(probe));
        // The probe's matmul is scalar JavaScript: a floor for llama.cpp's SIMD kernels, not an
        // estimate of them. It replaces the ISA estimate only where it is higher, and only then is
        // the CPU figure labelled as probed (a probe of 0.3 GFLOPS once showed as "~115 GFLOPS (probed)").
        if (probe.matmulFlopsPerSecond > cpuFlops) {
            cpuFlops = probe.matmulFlopsPerSecond;
            cpuFlopsSource = "probe";
        }
    } else if (ramBandwidthSource === "assumed") {
        notes.push("RAM bandwidth assumed (dual-channel DDR4-3200); run `r1 hw --probe` to measure it");
    }
    if (gpus.length === 0 && platform !== "darwin") notes.push(`no GPU found (nvidia-smi${platform === "linux" ? ", /sys/class/drm" : ""})`);
    return {
        name: "this machine", source: "detected",
        description: `${model}, ${physicalCores} cores, ${(totalBytes / GB).toFixed(0)} GB RAM` +
            (gpus.length > 0 ? `, ${gpus.map((g) => g.name).join(" + ")}` : ""),
        platform,
        cpu: {model, physicalCores, logicalCores, isa, arch, flopsPerSecond: cpuFlops, flopsSource: cpuFlopsSource},
        ram: {totalBytes, freeBytes, bandwidthBytesPerSecond: ramBandwidth, bandwidthSource: ramBandwidthSource},
        gpus, diskReadBytesPerSecond: ASSUMED_NVME_READ_BYTES_PER_SECOND, notes
    };
}

const INTERESTING_FLAGS = ["avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_int8", "amx_bf16"];

async function detectIsa(platform: string, arch: string): Promise<string[]> {
    if (arch === "arm64") {
        // Every Apple Silicon and ARMv8.2+ server core has NEON and dot products.
        const isa = ["neon"];
        if (platform === "darwin") isa.push("dotprod", "apple");
        else {
            const flags = await cpuinfoField("Features");
            if (flags.includes("asimddp")) isa.push("dotprod");
            if (flags.includes("sve")) isa.push("sve");
        }
        return isa;
    }
    if (platform === "linux") {
        const flags = await cpuinfoField("flags");
        return INTERESTING_FLAGS.filter((f) => flags.includes(f));
    }
    if (platform === "darwin") {
        const out = await run("sysctl", ["-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"], 1000);
        const words = (out ?? "").toLowerCase().split(/\s+/);
        const map: Record<string, string> = {"avx1.0": "avx", avx2: "avx2", fma: "fma", f16c: "f16c", avx512f: "avx512f"};
        return [...new Set(words.map((w) => map[w]).filter((x): x is string => x !== undefined))];
    }
    return [];
}

async function cpuinfoField(field: string): Promise<string[]> {
    try {
        const text = await readFile("/proc/cpuinfo", "utf8");
        const line = text.split("\n").find((l) => l.startsWith(field));
        return line === undefined ? [] : line.slice(line.indexOf(":") + 1).trim().split(/\s+/);
    } catch {
        return [];
    }
}

async function detectPhysicalCores(platform: string, logical: number): Promise<number> {
    if (platform === "linux") {
        try {
            const text = await readFile("/proc/cpuinfo", "utf8");
            const pairs = new Set<string>();
            let physical = "0";
            for (const line of text.split("\n")) {
                if (line.startsWith("physical id")) physical = line.split(":")[1]?.trim() ?? "0";
                if (line.startsWith("core id")) pairs.add(`${physical}:${line.split(":")[1]?.trim()}`);
            }
            if (pairs.size > 0) return pairs.size;
        } catch { /* fall through */ }
    }
    if (platform === "darwin") {
        const out = await run("sysctl", ["-n", "hw.physicalcpu"], 1000);
        const n = Number(out?.trim());
        if (Number.isInteger(n) && n > 0) return n;
    }
    return logical;
}

/** Linux's MemAvailable counts reclaimable page cache, unlike os.freemem(). */
async function detectFreeMemory(platform: string): Promise<number> {
    if (platform === "linux") {
        try {
            const text = await readFile("/proc/meminfo", "utf8");
            const match = /^MemAvailable:\s+(\d+) kB/m.exec(text);
            if (match !== null) return Number(match[1]) * 1024;
        } catch { /* fall through */ }
    }
    return os.freemem();
}

async function detectNvidiaGpus(notes: string[]): Promise<GpuDevice[]> {
    const out = await run("nvidia-smi", ["--query-gpu=name,memory.total,memory.free", "--format=csv,noheader,nounits"], NVIDIA_SMI_TIMEOUT_MS);
    if (out === undefined) return [];
    return parseNvidiaSmi(out, notes);
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits` (MiB). */
export function parseNvidiaSmi(csv: string, notes: string[] = []): GpuDevice[] {
    const gpus: GpuDevice[] = [];
    for (const line of csv.split("\n")) {
        const parts = line.split(",").map((p) => p.trim());
        if (parts.length < 3) continue;
        const [name = "", total, free] = parts;
        const vramBytes = Number(total) * MiB;
        if (!(vramBytes > 0)) continue;
        const known = findKnownGpu(name);
        if (known === undefined) notes.push(`GPU "${name}" is not in r1's table: bandwidth assumed 500 GB/s`);
        gpus.push({
            name, backend: "cuda", vramBytes, freeVramBytes: Number(free) * MiB,
            bandwidthBytesPerSecond: known?.bandwidthBytesPerSecond ?? 500 * GB,
            bandwidthSource: known === undefined ? "assumed" : "table",
            fp16FlopsPerSecond: known?.fp16FlopsPerSecond ?? 100e12, unifiedMemory: false
        });
    }
    return gpus;
}

/** Where each probed figure comes from and how much it spread, for `r1 hw` and `r1 plan`. */
export function probeNote(probe: HardwareProbe): string {
    const gb = (x: number) => (x / 1e9).toFixed(1);
    const spread = probe.readBytesPerSecondMedian === undefined || probe.readPasses === undefined ? ""
        : ` (best of ${probe.readPasses} passes; median ${gb(probe.readBytesPerSecondMedian)})`;
    return `r1 hw --probe (${probe.measuredAt.slice(0, 16).replace("T", " ")} UTC): RAM read ${gb(probe.readBytesPerSecond)} GB/s${spread} over ${probe.threads} threads; ` +
        `scalar JavaScript matmul ${gb(probe.matmulFlopsPerSecond)} GFLOPS, a floor for llama.cpp's SIMD kernels, not used as the CPU figure unless higher`;
}

function run(command: string, args: string[], timeout: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        execFile(command, args, {timeout, maxBuffer: MAX_COMMAND_OUTPUT_BYTES, encoding: "utf8"}, (error, stdout) => {
            resolve(error === null ? stdout : undefined);
        });
    });
}
