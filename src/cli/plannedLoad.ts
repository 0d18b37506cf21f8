import {findVariant} from "../catalog/index.js";
import {DEFAULT_CONTEXT_SIZE, type LoadModelOptions} from "../engine/embedded/loadModel.js";
import {detectHardware, type HardwareProfile} from "../hardware/index.js";
import type {EngineChoice, EngineLoadOptions} from "../engine/loadEngineModel.js";
import {defaultExpertOffload, loadCalibration, loadEngineProbe, planLaunchOptions, planModel, type ModelPlan} from "../plan/index.js";
import {findLlamaServer, type LocalLlamaServer} from "./planEngine.js";

export interface PlannedLoad {
    options: EngineLoadOptions;
    plan?: ModelPlan;
    /** The same plan at the depth asked for (`r1 bench -d N`): generation slows with the KV cache it reads. */
    planAtDepth?: ModelPlan;
    hardware?: HardwareProfile;
    /** One line per planner decision, for `--verbose`. */
    reasons: string[];
}

/**
 * Load options for a model the catalog knows (a pulled variant, or a synthetic one): the planner
 * decides the GPU layers for the context being loaded; flags the user gave win. Unknown files keep
 * the engine's defaults (node-llama-cpp fits GPU layers to free VRAM).
 */
export async function plannedLoad(flagged: LoadModelOptions, model: {catalogId?: string, quant?: string, depth?: number},
    engine: {choice?: EngineChoice, hardware?: HardwareProfile, llamaServer?: LocalLlamaServer | null} = {}): Promise<PlannedLoad> {
    const variant = model.catalogId === undefined ? undefined : findVariant(model.catalogId);
    if (variant === undefined || model.quant === undefined) return {options: flagged, reasons: ["not a catalog model: engine defaults"]};
    // Injected by tests (a what-if GPU machine, a found llama-server; null = none); defaults to this machine's.
    const hardware = engine.hardware ?? await detectHardware();
    const [calibration, probe] = await Promise.all([loadCalibration(hardware), loadEngineProbe(hardware)]);
    const contextSize = flagged.contextSize ?? DEFAULT_CONTEXT_SIZE;
    // The MoE layout with experts in RAM runs on llama-server only: planned when a GPU build of it is here
    // (a CPU build cannot use the GPU) and the user did not ask for the embedded engine.
    const llamaServer = engine.choice === "embedded" || variant.architecture.kind !== "moe" || hardware.gpus.length === 0 ? undefined
        : engine.llamaServer === undefined ? await findLlamaServer() : engine.llamaServer ?? undefined;
    const expertOffload = defaultExpertOffload({hardware, llamaServerAvailable: llamaServer !== undefined && llamaServer.backend !== "cpu", whatIf: false});
    let plan: ModelPlan;
    let planAtDepth: ModelPlan | undefined;
    try {
        const planAt = (depth: number) => planModel({
            variant, quant: model.quant!, hardware, contextSize, depth,
            ...(calibration === undefined ? {} : {calibration}),
            ...(probe === undefined ? {} : {probe}),
            ...(flagged.mmap === undefined ? {} : {mmap: flagged.mmap}),
            ...(flagged.mlock === undefined ? {} : {mlock: flagged.mlock}),
            ...(typeof flagged.gpuLayers === "number" ? {gpuLayers: flagged.gpuLayers} : {}),
            ...(flagged.flashAttention === undefined ? {} : {flashAttention: flagged.flashAttention}),
            ...(expertOffload ? {expertOffload} : {})
        });
        plan = planAt(0);
        if ((model.depth ?? 0) > 0) planAtDepth = planAt(model.depth!);
    } catch {
        return {options: flagged, hardware, reasons: ["the planner could not plan this quant: engine defaults"]};
    }
    const useGpuLayers = flagged.gpuLayers === undefined && plan.placement !== "none" && hardware.gpus.length > 0;
    // Unprobed, the engine keeps node-llama-cpp's own mmap choice ("auto"); measured, the plan's.
    const useLoading = flagged.mmap === undefined && plan.placement !== "none" && probe !== undefined;
    // Experts in RAM: the same --n-cpu-moe / -ot exps=CPU that `r1 plan` prints (planLaunchOptions).
    const experts = plan.cpuMoeLayers > 0 ? planLaunchOptions(plan, {modelPath: flagged.path}) : undefined;
    return {
        options: {...flagged, contextSize, ...(useGpuLayers ? {gpuLayers: plan.gpuLayers} : {}), ...(useLoading ? {mmap: plan.loading.mmap} : {}),
            ...(experts?.cpuMoeLayers === undefined ? {} : {cpuMoeLayers: experts.cpuMoeLayers}),
            ...(experts?.overrideTensors === undefined ? {} : {overrideTensors: experts.overrideTensors})},
        plan, ...(planAtDepth === undefined ? {} : {planAtDepth}), hardware,
        reasons: [
            `planner: ${plan.placementDetail} (${plan.placement}); predicted ${plan.predicted.generationTokensPerSecond.toFixed(1)} tok/s generation` +
                `${planAtDepth === undefined ? "" : ` (${planAtDepth.predicted.generationTokensPerSecond.toFixed(1)} at depth ${planAtDepth.predicted.depth})`}, ` +
                `${plan.predicted.promptTokensPerSecond.toFixed(0)} tok/s prompt${plan.predicted.calibrated ? " (calibrated)" : ""}`,
            ...(useGpuLayers ? [`gpu layers ${plan.gpuLayers} from the planner`] : []),
            ...(experts === undefined ? [] : [`routed experts of ${plan.cpuMoeLayers} layers in RAM (llama-server at ${llamaServer?.path})`]),
            `loading: ${plan.loading.reason}`
        ]
    };
}
