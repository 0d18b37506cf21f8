import type {Argv} from "yargs";
import {validated, wholeNumber} from "./optionValue.js";

/** Most layers `-ngl` accepts; llama.cpp users write 999 for "all of them". */
export const MAX_GPU_LAYERS = 10_000;

export interface GpuLayersFlags {
    /** The same value under `ngl`, `n-gpu-layers` and `gpu-layers`. */
    ngl?: number;
    "n-gpu-layers"?: number;
    "gpu-layers"?: number;
}

export function parseGpuLayers(value: unknown): number {
    return wholeNumber("ngl", value, 0, MAX_GPU_LAYERS, "for example -ngl 99 for all layers, -ngl 0 for none");
}

/**
 * `-ngl` / `--n-gpu-layers` / `--gpu-layers`: layers on the GPU, 0 to `MAX_GPU_LAYERS`. llama.cpp
 * writes `-ngl` with one dash, so the command stops splitting one-dash groups (`-ngl` is not `-n -g -l`).
 */
export function withGpuLayers<T>(yargs: Argv<T>, options: {describe: string}): Argv<T & GpuLayersFlags> {
    const y = yargs.parserConfiguration({"short-option-groups": false})
        .option("ngl", {type: "number", alias: ["n-gpu-layers", "gpu-layers"], describe: options.describe});
    return validated(y, ["ngl", "n-gpu-layers", "gpu-layers"], parseGpuLayers) as unknown as Argv<T & GpuLayersFlags>;
}
