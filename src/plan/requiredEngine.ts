import {embeddedAbortsOnAmx} from "../engine/amxRepackAbort.js";
import type {CpuInfo, HardwareProfile} from "../hardware/index.js";
import type {ModelPlan} from "./types.js";

/** The engines a plan can run on. */
export type PlanEngine = "embedded" | "llama-server";

/** The engine a plan needs and why: the embedded engine unless the layout is one only llama-server can load. */
export interface RequiredEngine {
    readonly engine: PlanEngine;
    /** Why llama-server is needed; absent for the embedded engine. */
    readonly reason?: string;
}

/** `true` when a CPU's ISA list (`CpuInfo.isa`, from cpuinfo's flags or a profile) has AMX's int8 tiles. */
export function cpuHasAmx(cpu: Pick<CpuInfo, "isa">): boolean {
    return cpu.isa.includes("amx_int8");
}

/**
 * Which engine can run `plan` on `cpu`. node-llama-cpp 3.21.1 cannot place tensors by name, so a
 * layout with MoE experts in RAM and attention on the GPU (`--n-cpu-moe` / `-ot exps=CPU`) needs
 * llama.cpp's own server; so does deepseek2 on an AMX CPU, where node-llama-cpp's AMX weight buffers
 * make llama.cpp abort and cannot be turned off (`embeddedAbortsOnAmx`; llama-server's `--no-repack`
 * can). Everything else runs in the embedded engine. `cpu` defaults to one without AMX.
 */
export function requiredEngine(plan: Pick<ModelPlan, "cpuMoeLayers" | "architecture">, cpu?: Pick<CpuInfo, "isa">): RequiredEngine {
    if (plan.cpuMoeLayers > 0)
        return {engine: "llama-server", reason: "MoE experts in RAM with attention on the GPU (node-llama-cpp cannot place tensors by name)"};
    if (embeddedAbortsOnAmx({architecture: plan.architecture.arch, cpuAmx: cpu !== undefined && cpuHasAmx(cpu)}))
        return {engine: "llama-server", reason: `${plan.architecture.arch} on an AMX CPU (node-llama-cpp's AMX weight buffers abort on it; llama-server runs it with --no-repack)`};
    return {engine: "embedded"};
}

export interface ExpertOffloadDefaultOptions {
    readonly hardware: Pick<HardwareProfile, "gpus">;
    /** A compatible llama-server was found (`findLlamaCppTools`). */
    readonly llamaServerAvailable: boolean;
    /** The plan is for a what-if machine (`--hardware`, `--vram`…), not this one. */
    readonly whatIf: boolean;
}

/**
 * Whether the planner should consider the experts-in-RAM layout when the user did not say: on a
 * machine with a GPU (its RAM holds the experts) when llama-server can run it here, and always
 * for a what-if machine, whose plan then names llama-server as what it needs.
 */
export function defaultExpertOffload(options: ExpertOffloadDefaultOptions): boolean {
    return options.hardware.gpus.length > 0 && (options.llamaServerAvailable || options.whatIf);
}
