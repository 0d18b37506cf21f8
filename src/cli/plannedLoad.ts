import {findVariant} from "../catalog/index.js";
import {DEFAULT_CONTEXT_SIZE, type LoadModelOptions} from "../engine/embedded/loadModel.js";
import {detectHardware, type HardwareProfile} from "../hardware/index.js";
import {loadCalibration, loadEngineProbe, planModel, type ModelPlan} from "../plan/index.js";

export interface PlannedLoad {
    options: LoadModelOptions;
    plan?: ModelPlan;
    hardware?: HardwareProfile;
    /** One line per planner decision, for `--verbose`. */
    reasons: string[];
}

/**
 * Load options for a model the catalog knows (a pulled variant, or a synthetic one): the planner
 * decides the GPU layers for the context being loaded; flags the user gave win. Unknown files keep
 * the engine's defaults (node-llama-cpp fits GPU layers to free VRAM).
 */
export async function plannedLoad(flagged: LoadModelOptions, model: {catalogId?: string, quant?: string}): Promise<PlannedLoad> {
    const variant = model.catalogId === undefined ? undefined : findVariant(model.catalogId);
    if (variant === undefined || model.quant === undefined) return {options: flagged, reasons: ["not a catalog model: engine defaults"]};
    const hardware = await detectHardware();
    const [calibration, probe] = await Promise.all([loadCalibration(hardware), loadEngineProbe(hardware)]);
    const contextSize = flagged.contextSize ?? DEFAULT_CONTEXT_SIZE;
    let plan: ModelPlan;
    try {
        plan = planModel({
            variant, quant: model.quant, hardware, contextSize,
            ...(calibration === undefined ? {} : {calibration}),
            ...(probe === undefined ? {} : {probe}),
            ...(flagged.mmap === undefined ? {} : {mmap: flagged.mmap}),
            ...(flagged.mlock === undefined ? {} : {mlock: flagged.mlock}),
            ...(typeof flagged.gpuLayers === "number" ? {gpuLayers: flagged.gpuLayers} : {}),
            ...(flagged.flashAttention === undefined ? {} : {flashAttention: flagged.flashAttention})
        });
    } catch {
        return {options: flagged, hardware, reasons: ["the planner could not plan this quant: engine defaults"]};
    }
    const useGpuLayers = flagged.gpuLayers === undefined && plan.placement !== "none" && hardware.gpus.length > 0;
    // Unprobed, the engine keeps node-llama-cpp's own mmap choice ("auto"); measured, the plan's.
    const useLoading = flagged.mmap === undefined && plan.placement !== "none" && probe !== undefined;
    return {
        options: {...flagged, contextSize, ...(useGpuLayers ? {gpuLayers: plan.gpuLayers} : {}), ...(useLoading ? {mmap: plan.loading.mmap} : {})},
        plan, hardware,
        reasons: [
            `planner: ${plan.placementDetail} (${plan.placement}); predicted ${plan.predicted.generationTokensPerSecond.toFixed(1)} tok/s generation, ${plan.predicted.promptTokensPerSecond.toFixed(0)} tok/s prompt${plan.predicted.calibrated ? " (calibrated)" : ""}`,
            ...(useGpuLayers ? [`gpu layers ${plan.gpuLayers} from the planner`] : []),
            `loading: ${plan.loading.reason}`
        ]
    };
}
