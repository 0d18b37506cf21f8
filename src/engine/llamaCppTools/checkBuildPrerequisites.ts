import {BuildPrerequisiteMissingError} from "./buildErrors.js";
import type {LlamaCppBackend} from "./types.js";

/** The package manager whose commands the hints give. */
export type PackageManager = "apt" | "brew" | "dnf" | undefined;

/** What was found on this machine (paths), as `detectBuildMachine` reports it. */
export interface BuildPrerequisites {
    readonly platform: NodeJS.Platform;
    readonly packageManager: PackageManager;
    readonly cmake?: string;
    readonly cxx?: string;
    readonly git?: string;
    readonly nvcc?: string;
    readonly vulkanSdk: boolean;
}

interface Package {
    readonly apt: string;
    readonly brew: string;
    readonly dnf: string;
}

const PACKAGES: Record<"cmake" | "cxx" | "git" | "cuda" | "vulkan", Package> = {
    cmake: {apt: "sudo apt-get install cmake", brew: "brew install cmake", dnf: "sudo dnf install cmake"},
    cxx: {apt: "sudo apt-get install g++", brew: "xcode-select --install", dnf: "sudo dnf install gcc-c++"},
    git: {apt: "sudo apt-get install git", brew: "xcode-select --install", dnf: "sudo dnf install git"},
    cuda: {apt: "sudo apt-get install nvidia-cuda-toolkit (or NVIDIA's cuda-toolkit package), then put nvcc on PATH",
        brew: "CUDA is not available on macOS", dnf: "install NVIDIA's cuda-toolkit package, then put nvcc on PATH"},
    vulkan: {apt: "sudo apt-get install libvulkan-dev glslc", brew: "brew install vulkan-headers vulkan-loader shaderc molten-vk",
        dnf: "sudo dnf install vulkan-headers vulkan-loader-devel glslc"}
};

function installHint(what: keyof typeof PACKAGES, manager: PackageManager, fallback: string): string {
    return manager === undefined ? fallback : `install it: ${PACKAGES[what][manager]}`;
}

/**
 * The first thing missing for a build of `backend`, as a one-line error naming it and how to get
 * it, or `undefined` when everything is there. `needSources` adds git (the sources are a git
 * bundle that still has to be cloned).
 */
export function missingPrerequisite(found: BuildPrerequisites, backend: LlamaCppBackend, needSources: boolean): BuildPrerequisiteMissingError | undefined {
    const manager = found.packageManager;
    if (found.cmake === undefined)
        return new BuildPrerequisiteMissingError("cmake", installHint("cmake", manager, "install cmake 3.14 or newer from your package manager or cmake.org"));
    if (found.cxx === undefined)
        return new BuildPrerequisiteMissingError("a C++ compiler (c++, g++ or clang++)",
            installHint("cxx", manager, "install g++ or clang++ (or set CXX to one)"));
    if (needSources && found.git === undefined)
        return new BuildPrerequisiteMissingError("git (to unpack node-llama-cpp's llama.cpp sources)", installHint("git", manager, "install git"));
    if (backend === "cuda" && found.nvcc === undefined)
        return new BuildPrerequisiteMissingError("the CUDA toolkit (nvcc)",
            `${installHint("cuda", manager, "install NVIDIA's CUDA toolkit and put nvcc on PATH")}; or build for the CPU with --backend cpu`);
    if (backend === "vulkan" && !found.vulkanSdk)
        return new BuildPrerequisiteMissingError("the Vulkan SDK (headers, loader and glslc)",
            `${installHint("vulkan", manager, "install the Vulkan SDK (vulkan.lunarg.com) and set VULKAN_SDK")}; or build for the CPU with --backend cpu`);
    return undefined;
}
