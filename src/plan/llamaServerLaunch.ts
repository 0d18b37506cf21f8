import type {LlamaServerLaunchOptions} from "../engine/llamaServer/llamaServerArgs.js";
import type {KvCacheType} from "./kvCache.js";
import type {ModelPlan} from "./types.js";

/** What the plan does not say itself but the launch needs. */
export interface PlanLaunchOptions {
    /** The GGUF file (first part of a split model). */
    readonly modelPath: string;
    /** Parallel sequences the plan was made for. Defaults to `1`. */
    readonly parallel?: number;
    /** The plan's KV cache type. Defaults to `"f16"` (llama-server's own, so no flag). */
    readonly kvCacheType?: KvCacheType;
    /** `-fa on|off`. Defaults to none (llama-server's auto), as `r1 run` passes none without `--fa`. */
    readonly flashAttention?: boolean;
}

/**
 * llama-server's launch options for a plan: the planned GPU layer count (`-ngl`, with llama.cpp's
 * own fitting off), and for the MoE experts-in-RAM layout the routed experts of the first
 * `cpuMoeLayers` layers kept in RAM — `-ot exps=CPU` when that is every layer, else `--n-cpu-moe N`
 * (llama.cpp's `blk.<i>.ffn_(up|down|gate)_exps` for i < N, the same first-N-layers rule as the planner).
 * Context, slots and cache type are the plan's.
 */
export function planLaunchOptions(plan: Pick<ModelPlan, "gpuLayers" | "cpuMoeLayers" | "contextSize" | "architecture">,
    options: PlanLaunchOptions): LlamaServerLaunchOptions {
    const layers = plan.architecture.layers;
    const kv = options.kvCacheType ?? "f16";
    return {
        modelPath: options.modelPath,
        contextSize: plan.contextSize,
        parallel: options.parallel ?? 1,
        gpuLayers: plan.gpuLayers,
        ...plan.cpuMoeLayers >= layers ? {overrideTensors: ["exps=CPU"]} : plan.cpuMoeLayers > 0 ? {cpuMoeLayers: plan.cpuMoeLayers} : {},
        ...options.flashAttention === undefined ? {} : {flashAttention: options.flashAttention},
        ...kv === "f16" ? {} : {cacheTypeK: kv, cacheTypeV: kv}
    };
}
