import os from "node:os";
import type {Argv} from "yargs";
import {DEFAULT_CONTEXT_SIZE, type LoadModelOptions} from "../engine/embedded/loadModel.js";
import {ENGINE_CHOICES, type EngineChoice, type EngineDecision, type EngineLoadOptions} from "../engine/loadEngineModel.js";
import type {LoadedModelInfo} from "../engine/types.js";
import {R1Error, ExitCode} from "../util/R1Error.js";

/** llama.cpp-style placement flags shared by commands that load a model (`run`, `bench`). */
export interface EngineFlags {
    ngl?: number;
    c?: number;
    t?: number;
    b?: number;
    fa?: string;
    "cache-type-k"?: string;
    "cache-type-v"?: string;
    mmap?: boolean;
    mlock?: boolean;
    verbose?: boolean;
    engine?: string;
    "llama-server"?: string;
    upstream?: string;
    "upstream-key"?: string;
    "n-cpu-moe"?: number;
    ot?: string[];
}

/**
 * Adds `-ngl -c -t -b --fa --cache-type-k/v --verbose`. llama.cpp spells `-ngl` with one dash, so
 * this command's parser stops splitting single-dash groups (`-ngl` is not `-n -g -l`).
 */
export function withEngineFlags<T>(yargs: Argv<T>): Argv<T & EngineFlags> {
    return yargs
        .parserConfiguration({"short-option-groups": false})
        .option("ngl", {type: "number", alias: "n-gpu-layers", describe: "layers on the GPU (default: as many as fit)"})
        .option("c", {type: "number", alias: ["ctx-size", "ctx"], describe: `context size in tokens (default: ${DEFAULT_CONTEXT_SIZE}, never the full trained context)`})
        .option("t", {type: "number", alias: "threads", describe: "decode threads (default: physical cores)"})
        .option("b", {type: "number", alias: "batch-size", describe: "prompt tokens per batch (default: 512)"})
        .option("fa", {type: "string", choices: ["on", "off", "auto"], describe: "flash attention (default: auto)"})
        .option("cache-type-k", {type: "string", describe: "KV cache type for keys: f16, q8_0, q4_0 (default: f16)"})
        .option("cache-type-v", {type: "string", describe: "KV cache type for values (default: f16)"})
        .option("mmap", {type: "boolean", describe: "memory-map the weights (--mmap) or read them into memory (--no-mmap); default: what `r1 plan` found faster here"})
        .option("mlock", {type: "boolean", describe: "pin the weights in RAM so they are never paged out"})
        .option("verbose", {type: "boolean", default: false, describe: "print what was chosen for loading and why"})
        .option("engine", {type: "string", choices: [...ENGINE_CHOICES], describe: "embedded (node-llama-cpp in r1), llama-server (llama.cpp's server, started and owned by r1) or auto: embedded unless the load needs llama-server (default: auto)"})
        .option("llama-server", {type: "string", describe: "the llama-server binary to use (default: r1 engine build's, else one on PATH)"})
        .option("upstream", {type: "string", describe: "use an OpenAI-compatible server (vLLM, SGLang, llama-server, r1) at this URL instead of loading a model"})
        .option("upstream-key", {type: "string", describe: "API key for --upstream (default: R1_UPSTREAM_KEY)"})
        .option("n-cpu-moe", {type: "number", describe: "keep the MoE experts of the first N layers in RAM (llama-server)"})
        .option("ot", {alias: "override-tensor", type: "string", array: true, describe: "place tensors: REGEX=BUFFER, e.g. exps=CPU (llama-server; repeatable)"}) as unknown as Argv<T & EngineFlags>;
}

const CACHE_TYPES = new Set(["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"]);

/** Turns the flags into load options; rejects nonsense with a one-line usage error. */
export function engineFlagsToLoadOptions(flags: EngineFlags): Omit<LoadModelOptions, "path"> {
    const options: Omit<LoadModelOptions, "path"> = {};
    const whole = (name: string, value: number | undefined, min: number) => {
        if (value === undefined) return undefined;
        if (!Number.isInteger(value) || value < min) throw new R1Error(`-${name} must be a whole number ≥ ${min}, got ${value}`, {exitCode: ExitCode.usage});
        return value;
    };
    const ngl = whole("ngl", flags.ngl, 0);
    if (ngl !== undefined) options.gpuLayers = ngl;
    const c = whole("c", flags.c, 16);
    if (c !== undefined) options.contextSize = c;
    const t = whole("t", flags.t, 1);
    if (t !== undefined) options.threads = t;
    const b = whole("b", flags.b, 1);
    if (b !== undefined) options.batchSize = b;
    if (flags.mmap !== undefined) options.mmap = flags.mmap;
    if (flags.mlock !== undefined) options.mlock = flags.mlock;
    if (flags.fa === "on") options.flashAttention = true;
    else if (flags.fa === "off") options.flashAttention = false;
    for (const [flag, key] of [["cache-type-k", "cacheTypeK"], ["cache-type-v", "cacheTypeV"]] as const) {
        const value = flags[flag]?.toLowerCase();
        if (value === undefined) continue;
        if (!CACHE_TYPES.has(value)) throw new R1Error(`--${flag} ${value} is not a KV cache type`, {exitCode: ExitCode.usage, hint: `use one of ${[...CACHE_TYPES].join(", ")}`});
        options[key] = value;
    }
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
    if (flags.engine !== undefined) {
        if (!(ENGINE_CHOICES as readonly string[]).includes(flags.engine)) throw new R1Error(`--engine ${flags.engine} is not one of ${ENGINE_CHOICES.join(", ")}`, {exitCode: ExitCode.usage});
        options.engine = flags.engine as EngineChoice;
    }
    if (flags["llama-server"] !== undefined) options.llamaServerPath = flags["llama-server"];
    if (flags.upstream !== undefined) {
        const apiKey = flags["upstream-key"] ?? process.env.R1_UPSTREAM_KEY;
        options.upstream = {url: flags.upstream, ...(apiKey === undefined || apiKey === "" ? {} : {apiKey})};
    } else if (flags["upstream-key"] !== undefined) throw new R1Error("--upstream-key needs --upstream URL", {exitCode: ExitCode.usage});
    if (flags["n-cpu-moe"] !== undefined) {
        if (!Number.isInteger(flags["n-cpu-moe"]) || flags["n-cpu-moe"] < 0) throw new R1Error(`--n-cpu-moe must be a whole number ≥ 0, got ${flags["n-cpu-moe"]}`, {exitCode: ExitCode.usage});
        options.cpuMoeLayers = flags["n-cpu-moe"];
    }
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
