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
