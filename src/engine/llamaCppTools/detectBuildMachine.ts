import {existsSync} from "node:fs";
import path from "node:path";
import type {BuildMachine} from "./chooseBackend.js";
import type {BuildPrerequisites, PackageManager} from "./checkBuildPrerequisites.js";
import {findOnPath} from "./findLlamaCppTools.js";

/** Everything `r1 engine build` looks for before it starts. */
export interface DetectedBuildMachine extends BuildMachine, BuildPrerequisites {
    readonly ninja?: string;
}

/** Finds the build tools, the CUDA toolkit, an NVIDIA driver and a Vulkan SDK on this machine. */
export async function detectBuildMachine(env: NodeJS.ProcessEnv = process.env): Promise<DetectedBuildMachine> {
    const pathList = env.PATH ?? "";
    const first = async (names: readonly string[]) => {
        for (const name of names) {
            const found = await findOnPath(name, pathList);
            if (found !== undefined) return found;
        }
        return undefined;
    };
    const cxx = env.CXX !== undefined && env.CXX !== "" ? await first([env.CXX]) ?? (path.isAbsolute(env.CXX) && existsSync(env.CXX) ? env.CXX : undefined)
        : await first(["c++", "g++", "clang++"]);
    // The CUDA toolkit is often installed without being put on PATH.
    const nvcc = await first(["nvcc"])
        ?? [env.CUDA_PATH, env.CUDA_HOME, "/usr/local/cuda"].filter((dir): dir is string => dir !== undefined && dir !== "")
            .map((dir) => path.join(dir, "bin", "nvcc")).find((file) => existsSync(file));
    const glslc = await first(["glslc"]);
    const vulkanSdk = (env.VULKAN_SDK !== undefined && env.VULKAN_SDK !== "")
        || (glslc !== undefined && (existsSync("/usr/include/vulkan/vulkan.h") || existsSync("/usr/local/include/vulkan/vulkan.h")));
    const packageManager: PackageManager = process.platform === "darwin" ? "brew"
        : await first(["apt-get"]) !== undefined ? "apt" : await first(["dnf"]) !== undefined ? "dnf" : undefined;
    return {
        platform: process.platform,
        arch: process.arch,
        packageManager,
        cmake: await first(["cmake"]),
        cxx,
        git: await first(["git"]),
        ninja: await first(["ninja", "ninja-build"]),
        nvcc,
        ...process.platform === "linux" ? {nvidiaDriver: existsSync("/proc/driver/nvidia/version")} : {},
        vulkanSdk
    };
}
