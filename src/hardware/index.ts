export type {CpuInfo, FigureSource, GpuBackend, GpuDevice, HardwareProfile, MemoryInfo} from "./types.js";
export {detectHardware, parseNvidiaSmi, probeNote, type DetectHardwareOptions} from "./detectHardware.js";
export {probeHardware, loadHardwareProbe, passRates, parseCacheSize, HardwareProbeTimeoutError, HARDWARE_PROBE_FILE, type HardwareProbe, type ProbeHardwareOptions} from "./probeHardware.js";
export {hardwareProfile, hardwareProfileNames, customHardware, UnknownHardwareProfileError, ASSUMED_NVME_READ_BYTES_PER_SECOND,
    type CustomHardwareOptions} from "./profiles.js";
export {KNOWN_GPUS, KNOWN_APPLE_CHIPS, DDR_CONFIGS, APPLE_CPU_BANDWIDTH_SHARE, ddrChannelBandwidth, findKnownGpu, findKnownAppleChip, appleGpuShare,
    type KnownGpu, type KnownAppleChip} from "./knownParts.js";
export {estimateCpuFlops, CPU_MATMUL_EFFICIENCY} from "./cpuFlops.js";
export {r1HomeDir, writeJsonAtomic} from "./r1HomeDir.js";
export {resolveHardware, type ResolveHardwareOptions} from "./resolveHardware.js";
export {formatBytes, formatGiB, hardwareLines} from "./formatHardware.js";
export {detectSysfsGpus, readSysfsGpus, classifySysfsGpus, SYSFS_DRM_ROOT, type SysfsGpuFacts, type SysfsGpuResult} from "./detectSysfsGpus.js";
export {KNOWN_PCI_GPUS, findKnownPciGpu, PCI_VENDOR_AMD, PCI_VENDOR_INTEL, PCI_VENDOR_NVIDIA, type KnownPciGpu} from "./knownPciGpus.js";
export {readCpuinfo} from "./readCpuinfo.js";
