import type {LoadingChoice} from "./types.js";

/** Below this measured mmap ÷ in-memory rate, reading the weights into memory is worth its slower start. */
export const MMAP_SLOWDOWN_THRESHOLD = 0.95;

export interface ChooseLoadingOptions {
    /** Weights the CPU reads from RAM (0 when everything is on GPUs). */
    readonly ramWeightsBytes: number;
    /** Weights that do not fit in RAM and would be re-read from disk. */
    readonly diskWeightsBytes: number;
    /** The probe's measured decode rate memory-mapped ÷ read into memory. Defaults to unmeasured. */
    readonly mmapRateRatio?: number;
    /** `--mmap` / `--no-mmap` from the command line. Defaults to the planner's choice. */
    readonly mmap?: boolean;
    /** `--mlock`. Defaults to `false`. */
    readonly mlock?: boolean;
}

/**
 * How to load the weights, llama.cpp's three ways: memory-mapped (its default: starts at once,
 * shares the page cache, lets the OS stream what RAM cannot hold), read into memory (`--no-mmap`:
 * anonymous memory, which some kernels serve much faster — Finding 3 of issue 18 measured 5.3 vs
 * 0.85 tok/s on a 6 GB file), or pinned (`--mlock`: never paged out). Pure.
 */
export function chooseLoading(options: ChooseLoadingOptions): LoadingChoice {
    const mlock = options.mlock ?? false;
    const pin = mlock ? "; pinned in RAM (--mlock)" : "";
    const ratio = options.mmapRateRatio;
    const measured = ratio === undefined ? "" : ` (measured: memory-mapped decode at ${Math.round(ratio * 100)}% of in-memory)`;
    if (options.mmap !== undefined) return {mmap: options.mmap, mlock, reason: `${options.mmap ? "memory-mapped" : "read into memory"} as asked${measured}${pin}`};
    if (options.diskWeightsBytes > 0)
        return {mmap: true, mlock: false, reason: "memory-mapped: the weights exceed RAM, so the OS streams the rest from disk (mlock would fail)"};
    if (options.ramWeightsBytes === 0) return {mmap: true, mlock, reason: `memory-mapped: every layer is on the GPU, mapping avoids a second copy in RAM${pin}`};
    if (ratio === undefined)
        return {mmap: true, mlock, reason: `memory-mapped (llama.cpp's default); unmeasured here — \`r1 hw --probe\` measures whether reading into memory decodes faster${pin}`};
    if (ratio < MMAP_SLOWDOWN_THRESHOLD) return {mmap: false, mlock, reason: `read into memory (--no-mmap): it fits in RAM and decodes faster${measured}${pin}`};
    return {mmap: true, mlock, reason: `memory-mapped: reading into memory gains nothing here${measured}, and mapping starts faster${pin}`};
}
