import {detectHardware, type DetectHardwareOptions} from "./detectHardware.js";
import {customHardware, hardwareProfile, type CustomHardwareOptions} from "./profiles.js";
import type {HardwareProfile} from "./types.js";

export interface ResolveHardwareOptions extends CustomHardwareOptions, DetectHardwareOptions {
    /** A what-if profile name (`rtx-4090`). Defaults to detecting this machine. */
    readonly profile?: string;
}

/**
 * The machine to plan for: a named profile or this machine, adjusted by any custom figures
 * (`--vram`, `--ram`, `--gpu-bandwidth`, `--ram-bandwidth`, `--gpus`). Throws
 * `UnknownHardwareProfileError` (listing the names) for an unknown profile.
 */
export async function resolveHardware(options: ResolveHardwareOptions = {}): Promise<HardwareProfile> {
    const base = options.profile !== undefined ? hardwareProfile(options.profile) : await detectHardware(options);
    const custom = options.vramGB !== undefined || options.ramGB !== undefined || options.gpuBandwidthGBps !== undefined ||
        options.ramBandwidthGBps !== undefined || options.gpuCount !== undefined || options.unifiedMemory !== undefined;
    return custom ? customHardware(base, options) : base;
}
