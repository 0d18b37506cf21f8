import type {LlamaCppBackend} from "./types.js";

/** What decides the backend of a build; gathered by `detectBuildMachine`. */
export interface BuildMachine {
    readonly platform: NodeJS.Platform;
    readonly arch: string;
    /** Path of nvcc (CUDA toolkit), when found. */
    readonly nvcc?: string;
    /** `true` when an NVIDIA driver is loaded (`/proc/driver/nvidia/version`); unknown off Linux. */
    readonly nvidiaDriver?: boolean;
    /** `true` when a Vulkan SDK is found (`VULKAN_SDK`, or glslc with the Vulkan headers). */
    readonly vulkanSdk: boolean;
}

/** The chosen backend and, when it is not the obvious one, why. */
export interface BackendChoice {
    readonly backend: LlamaCppBackend;
    readonly reason: string;
}

/**
 * The backend `r1 engine build` compiles for: CUDA when nvcc is found (and, on Linux, an NVIDIA
 * driver is loaded: a CUDA toolkit on a machine without a GPU builds for a device that is not
 * there), Metal on Apple Silicon, Vulkan when its SDK is found, else CPU.
 */
export function chooseBackend(machine: BuildMachine): BackendChoice {
    if (machine.platform === "darwin" && machine.arch === "arm64") return {backend: "metal", reason: "Apple Silicon"};
    if (machine.nvcc !== undefined) {
        if (machine.nvidiaDriver !== false) return {backend: "cuda", reason: `nvcc at ${machine.nvcc}`};
        if (!machine.vulkanSdk) return {backend: "cpu", reason: `nvcc at ${machine.nvcc} but no NVIDIA driver is loaded (use --backend cuda to build for it anyway)`};
    }
    if (machine.vulkanSdk) return {backend: "vulkan", reason: "Vulkan SDK found"};
    return {backend: "cpu", reason: "no CUDA toolkit, Metal or Vulkan SDK found"};
}
