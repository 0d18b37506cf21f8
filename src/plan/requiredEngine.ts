import type {HardwareProfile} from "../hardware/index.js";
import type {ModelPlan} from "./types.js";

/** The engines a plan can run on. */
export type PlanEngine = "embedded" | "llama-server";

/** The engine a plan needs and why: the embedded engine unless the layout is one only llama-server can load. */
export interface RequiredEngine {
    readonly engine: PlanEngine;
    /** Why llama-server is needed; absent for the embedded engine. */
    readonly reason?: string;
}

/**
 * Which engine can run `plan`. node-llama-cpp 3.21.1 cannot place tensors by name, so a layout
 * with MoE experts in RAM and attention on the GPU (`--n-cpu-moe` / `-ot exps=CPU`) needs
 * llama.cpp's own server; everything else runs in the embedded engine.
 */
export function requiredEngine(plan: Pick<ModelPlan, "cpuMoeLayers">): RequiredEngine {
    if (plan.cpuMoeLayers > 0)
        return {engine: "llama-server", reason: "MoE experts in RAM with attention on the GPU (node-llama-cpp cannot place tensors by name)"};
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
