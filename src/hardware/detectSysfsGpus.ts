import {readdir, readFile, realpath} from "node:fs/promises";
import path from "node:path";
import {findKnownPciGpu, PCI_VENDOR_AMD, PCI_VENDOR_INTEL, PCI_VENDOR_NVIDIA} from "./knownPciGpus.js";
import type {GpuDevice} from "./types.js";

const GB = 1e9;
const GiB = 2 ** 30;

/** Where Linux lists DRM devices. */
export const SYSFS_DRM_ROOT = "/sys/class/drm";
/** Cards r1 looks at: a machine has a handful; a huge listing is not a real sysfs. */
const MAX_DRM_CARDS = 64;
/** sysfs attribute files are a line; anything bigger is not one. */
const MAX_SYSFS_FILE_BYTES = 4096;
/**
 * An AMD GPU with less dedicated memory than this is an APU's carve-out (512 MiB–2 GiB by
 * default), not a discrete card: it reads the same RAM as the CPU.
 */
const MIN_DISCRETE_VRAM_BYTES = 4 * GiB;
/** Figures assumed for a discrete AMD/Intel GPU r1's table does not know (a mid-range card). */
const ASSUMED_BANDWIDTH = 400 * GB;
const ASSUMED_FP16_FLOPS = 40e12;

/** What sysfs says about one DRM card, before any judgement. */
export interface SysfsGpuFacts {
    /** `card0`… */
    readonly card: string;
    /** PCI vendor and device ids, lower-case hex with `0x`. */
    readonly vendor: string;
    readonly device: string;
    /** Kernel driver (`amdgpu`, `i915`, `xe`, `nvidia`), from the device's uevent. */
    readonly driver?: string;
    /** amdgpu `mem_info_vram_total` / `mem_info_vram_used`; Intel `lmem_total_bytes` (i915 DKMS) or xe `tile0/physical_vram_size_bytes`. */
    readonly vramTotalBytes?: number;
    readonly vramUsedBytes?: number;
    /** amdgpu `product_name` (set on data-center parts). */
    readonly productName?: string;
}

export interface SysfsGpuResult {
    /** Discrete AMD/Intel GPUs, as Vulkan devices. */
    readonly gpus: GpuDevice[];
    readonly notes: string[];
}

/**
 * Reads `/sys/class/drm/card*∕device/` (vendor and device ids, the driver, amdgpu's
 * `mem_info_vram_total`/`_used`, Intel's local-memory size where the driver exposes one) without
 * loading any GPU runtime, then classifies the cards with `classifySysfsGpus`. Never throws: no
 * sysfs (macOS, containers) is an empty result.
 */
export async function detectSysfsGpus(options: {root?: string} = {}): Promise<SysfsGpuResult> {
    return classifySysfsGpus(await readSysfsGpus(options.root ?? SYSFS_DRM_ROOT));
}

/** The facts of every `cardN` under `root` (connectors like `card0-DP-1` skipped, one entry per PCI device). */
export async function readSysfsGpus(root: string): Promise<SysfsGpuFacts[]> {
    let entries: string[];
    try {
        entries = (await readdir(root)).filter((e) => /^card\d+$/.test(e)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))).slice(0, MAX_DRM_CARDS);
    } catch {
        return [];
    }
    const facts: SysfsGpuFacts[] = [];
    const seen = new Set<string>();
    for (const card of entries) {
        const cardDir = path.join(root, card);
        const deviceDir = path.join(cardDir, "device");
        const vendor = (await readSmall(path.join(deviceDir, "vendor")))?.toLowerCase();
        const device = (await readSmall(path.join(deviceDir, "device")))?.toLowerCase();
        if (vendor === undefined || device === undefined) continue;
        const identity = await realpath(deviceDir).catch(() => deviceDir);
        if (seen.has(identity)) continue;
        seen.add(identity);
        const driver = /^DRIVER=(.+)$/m.exec(await readSmall(path.join(deviceDir, "uevent")) ?? "")?.[1]?.trim();
        const vramTotal = await readBytes(path.join(deviceDir, "mem_info_vram_total")) ??
            await readBytes(path.join(cardDir, "lmem_total_bytes")) ??
            await readBytes(path.join(deviceDir, "tile0", "physical_vram_size_bytes"));
        const vramUsed = await readBytes(path.join(deviceDir, "mem_info_vram_used"));
        const productName = await readSmall(path.join(deviceDir, "product_name"));
        facts.push({
            card, vendor, device, ...(driver === undefined ? {} : {driver}),
            ...(vramTotal === undefined ? {} : {vramTotalBytes: vramTotal}), ...(vramUsed === undefined ? {} : {vramUsedBytes: vramUsed}),
            ...(productName === undefined || productName === "" ? {} : {productName})
        });
    }
    return facts;
}

/**
 * Pure: which cards r1 can plan on. Discrete AMD (known device id, or ≥ 4 GiB of VRAM) and Intel
 * (a local-memory size exposed) GPUs become Vulkan devices with the table's bandwidth and FLOPS
 * where the PCI id is known (assumed figures otherwise, said in a note); integrated GPUs and
 * NVIDIA cards (those come from `nvidia-smi`) only get a note.
 */
export function classifySysfsGpus(facts: readonly SysfsGpuFacts[]): SysfsGpuResult {
    const gpus: GpuDevice[] = [];
    const notes: string[] = [];
    for (const f of facts) {
        if (f.vendor === PCI_VENDOR_NVIDIA) continue;
        if (f.vendor !== PCI_VENDOR_AMD && f.vendor !== PCI_VENDOR_INTEL) continue;
        const vendorName = f.vendor === PCI_VENDOR_AMD ? "AMD" : "Intel";
        const known = findKnownPciGpu(f.vendor, f.device, f.vramTotalBytes);
        const name = known?.name ?? f.productName ?? `${vendorName} GPU ${f.device}`;
        const discrete = known !== undefined ? !known.integrated
            : f.vendor === PCI_VENDOR_AMD ? (f.vramTotalBytes ?? 0) >= MIN_DISCRETE_VRAM_BYTES
                : f.vramTotalBytes !== undefined && f.vramTotalBytes > 0;
        if (!discrete) {
            notes.push(`${name} (${f.card}) is integrated: it reads the same RAM as the CPU, so r1 plans on the CPU`);
            continue;
        }
        const vramBytes = f.vramTotalBytes ?? known?.vramBytes;
        if (vramBytes === undefined || !(vramBytes > 0)) {
            notes.push(`${name} (${f.card}): its memory size is not in sysfs (${f.driver ?? "unknown driver"}); not counted`);
            continue;
        }
        if (known === undefined) notes.push(`GPU "${name}" (PCI ${f.vendor}:${f.device}) is not in r1's table: bandwidth assumed ${ASSUMED_BANDWIDTH / GB} GB/s`);
        gpus.push({
            name, backend: "vulkan", vramBytes,
            ...(f.vramUsedBytes === undefined ? {} : {freeVramBytes: Math.max(0, vramBytes - f.vramUsedBytes)}),
            bandwidthBytesPerSecond: known?.bandwidthBytesPerSecond ?? ASSUMED_BANDWIDTH,
            bandwidthSource: known === undefined ? "assumed" : "table",
            fp16FlopsPerSecond: known?.fp16FlopsPerSecond ?? ASSUMED_FP16_FLOPS, unifiedMemory: false
        });
    }
    return {gpus, notes};
}

async function readSmall(file: string): Promise<string | undefined> {
    try {
        const text = await readFile(file, "utf8");
        return text.length > MAX_SYSFS_FILE_BYTES ? undefined : text.trim();
    } catch {
        return undefined;
    }
}

async function readBytes(file: string): Promise<number | undefined> {
    const text = await readSmall(file);
    if (text === undefined || !/^\d+$/.test(text)) return undefined;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
}
