import {R1Error, ExitCode} from "../../util/R1Error.js";
import {DEFAULT_CONTEXT_SIZE, MAX_CONTEXT_SIZE, MAX_PARALLEL_SEQUENCES, MIN_CONTEXT_SIZE} from "../loadLimits.js";

/** How llama-server extracts reasoning on `/v1/chat/completions` (its `--reasoning-format`). */
export type LlamaServerReasoningFormat = "none" | "deepseek" | "deepseek-legacy";

/**
 * Everything r1 decides about a llama-server process, in r1's terms. `llamaServerArgs` turns it
 * into the command line; `r1 plan` prints that command and the llama-server engine runs it.
 */
export interface LlamaServerLaunchOptions {
    /** Path of the GGUF file (the first part of a split model). */
    modelPath: string;
    /** Address to listen on. Defaults to llama-server's own, `127.0.0.1`. */
    host?: string;
    /** TCP port. Defaults to llama-server's own, 8080. */
    port?: number;
    /** Required as `Authorization: Bearer KEY` on every endpoint but `/health`. Defaults to none. */
    apiKey?: string;
    /**
     * Context tokens **per sequence**, as everywhere in r1. Defaults to `DEFAULT_CONTEXT_SIZE` (8192),
     * never llama.cpp's `-c 0` (the full trained context). llama-server's `-c` is the total over all
     * slots and `-np` splits it, so the command gets `-c contextSize × parallel`.
     */
    contextSize?: number;
    /** Slots (sequences generating at once). Defaults to `1`: llama-server's own default is "auto" (4). */
    parallel?: number;
    /** CPU threads for generation and prompt processing. Defaults to llama-server's choice. */
    threads?: number;
    /** Prompt tokens per decode call (`-b` and `-ub`). Defaults to llama-server's (2048 / 512). */
    batchSize?: number;
    /**
     * Layers on the GPU: a count, `"max"` (`-ngl all`), or `"auto"` (llama-server fits them to free
     * memory). Defaults to `"auto"`. A count also turns llama-server's `--fit` off, so r1's plan is
     * what runs and not llama.cpp's own adjustment of it.
     */
    gpuLayers?: number | "auto" | "max";
    /** Keep the MoE expert tensors of the first N layers in RAM (`--n-cpu-moe N`). Defaults to none. */
    cpuMoeLayers?: number;
    /**
     * Tensor placements, `"REGEX=BUFFER"` each (`-ot`, e.g. `"exps=CPU"`). Defaults to none. llama.cpp
     * splits the flag's value on commas, so a pattern may not contain one.
     */
    overrideTensors?: string[];
    /** `-fa on|off`. Defaults to llama-server's `auto`. */
    flashAttention?: boolean;
    /** KV cache type for keys (`-ctk`), a ggml type name such as `"f16"` or `"q8_0"`. Defaults to f16. */
    cacheTypeK?: string;
    /** KV cache type for values (`-ctv`). Defaults to f16. */
    cacheTypeV?: string;
    /** Memory-map the file. Defaults to llama.cpp's `auto` (mmap where the device allows). */
    mmap?: boolean;
    /** Lock the weights in RAM. Defaults to `false`. */
    mlock?: boolean;
    /** A smaller model of the same vocabulary for speculative decoding (`-md`). Defaults to none. */
    draftModelPath?: string;
    /** The draft model's GPU layers (`-ngld`). Defaults to llama-server's `auto`. */
    draftGpuLayers?: number | "auto" | "max";
    /** `ggml-rpc-server` endpoints, `host:port` each (`--rpc`). Defaults to none. */
    rpcServers?: string[];
    /** Share of the offloaded layers per GPU (`-ts 3,1`). Defaults to llama.cpp's split by free memory. */
    tensorSplit?: number[];
    /**
     * Reasoning extraction on llama-server's own `/v1/chat/completions`. Defaults to `"deepseek"`
     * (thoughts in `reasoning_content`). r1's engine templates R1 itself and reads `/completion`,
     * so this only matters to clients that talk to the printed command's server directly.
     */
    reasoningFormat?: LlamaServerReasoningFormat;
    /** Reasoning token budget on llama-server's chat endpoint (`--reasoning-budget`). Defaults to unlimited. */
    reasoningBudget?: number;
    /** A Jinja chat template file instead of the GGUF's (`--chat-template-file`). Defaults to the GGUF's. */
    chatTemplateFile?: string;
    /**
     * Let llama.cpp repack weights into its CPU-specific layouts (AMX tiles, interleaved blocks).
     * `false` passes `--no-repack`. Defaults to `true` (llama.cpp's default).
     */
    repack?: boolean;
    /**
     * Host memory for llama-server's cache of idle slots' prompts (`--cache-ram`, MiB). Defaults to `0`
     * (off): llama.cpp's default of 8 GiB is memory r1's planner does not count.
     */
    promptCacheMiB?: number;
    /**
     * llama.cpp's log threshold (`-lv`: 0 generic, 1 error, 2 warning, 3 info, 4 debug). Defaults to
     * llama-server's own. This llama.cpp logs where each buffer went (`load_tensors: RPC0[host:port] model buffer size`) from 4 on.
     */
    logVerbosity?: number;
}

/** Options that cannot become a valid llama-server command line (a bug or a bad flag, not a runtime fault). */
export class LlamaServerArgsError extends R1Error {
    readonly option: string;

    constructor(option: string, reason: string) {
        super(`llama-server option ${option}: ${reason}`, {exitCode: ExitCode.usage});
        this.option = option;
    }
}

/** llama.cpp's `--load-mode` for the caller's mmap / mlock choice; `undefined` keeps its `auto`. */
function loadMode(mmap: boolean | undefined, mlock: boolean | undefined): string | undefined {
    // `--mmap`, `--no-mmap` and `--mlock` are deprecated in this llama.cpp (they log a warning);
    // `--load-mode` says the same thing in one flag.
    if (mmap === undefined && mlock !== true) return undefined;
    if (mlock === true) return mmap === false ? "mlock" : "mmap+mlock";
    return mmap ? "mmap" : "none";
}

function layers(option: string, value: number | "auto" | "max"): string {
    if (value === "auto") return "auto";
    if (value === "max") return "all";
    whole(option, value, 0);
    return String(value);
}

function whole(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isInteger(value) || value < min || value > max) throw new LlamaServerArgsError(option, `must be a whole number from ${min} to ${max}, got ${value}`);
    return value;
}

function listItem(option: string, value: string): string {
    if (value === "" || /[,\s]/.test(value)) throw new LlamaServerArgsError(option, `"${value}" is empty or holds a comma or space, which llama.cpp would split`);
    return value;
}

/**
 * The llama-server command line (without the program) for `options`. Pure: the same options give
 * the same arguments, in a fixed order, so `r1 plan` can print exactly what the engine will run.
 */
export function llamaServerArgs(options: LlamaServerLaunchOptions): string[] {
    const parallel = whole("parallel", options.parallel ?? 1, 1, MAX_PARALLEL_SEQUENCES);
    const perSequence = whole("contextSize", options.contextSize ?? DEFAULT_CONTEXT_SIZE, MIN_CONTEXT_SIZE, MAX_CONTEXT_SIZE);
    const args = ["-m", options.modelPath];
    if (options.host !== undefined) args.push("--host", options.host);
    if (options.port !== undefined) args.push("--port", String(whole("port", options.port, 0, 65535)));
    if (options.apiKey !== undefined) args.push("--api-key", options.apiKey);
    args.push("-c", String(perSequence * parallel), "-np", String(parallel));
    if (options.threads !== undefined) args.push("-t", String(whole("threads", options.threads, 1)));
    if (options.batchSize !== undefined) {
        const batch = String(whole("batchSize", options.batchSize, 1));
        args.push("-b", batch, "-ub", batch);
    }
    const gpuLayers = options.gpuLayers ?? "auto";
    if (gpuLayers !== "auto") args.push("-ngl", layers("gpuLayers", gpuLayers));
    if (typeof gpuLayers === "number") args.push("--fit", "off");
    if (options.cpuMoeLayers !== undefined) args.push("--n-cpu-moe", String(whole("cpuMoeLayers", options.cpuMoeLayers, 0)));
    if (options.tensorSplit !== undefined && options.tensorSplit.length > 0) {
        for (const share of options.tensorSplit)
            if (!(Number.isFinite(share) && share >= 0)) throw new LlamaServerArgsError("tensorSplit", `shares must be numbers ≥ 0, got ${share}`);
        args.push("-ts", options.tensorSplit.join(","));
    }
    if (options.rpcServers !== undefined && options.rpcServers.length > 0)
        args.push("--rpc", options.rpcServers.map((server) => listItem("rpcServers", server)).join(","));
    // After --rpc: llama.cpp parses flags in order, and -ot resolves its buffer names (`RPC0[host:port]`) among the devices registered so far.
    if (options.overrideTensors !== undefined && options.overrideTensors.length > 0) {
        for (const rule of options.overrideTensors)
            if (!/^[^=]+=[^=]+$/.test(listItem("overrideTensors", rule))) throw new LlamaServerArgsError("overrideTensors", `"${rule}" is not REGEX=BUFFER (e.g. exps=CPU)`);
        args.push("-ot", options.overrideTensors.join(","));
    }
    if (options.flashAttention !== undefined) args.push("-fa", options.flashAttention ? "on" : "off");
    if (options.cacheTypeK !== undefined) args.push("-ctk", options.cacheTypeK.toLowerCase());
    if (options.cacheTypeV !== undefined) args.push("-ctv", options.cacheTypeV.toLowerCase());
    const mode = loadMode(options.mmap, options.mlock);
    if (mode !== undefined) args.push("--load-mode", mode);
    if (options.draftModelPath !== undefined) {
        // This llama.cpp's --spec-type defaults to none, which loads the draft model but never
        // drafts with it (measured: no draft_n in the timings); draft-simple is classic -md decoding.
        args.push("-md", options.draftModelPath, "--spec-type", "draft-simple");
        if (options.draftGpuLayers !== undefined) args.push("-ngld", layers("draftGpuLayers", options.draftGpuLayers));
    } else if (options.draftGpuLayers !== undefined) throw new LlamaServerArgsError("draftGpuLayers", "given without a draft model");
    if (options.repack === false) args.push("--no-repack");
    args.push("--cache-ram", String(whole("promptCacheMiB", options.promptCacheMiB ?? 0, 0)));
    args.push("--reasoning-format", options.reasoningFormat ?? "deepseek");
    if (options.reasoningBudget !== undefined) args.push("--reasoning-budget", String(whole("reasoningBudget", options.reasoningBudget, 0)));
    if (options.chatTemplateFile !== undefined) args.push("--chat-template-file", options.chatTemplateFile);
    if (options.logVerbosity !== undefined) args.push("-lv", String(whole("logVerbosity", options.logVerbosity, 0, 4)));
    // r1 serves its own page; llama-server's would be one more thing listening.
    args.push("--no-webui");
    return args;
}

/** The command as one shell line, each argument quoted only where a POSIX shell needs it. */
export function formatCommandLine(program: string, args: readonly string[]): string {
    // A leading `~/` stays unquoted so the shell expands it: a what-if machine's paths are written from its home.
    return [program, ...args].map((arg) => /^(~\/)?[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`).join(" ");
}
