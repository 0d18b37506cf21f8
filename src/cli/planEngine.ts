import path from "node:path";
import {findLlamaCppTools, llamaCppPaths, type FoundLlamaCppTools, type LlamaCppBackend} from "../engine/llamaCppTools/index.js";
import {formatCommandLine, llamaServerArgs} from "../engine/llamaServer/llamaServerArgs.js";
import type {HardwareProfile} from "../hardware/index.js";
import {launchOptionsFor, type EngineLoadOptions} from "../engine/loadEngineModel.js";
import {loadEngineProbe, planLaunchOptions, requiredEngine, type KvCacheType, type ModelPlan, type PlanEngine} from "../plan/index.js";

/** What `r1 plan` says about the engine a plan needs. */
export interface PlanEngineInfo {
    readonly engine: PlanEngine;
    readonly reason?: string;
    /** `false` when the engine is llama-server and none usable was found. */
    readonly available: boolean;
    /** How to get it when it is not available. */
    readonly howToGet?: string;
}

/** A llama-server r1 can start here, with the backend of its build when r1 built it. */
export interface LocalLlamaServer {
    readonly path: string;
    readonly backend?: LlamaCppBackend;
}

/** The llama-server r1 would start on this machine, or `undefined` when none is built or found. */
export async function findLlamaServer(): Promise<LocalLlamaServer | undefined> {
    const found: FoundLlamaCppTools = await findLlamaCppTools();
    const chosen = found.paths["llama-server"];
    if (chosen === undefined) return undefined;
    const install = found.installs.find((candidate) => candidate.tools["llama-server"] === chosen);
    return {path: chosen, ...install?.backend === undefined ? {} : {backend: install.backend}};
}

/**
 * The engine `plan` needs on `hardware` and whether it is there. A what-if machine's plan names
 * the build to make there; a CPU build of llama-server does not count for a plan that puts layers
 * on this machine's GPU.
 */
export function planEngineInfo(plan: ModelPlan, hardware: HardwareProfile, llamaServer: LocalLlamaServer | undefined): PlanEngineInfo {
    const required = requiredEngine(plan);
    if (required.engine === "embedded") return {engine: "embedded", available: true};
    const backend = backendFor(hardware);
    const base = {engine: "llama-server" as const, reason: required.reason};
    if (hardware.source !== "detected")
        return {...base, available: false, howToGet: `r1 engine build on that machine (${backend} backend)`};
    if (llamaServer === undefined) return {...base, available: false, howToGet: "r1 engine build (compiles it from the llama.cpp sources r1 ships)"};
    if (plan.gpuLayers > 0 && llamaServer.backend === "cpu")
        return {...base, available: false, howToGet: `r1 engine build --backend ${backend} (the llama-server built here is for the CPU only)`};
    return {...base, available: true};
}

/** The backend a build for `hardware` would have: its first GPU's, else CPU. */
function backendFor(hardware: HardwareProfile): LlamaCppBackend {
    return hardware.gpus[0]?.backend ?? "cpu";
}

export interface PlanCommandOptions {
    readonly hardware: HardwareProfile;
    readonly llamaServer?: LocalLlamaServer;
    readonly parallel: number;
    readonly kvCacheType: KvCacheType;
    /** The GGUF the plan is for, when it is a file; otherwise the catalog variant's path after `r1 pull`. */
    readonly modelPath?: string;
}

/**
 * The llama-server command r1 runs for `plan`: the found llama-server (or where `r1 engine build`
 * puts one for this machine's backend) and the arguments `r1 run MODEL -c CTX` gives it — built the
 * same way (the planned load options, `launchOptionsFor`, `llamaServerArgs`): the planned GPU layers
 * on a machine with GPUs, the experts-in-RAM flags (`planLaunchOptions`), the planned loading when
 * the engine probe measured it, no `-fa` (llama-server's auto, as run passes none without `--fa`).
 * r1 adds a free loopback port and a random API key when it starts it.
 */
export async function planCommandLine(plan: ModelPlan, options: PlanCommandOptions): Promise<string> {
    // A what-if machine runs its own build; so does a GPU plan where only a CPU build is here.
    const local = options.hardware.source === "detected" && !(plan.gpuLayers > 0 && options.llamaServer?.backend === "cpu")
        ? options.llamaServer?.path : undefined;
    const program = local ?? path.join(llamaCppPaths({backend: backendFor(options.hardware)}).binDir, "llama-server");
    const modelPath = options.modelPath ?? await pulledPath(plan);
    const experts = planLaunchOptions(plan, {modelPath});
    const probe = options.hardware.source === "detected" ? await loadEngineProbe(options.hardware) : undefined;
    const load: EngineLoadOptions = {
        path: modelPath, contextSize: plan.contextSize, parallel: options.parallel,
        ...options.hardware.gpus.length > 0 ? {gpuLayers: plan.gpuLayers} : {},
        ...probe === undefined ? {} : {mmap: plan.loading.mmap},
        ...options.kvCacheType === "f16" ? {} : {cacheTypeK: options.kvCacheType, cacheTypeV: options.kvCacheType},
        ...experts.cpuMoeLayers === undefined ? {} : {cpuMoeLayers: experts.cpuMoeLayers},
        ...experts.overrideTensors === undefined ? {} : {overrideTensors: experts.overrideTensors}
    };
    return formatCommandLine(program, llamaServerArgs({modelPath, ...launchOptionsFor(load)}));
}

/** Where `r1 pull` puts the plan's variant (its first file). The store is loaded only here: it costs `r1 plan` ~90 ms. */
async function pulledPath(plan: ModelPlan): Promise<string> {
    const {ModelStore, resolvePullSource} = await import("../store/index.js");
    const source = resolvePullSource(`${plan.model}:${plan.quant}`);
    return new ModelStore().filePath(source.name, path.posix.basename(source.files[0]!));
}
