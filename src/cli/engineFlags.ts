import os from "node:os";
import type {Argv} from "yargs";
import {DEFAULT_CONTEXT_SIZE, type LoadModelOptions} from "../engine/embedded/loadModel.js";
import type {EngineDecision, EngineLoadOptions} from "../engine/loadEngineModel.js";
import type {LoadedModelInfo} from "../engine/types.js";
import {R1Error, ExitCode} from "../util/R1Error.js";
import {withContextSize, parseContextSize, type ContextSizeFlags} from "./options/contextSize.js";
import {parseEngineChoice, parseUpstreamUrl, withEngineChoice} from "./options/engine.js";
import {MAX_GPU_LAYERS, parseGpuLayers, withGpuLayers, type GpuLayersFlags} from "./options/gpuLayers.js";
import {parseKvCacheType, withKvCache, type KvCacheFlags} from "./options/kvCache.js";
import {withMmap, type MmapFlags} from "./options/mmap.js";
import {wholeNumber} from "./options/optionValue.js";
import {parseThreads, withThreads, type ThreadsFlags} from "./options/threads.js";

/** llama.cpp-style placement flags shared by commands that load a model (`run`, `serve`, `bench`). */
export interface EngineFlags extends GpuLayersFlags, ContextSizeFlags, ThreadsFlags, KvCacheFlags, MmapFlags {
    b?: number;
    fa?: string;
    verbose?: boolean;
    engine?: string;
    "llama-server"?: string;
    upstream?: string;
    "upstream-key"?: string;
    "n-cpu-moe"?: number;
    ot?: string[];
}

/** Most prompt tokens per batch `-b` accepts (llama.cpp's own default is 2048 for the logical batch). */
export const MAX_BATCH_SIZE = 1 << 16;

/**
 * Adds `-ngl -c -t -b --fa --cache-type-k/v --mmap --mlock --verbose --engine --llama-server
 * --upstream --n-cpu-moe -ot`, each concept from src/cli/options (spellings, limits, checks shared
 * with every other command that takes it).
 */
export function withEngineFlags<T>(yargs: Argv<T>): Argv<T & EngineFlags> {
    let y: Argv<T> = withGpuLayers(yargs, {describe: "layers on the GPU (default: as many as fit)"});
    y = withContextSize(y, {describe: `context size in tokens (default: ${DEFAULT_CONTEXT_SIZE}, never the full trained context)`});
    y = withThreads(y, {describe: "decode threads (default: physical cores)"});
    y = withKvCache(y);
    y = withMmap(y, {what: "load"});
    y = withEngineChoice(y);
    return y
        .option("b", {type: "number", alias: "batch-size", describe: "prompt tokens per batch (default: 512)"})
        .option("fa", {type: "string", choices: ["on", "off", "auto"], describe: "flash attention (default: auto)"})
        .option("verbose", {type: "boolean", default: false, describe: "print what was chosen for loading and why"})
        .option("n-cpu-moe", {type: "number", describe: "keep the MoE experts of the first N layers in RAM (llama-server)"})
        .option("ot", {alias: "override-tensor", type: "string", array: true, describe: "place tensors: REGEX=BUFFER, e.g. exps=CPU (llama-server; repeatable)"})
        .middleware((argv: Record<string, unknown>) => {
            // Checked while parsing, like the shared options, so a bad value stops the command before it loads anything.
            engineFlagsToLoadOptions(argv as EngineFlags);
            engineFlagsToEngineOptions(argv as EngineFlags);
        }) as unknown as Argv<T & EngineFlags>;
}

/** Turns the flags into load options; rejects nonsense with a one-line usage error (the shared parsers'). */
export function engineFlagsToLoadOptions(flags: EngineFlags): Omit<LoadModelOptions, "path"> {
    const options: Omit<LoadModelOptions, "path"> = {};
    if (flags.ngl !== undefined) options.gpuLayers = parseGpuLayers(flags.ngl);
    if (flags.c !== undefined) options.contextSize = parseContextSize(flags.c, "c");
    if (flags.t !== undefined) options.threads = parseThreads(flags.t);
    if (flags.b !== undefined) options.batchSize = wholeNumber("b", flags.b, 1, MAX_BATCH_SIZE);
    if (flags.mmap !== undefined) options.mmap = flags.mmap;
    if (flags.mlock !== undefined) options.mlock = flags.mlock;
    if (flags.fa === "on") options.flashAttention = true;
    else if (flags.fa === "off") options.flashAttention = false;
    if (flags["cache-type-k"] !== undefined) options.cacheTypeK = parseKvCacheType(flags["cache-type-k"], "cache-type-k");
    if (flags["cache-type-v"] !== undefined) options.cacheTypeV = parseKvCacheType(flags["cache-type-v"], "cache-type-v");
    return options;
}

/** One line per load decision and its reason, for `--verbose`. */
export function describeLoadDecisions(info: LoadedModelInfo, flags: EngineFlags, trainedContext?: number, contextReason?: string): string[] {
    const why = (given: unknown, otherwise: string) => given === undefined ? otherwise : "from the command line";
    return [
        `model: ${info.path} (${info.architecture}), loaded in ${(info.loadMs / 1000).toFixed(1)} s`,
        `gpu: ${info.gpu === false || info.gpu === undefined ? "none (CPU only)" : info.gpu}; layers on GPU: ${info.gpuLayers} (${why(flags.ngl, info.gpu === false ? "no GPU in use" : "as many as fit in free VRAM")})`,
        `context: ${info.contextSize} tokens (${why(flags.c, contextReason ?? `default${trainedContext === undefined || trainedContext <= info.contextSize ? "" : `; the model was trained for ${trainedContext}, which would cost far more memory`}`)})`,
        `threads: ${info.threads ?? "?"} (${why(flags.t, "one per physical core: decode is memory-bound and extra threads only spin")})`,
        `batch: ${info.batchSize ?? "?"} (${why(flags.b, "llama.cpp default")}); flash attention: ${info.flashAttention === true ? "on" : "off"} (${why(flags.fa, "llama.cpp's choice")})`,
        `KV cache: K ${flags["cache-type-k"] ?? "f16"}, V ${flags["cache-type-v"] ?? "f16"}; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "unset (4)"}`,
        `weights: ${info.mmap === false ? "read into memory" : "memory-mapped"}${info.mlock === true ? ", pinned (mlock)" : ""} (${why(flags.mmap ?? flags.mlock, "the planner's choice, or llama.cpp's default")})`,
        ...busyMachineWarning(info.threads ?? 1)
    ];
}

/**
 * llama.cpp's workers spin at a barrier after every matmul: when other processes keep the cores
 * busy, one descheduled worker stalls them all (measured here: 0.4 tok/s with 2 threads at load 11
 * on 2 cores, against 3.9 tok/s with 1 thread; see bench/RESULTS.md).
 */
export function busyMachineWarning(threads: number, load = os.loadavg()[0] ?? 0, cores = os.availableParallelism()): string[] {
    if (threads < 2 || load <= cores) return [];
    return [`warning: the machine is busy (load ${load.toFixed(1)} on ${cores} cores); ${threads} spinning decode threads stall each other — fewer threads (-t) may be faster until it calms down`];
}

/** The engine flags (`--engine --llama-server --upstream --upstream-key --n-cpu-moe -ot`) as engine load options. */
export function engineFlagsToEngineOptions(flags: EngineFlags): Omit<EngineLoadOptions, keyof LoadModelOptions> {
    const options: Omit<EngineLoadOptions, keyof LoadModelOptions> = {};
    if (flags.engine !== undefined) options.engine = parseEngineChoice(flags.engine);
    if (flags["llama-server"] !== undefined) options.llamaServerPath = flags["llama-server"];
    if (flags.upstream !== undefined) {
        const apiKey = flags["upstream-key"] ?? process.env.R1_UPSTREAM_KEY;
        options.upstream = {url: parseUpstreamUrl(flags.upstream), ...(apiKey === undefined || apiKey === "" ? {} : {apiKey})};
    } else if (flags["upstream-key"] !== undefined) throw new R1Error("--upstream-key needs --upstream URL", {exitCode: ExitCode.usage});
    if (flags["n-cpu-moe"] !== undefined) options.cpuMoeLayers = wholeNumber("n-cpu-moe", flags["n-cpu-moe"], 0, MAX_GPU_LAYERS);
    if (flags.ot !== undefined && flags.ot.length > 0) {
        for (const rule of flags.ot) if (!/^[^=,\s]+=[^=,\s]+$/.test(rule)) throw new R1Error(`-ot ${rule} is not REGEX=BUFFER (e.g. exps=CPU)`, {exitCode: ExitCode.usage});
        options.overrideTensors = flags.ot;
    }
    return options;
}

/** The `--verbose` line for the engine a load ran on. */
export function describeEngine(decision: EngineDecision | undefined): string[] {
    return decision === undefined ? [] : [`engine: ${decision.engine} (${decision.reason})`];
}
