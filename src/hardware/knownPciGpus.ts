const GB = 1e9;
const GiB = 2 ** 30;
const T = 1e12;

/** PCI vendor ids as sysfs writes them (`/sys/class/drm/card0/device/vendor`). */
export const PCI_VENDOR_AMD = "0x1002";
export const PCI_VENDOR_INTEL = "0x8086";
export const PCI_VENDOR_NVIDIA = "0x10de";

/** An AMD or Intel GPU recognised by its PCI device id (sysfs gives no marketing name). */
export interface KnownPciGpu {
    readonly vendor: string;
    /** PCI device id, lower-case hex with `0x`. */
    readonly device: string;
    /** Several boards share a die's id: the smallest VRAM (bytes) this entry needs. Defaults to 0. */
    readonly minVramBytes?: number;
    readonly name: string;
    /** Memory on the board (used when the driver does not report it). */
    readonly vramBytes: number;
    readonly bandwidthBytesPerSecond: number;
    /** Peak dense FP16 FLOP/s (WMMA / XMX where the part has them). */
    readonly fp16FlopsPerSecond: number;
    /** Integrated: reads system RAM, planned as the CPU. Defaults to `false`. */
    readonly integrated?: boolean;
}

// Device ids: the PCI ID Repository (pci-ids.ucw.cz, vendor 1002 / 8086). Memory, bandwidth and
// FP16 figures: the vendors' specification pages (amd.com/en/products/graphics/… "Peak Half
// Precision Compute Performance"; AMD Instinct data sheets; Intel ARK "Peak XMX FP16"). Boards
// that share a die's id are told apart by their VRAM (7900 XTX 24 GB vs 7900 XT 20 GB).
export const KNOWN_PCI_GPUS: readonly KnownPciGpu[] = [
    {vendor: PCI_VENDOR_AMD, device: "0x744c", minVramBytes: 22 * GiB, name: "AMD Radeon RX 7900 XTX", vramBytes: 24 * GiB, bandwidthBytesPerSecond: 960 * GB, fp16FlopsPerSecond: 122.8 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x744c", name: "AMD Radeon RX 7900 XT", vramBytes: 20 * GiB, bandwidthBytesPerSecond: 800 * GB, fp16FlopsPerSecond: 103 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x7480", name: "AMD Radeon RX 7600", vramBytes: 8 * GiB, bandwidthBytesPerSecond: 288 * GB, fp16FlopsPerSecond: 43.5 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x73bf", name: "AMD Radeon RX 6800/6900 (Navi 21)", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 512 * GB, fp16FlopsPerSecond: 41.5 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x73df", name: "AMD Radeon RX 6700 XT", vramBytes: 12 * GiB, bandwidthBytesPerSecond: 384 * GB, fp16FlopsPerSecond: 26.4 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x74a1", name: "AMD Instinct MI300X", vramBytes: 192 * GiB, bandwidthBytesPerSecond: 5300 * GB, fp16FlopsPerSecond: 1307 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x740c", name: "AMD Instinct MI250/MI250X", vramBytes: 64 * GiB, bandwidthBytesPerSecond: 1638 * GB, fp16FlopsPerSecond: 181 * T},
    {vendor: PCI_VENDOR_AMD, device: "0x738c", name: "AMD Instinct MI100", vramBytes: 32 * GiB, bandwidthBytesPerSecond: 1229 * GB, fp16FlopsPerSecond: 184.6 * T},
    {vendor: PCI_VENDOR_INTEL, device: "0x56a0", minVramBytes: 12 * GiB, name: "Intel Arc A770 16GB", vramBytes: 16 * GiB, bandwidthBytesPerSecond: 560 * GB, fp16FlopsPerSecond: 138 * T},
    {vendor: PCI_VENDOR_INTEL, device: "0x56a0", name: "Intel Arc A770 8GB", vramBytes: 8 * GiB, bandwidthBytesPerSecond: 512 * GB, fp16FlopsPerSecond: 138 * T},
    {vendor: PCI_VENDOR_INTEL, device: "0x56a1", name: "Intel Arc A750", vramBytes: 8 * GiB, bandwidthBytesPerSecond: 512 * GB, fp16FlopsPerSecond: 115 * T},
    {vendor: PCI_VENDOR_INTEL, device: "0xe20b", name: "Intel Arc B580", vramBytes: 12 * GiB, bandwidthBytesPerSecond: 456 * GB, fp16FlopsPerSecond: 117 * T}
];

/**
 * The table entry for a PCI vendor/device id (an MI250's sysfs shows each of its two dies as a
 * 64 GB device, hence 64 GiB per entry); where boards share an id, the first whose `minVramBytes`
 * the reported VRAM reaches, or the smallest board when the VRAM is not known.
 */
export function findKnownPciGpu(vendor: string, device: string, vramBytes?: number): KnownPciGpu | undefined {
    const candidates = KNOWN_PCI_GPUS.filter((g) => g.vendor === vendor.toLowerCase() && g.device === device.toLowerCase());
    // Unknown VRAM: the smallest board of the die (listed last), so r1 never plans on memory that may not be there.
    if (vramBytes === undefined) return candidates.at(-1);
    return candidates.find((g) => vramBytes >= (g.minVramBytes ?? 0)) ?? candidates.at(-1);
}
