import {readGguf} from "../gguf/index.js";
import {readCpuinfo} from "../hardware/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {amxAbortFacts, embeddedAbortsOnAmx, noRepackUpFront, type AmxAbortFacts} from "./amxRepackAbort.js";
import type {LoadModelOptions} from "./embedded/loadModel.js";
import {EmbeddedAmxAbortError} from "./errors.js";
import {findLlamaCppTools, installOf, requireLlamaCppTool} from "./llamaCppTools/index.js";
import type {LlamaServerLaunchOptions} from "./llamaServer/llamaServerArgs.js";
import type {EngineName, LoadedModel} from "./types.js";

/** What `--engine` accepts: an engine, or `auto` (the embedded one unless the load needs llama-server). */
export type EngineChoice = "embedded" | "llama-server" | "auto";
export const ENGINE_CHOICES: readonly EngineChoice[] = ["embedded", "llama-server", "auto"];

/** An OpenAI-compatible server to use instead of a local engine (`--upstream URL [--upstream-key K]`). */
export interface UpstreamTarget {
    url: string;
    apiKey?: string;
}

/**
 * Load options for any engine: the embedded engine's, plus what only llama-server can do, plus the
 * engine choice. `path` is the GGUF file, or with `upstream` the upstream's model name ("" = its only one).
 */
export interface EngineLoadOptions extends LoadModelOptions {
    /** Defaults to `"auto"`. */
    engine?: EngineChoice;
    /** The llama-server binary to use (`--llama-server PATH`). Defaults to the one `findLlamaCppTools` picks. */
    llamaServerPath?: string;
    /** Use this OpenAI-compatible server instead of loading anything. */
    upstream?: UpstreamTarget;
    /** MoE experts of the first N layers in RAM (`--n-cpu-moe`); llama-server only. */
    cpuMoeLayers?: number;
    /** Tensor placements `REGEX=BUFFER` (`-ot`); llama-server only. */
    overrideTensors?: string[];
    /** Draft model for speculative decoding (`-md`); llama-server only. */
    draftModelPath?: string;
    draftGpuLayers?: number | "auto" | "max";
    /** ggml-rpc-server endpoints (`--rpc`); llama-server only. */
    rpcServers?: string[];
    /** Share of the offloaded layers per GPU (`-ts`); llama-server only. */
    tensorSplit?: number[];
    /** How long llama-server may take to load. Defaults to `DEFAULT_START_TIMEOUT_MS`. */
    startTimeoutMs?: number;
    /** One-line notices from the engine (a llama-server crash and restart, the engine chosen for AMX). Defaults to stderr. */
    onNotice?: (message: string) => void;
    /**
     * The text of `/proc/cpuinfo`, for whether this CPU has AMX (`amxAbortFacts`). Defaults to
     * `readCpuinfo()`: the file `R1_CPUINFO` names, else `/proc/cpuinfo`.
     */
    cpuinfo?: string;
}

/** The engine a load ran on and why, for `--verbose`. */
export interface EngineDecision {
    engine: EngineName;
    reason: string;
    /** A line the user sees without `--verbose`: why auto did not pick the engine it usually picks. */
    notice?: string;
}

/** The options of `options` that only llama-server can honour, by flag name. */
export function llamaServerOnlyOptions(options: EngineLoadOptions): string[] {
    const needs: string[] = [];
    if (options.cpuMoeLayers !== undefined && options.cpuMoeLayers > 0) needs.push("--n-cpu-moe");
    if (options.overrideTensors !== undefined && options.overrideTensors.length > 0) needs.push("-ot");
    if (options.draftModelPath !== undefined) needs.push("--draft");
    if (options.rpcServers !== undefined && options.rpcServers.length > 0) needs.push("--rpc");
    if (options.tensorSplit !== undefined && options.tensorSplit.length > 0) needs.push("-ts");
    return needs;
}

/**
 * Which engine loads `options`: an upstream when one is given; llama-server when asked, or under
 * `auto` when the load needs what node-llama-cpp 3.21.1 cannot do (place tensors by name, draft
 * models, RPC) or when `facts` say its AMX kernels would abort on the model (deepseek2 on an AMX
 * CPU, `embeddedAbortsOnAmx`: llama-server runs it with `--no-repack`); else the embedded engine.
 * Asking the embedded engine for those is a usage error (`EmbeddedAmxAbortError` for the AMX case),
 * before anything is loaded. `facts` defaults to none known (`loadFacts` gathers them).
 */
export function chooseEngine(options: EngineLoadOptions, facts: AmxAbortFacts = {}): EngineDecision {
    const choice = options.engine ?? "auto";
    if (!ENGINE_CHOICES.includes(choice)) throw new R1Error(`--engine ${String(choice)} is not one of ${ENGINE_CHOICES.join(", ")}`, {exitCode: ExitCode.usage});
    const needs = llamaServerOnlyOptions(options);
    if (options.upstream !== undefined) {
        if (choice !== "auto") throw new R1Error(`--upstream and --engine ${choice} exclude each other: an upstream is its own engine`, {exitCode: ExitCode.usage});
        if (needs.length > 0) throw new R1Error(`${needs.join(", ")} cannot be applied to an upstream server; it places its model itself`, {exitCode: ExitCode.usage});
        return {engine: "upstream", reason: `--upstream ${options.upstream.url}`};
    }
    if (choice === "llama-server") return {engine: "llama-server", reason: "--engine llama-server"};
    if (choice === "embedded") {
        if (needs.length > 0)
            throw new R1Error(`--engine embedded cannot honour ${needs.join(", ")}: node-llama-cpp 3.21.1 cannot place tensors by name, draft or reach RPC servers`, {
                exitCode: ExitCode.usage, hint: "use --engine llama-server (or auto)"
            });
        if (embeddedAbortsOnAmx(facts)) throw new EmbeddedAmxAbortError(facts.architecture!);
        return {engine: "embedded", reason: "--engine embedded"};
    }
    if (needs.length > 0) return {engine: "llama-server", reason: `auto: ${needs.join(", ")} need llama.cpp's own server`};
    if (embeddedAbortsOnAmx(facts)) {
        const why = `${facts.architecture} on this AMX CPU runs on llama-server, not the embedded engine: node-llama-cpp 3.21.1's AMX weight buffers abort on it and cannot be turned off (llama-server's --no-repack can)`;
        return {engine: "llama-server", reason: `auto: ${why}`, notice: why};
    }
    return {engine: "embedded", reason: "auto: nothing in this load needs llama-server"};
}

/**
 * What `chooseEngine` and llama-server's launch need beyond the options: whether this CPU has AMX
 * (`options.cpuinfo`, else `readCpuinfo()`) and, only then, the model's `general.architecture` from its
 * GGUF header. Nothing is read for an upstream; a header that cannot be read leaves the architecture
 * unknown, and the engine's own load says what is wrong with the file.
 */
export async function loadFacts(options: EngineLoadOptions): Promise<AmxAbortFacts> {
    if (options.upstream !== undefined) return {};
    const cpuinfo = options.cpuinfo ?? await readCpuinfo();
    if (!amxAbortFacts(undefined, cpuinfo).cpuAmx) return {cpuAmx: false};
    const architecture = await readGguf(options.path, {split: false})
        .then((file) => file.metadata.getString("general.architecture"), () => undefined);
    return amxAbortFacts(architecture, cpuinfo);
}

/** llama-server's launch options for an engine load (context per sequence, as everywhere in r1). */
export function launchOptionsFor(options: EngineLoadOptions): Omit<LlamaServerLaunchOptions, "modelPath" | "host" | "port" | "apiKey"> {
    const launch: Omit<LlamaServerLaunchOptions, "modelPath" | "host" | "port" | "apiKey"> = {};
    if (options.contextSize !== undefined) launch.contextSize = options.contextSize;
    if (options.parallel !== undefined) launch.parallel = options.parallel;
    if (options.threads !== undefined) launch.threads = options.threads;
    if (options.batchSize !== undefined) launch.batchSize = options.batchSize;
    if (options.gpuLayers !== undefined) launch.gpuLayers = options.gpuLayers;
    if (options.flashAttention !== undefined) launch.flashAttention = options.flashAttention;
    if (options.cacheTypeK !== undefined) launch.cacheTypeK = options.cacheTypeK;
    if (options.cacheTypeV !== undefined) launch.cacheTypeV = options.cacheTypeV;
    if (options.mmap !== undefined) launch.mmap = options.mmap;
    if (options.mlock !== undefined) launch.mlock = options.mlock;
    if (options.cpuMoeLayers !== undefined) launch.cpuMoeLayers = options.cpuMoeLayers;
    if (options.overrideTensors !== undefined) launch.overrideTensors = options.overrideTensors;
    if (options.draftModelPath !== undefined) launch.draftModelPath = options.draftModelPath;
    if (options.draftGpuLayers !== undefined) launch.draftGpuLayers = options.draftGpuLayers;
    if (options.rpcServers !== undefined) launch.rpcServers = options.rpcServers;
    if (options.tensorSplit !== undefined) launch.tensorSplit = options.tensorSplit;
    return launch;
}

/**
 * Loads a model on the engine `chooseEngine` picks: node-llama-cpp in this process, a llama-server
 * r1 starts and owns, or an upstream server. Engines load lazily (node-llama-cpp's import alone
 * costs ~0.5 s), so a command pays only for the engine it uses.
 */
export async function loadEngineModel(options: EngineLoadOptions): Promise<LoadedModel & {readonly decision: EngineDecision}> {
    const facts = await loadFacts(options);
    let decision = chooseEngine(options, facts);
    const notice = options.onNotice ?? ((message: string) => process.stderr.write(`r1: ${message}\n`));
    if (decision.notice !== undefined) notice(decision.notice);
    let model: LoadedModel;
    if (decision.engine === "upstream") {
        const {UpstreamModel} = await import("./upstream/UpstreamModel.js");
        model = await UpstreamModel.load({
            url: options.upstream!.url,
            ...(options.upstream!.apiKey === undefined ? {} : {apiKey: options.upstream!.apiKey}),
            ...(options.path === "" ? {} : {model: options.path}),
            ...(options.parallel === undefined ? {} : {parallel: options.parallel}),
            ...(options.signal === undefined ? {} : {signal: options.signal})
        });
    } else if (decision.engine === "llama-server") {
        const found = await findLlamaCppTools(options.llamaServerPath === undefined ? {} : {llamaServerPath: options.llamaServerPath});
        const binary = requireLlamaCppTool(found, "llama-server");
        const launch = launchOptionsFor(options);
        // Not a first start that reads (for the 671B, repacks) every weight only to abort and be retried.
        if (launch.repack !== false && noRepackUpFront({...facts, buildAmx: installOf(found, "llama-server", binary)?.amx})) {
            launch.repack = false;
            decision = {...decision, reason: `${decision.reason}; --no-repack up front: ${facts.architecture} aborts with this llama.cpp's AMX weight buffers`};
        }
        const {LlamaServerModel} = await import("./llamaServer/LlamaServerModel.js");
        model = await LlamaServerModel.load({
            path: options.path, binary, launch,
            ...(options.startTimeoutMs === undefined ? {} : {startTimeoutMs: options.startTimeoutMs}),
            ...(options.signal === undefined ? {} : {signal: options.signal}),
            ...(options.onNotice === undefined ? {} : {onNotice: options.onNotice})
        });
    } else {
        const {loadModel} = await import("./embedded/loadModel.js");
        model = await loadModel(options);
    }
    return Object.assign(model, {decision});
}
