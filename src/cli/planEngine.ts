import path from "node:path";
import {findLlamaCppTools, installOf, llamaCppPaths, type FoundLlamaCppTools, type LlamaCppBackend} from "../engine/llamaCppTools/index.js";
import {formatCommandLine, llamaServerArgs} from "../engine/llamaServer/llamaServerArgs.js";
import type {HardwareProfile} from "../hardware/index.js";
import {noRepackUpFront} from "../engine/amxRepackAbort.js";
import {launchOptionsFor, type EngineLoadOptions} from "../engine/loadEngineModel.js";
import {cpuHasAmx, loadEngineProbe, planLaunchOptions, requiredEngine, type KvCacheType, type ModelPlan, type PlanEngine} from "../plan/index.js";

/** What `r1 plan` says about the engine a plan needs. */
export interface PlanEngineInfo {
    readonly engine: PlanEngine;
    readonly reason?: string;
    /** `false` when the engine is llama-server and none usable was found. */
    readonly available: boolean;
    /** How to get it when it is not available. */
    readonly howToGet?: string;
}

/** A llama-server r1 can start here, with the backend of its build (and its AMX probe's result) when r1 built it. */
export interface LocalLlamaServer {
    readonly path: string;
    readonly backend?: LlamaCppBackend;
    readonly amx?: "usable" | "unusable" | "absent";
}

/** The llama-server r1 would start on this machine, or `undefined` when none is built or found. */
export async function findLlamaServer(): Promise<LocalLlamaServer | undefined> {
    const found: FoundLlamaCppTools = await findLlamaCppTools();
    const chosen = found.paths["llama-server"];
    if (chosen === undefined) return undefined;
    const install = installOf(found, "llama-server", chosen);
    return {path: chosen, ...install?.backend === undefined ? {} : {backend: install.backend}, ...install?.amx === undefined ? {} : {amx: install.amx}};
}

/**
 * The engine `plan` needs on `hardware` and whether it is there. A what-if machine's plan names
 * the build to make there; a CPU build of llama-server does not count for a plan that puts layers
 * on this machine's GPU.
 */
export function planEngineInfo(plan: ModelPlan, hardware: HardwareProfile, llamaServer: LocalLlamaServer | undefined): PlanEngineInfo {
    const required = requiredEngine(plan, hardware.cpu);
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
 * Where a what-if machine's r1 keeps its models, as a shell there writes it: r1's default home (`R1_HOME` there may
 * move it). Left unquoted in printed commands, so that machine's shell expands it.
 */
export const WHAT_IF_R1_HOME = "~/.r1";

/** Whether printed commands may name this machine's files: only when the plan is for this machine as detected. */
export function commandsForThisMachine(hardware: HardwareProfile): boolean {
    return hardware.source === "detected";
}

/**
 * What a printed llama-server command is for, said under it: this machine (what `r1 run` starts here), or the
 * what-if machine, whose own build and models it needs.
 */
export function commandForLine(hardware: HardwareProfile, runCommand: string): string {
    const extras = "plus --host 127.0.0.1, a free --port and a random --api-key";
    if (commandsForThisMachine(hardware)) return `what \`${runCommand}\` starts, ${extras}`;
    const which = hardware.source === "custom" ? `the what-if machine ${hardware.name}, not this machine as detected` : `${hardware.name}, not this machine`;
    return `for ${which}: its llama-server (\`r1 engine build\` there, ${backendFor(hardware)} backend) and the model where \`r1 pull\` `
        + `puts it there (${WHAT_IF_R1_HOME}); what \`${runCommand}\` starts on it, ${extras}`;
}

/**
 * The llama-server command r1 runs for `plan`: the found llama-server (or where `r1 engine build`
 * puts one for this machine's backend) and the arguments `r1 run MODEL -c CTX` gives it — built the
 * same way (the planned load options, `launchOptionsFor`, `llamaServerArgs`): the planned GPU layers
 * on a machine with GPUs, the experts-in-RAM flags (`planLaunchOptions`), the planned loading when
 * the engine probe measured it, no `-fa` (llama-server's auto, as run passes none without `--fa`).
 * r1 adds a free loopback port and a random API key when it starts it. For a what-if machine (`--hardware`, custom
 * figures) nothing of this machine is named: the program is plain `llama-server` (its own build there) and the model
 * is where `r1 pull` puts it there (`WHAT_IF_R1_HOME`); a GGUF file the user named is kept as named.
 */
export async function planCommandLine(plan: ModelPlan, options: PlanCommandOptions): Promise<string> {
    const here = commandsForThisMachine(options.hardware);
    // A GPU plan where only a CPU build is here names where `r1 engine build` puts the GPU build.
    const local = here && !(plan.gpuLayers > 0 && options.llamaServer?.backend === "cpu") ? options.llamaServer?.path : undefined;
    const program = local ?? (here ? path.join(llamaCppPaths({backend: backendFor(options.hardware)}).binDir, "llama-server") : "llama-server");
    const modelPath = options.modelPath ?? await pulledPath(`${plan.model}:${plan.quant}`, here ? undefined : WHAT_IF_R1_HOME);
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
    // As loadEngineModel starts it: deepseek2 on an AMX CPU without repacking, unless this build left AMX out.
    const amx = noRepackUpFront({architecture: plan.architecture.arch, cpuAmx: cpuHasAmx(options.hardware.cpu),
        buildAmx: local === undefined ? undefined : options.llamaServer?.amx});
    return formatCommandLine(program, llamaServerArgs({modelPath, ...launchOptionsFor(load), ...amx ? {repack: false} : {}}));
}

/**
 * Where `r1 pull` puts a catalog model (its first file): in this machine's store, or under `home` as another machine's
 * shell writes it. The store is loaded only here: it costs `r1 plan` ~90 ms.
 */
export async function pulledPath(model: string, home?: string): Promise<string> {
    const {ModelStore, modelDirName, resolvePullSource} = await import("../store/index.js");
    const source = resolvePullSource(model);
    const file = path.posix.basename(source.files[0]!);
    return home === undefined ? new ModelStore().filePath(source.name, file) : path.posix.join(home, "models", modelDirName(source.name), file);
}
