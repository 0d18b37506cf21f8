import {formatBytes, type HardwareProfile} from "../hardware/index.js";
import type {ModelPlan, PlanAllResult} from "../plan/index.js";
import type {WebHardwareItem, WebPlanResponse, WebPlanRow} from "./webApiTypes.js";

function gbPerSecond(bytesPerSecond: number): string {
    return `${Math.round(bytesPerSecond / 1e9)} GB/s`;
}

/** The hardware summary of the plan view: one labelled line per part. */
export function webHardwareItems(hardware: HardwareProfile): WebHardwareItem[] {
    const {cpu, ram} = hardware;
    const items: WebHardwareItem[] = [
        {label: "CPU", value: `${cpu.model}, ${cpu.physicalCores} cores / ${cpu.logicalCores} threads${cpu.isa.length === 0 ? "" : `, ${cpu.isa.join(" ")}`}`},
        {label: "RAM", value: `${formatBytes(ram.totalBytes)} (${formatBytes(ram.freeBytes)} free), ${gbPerSecond(ram.bandwidthBytesPerSecond)}`}
    ];
    if (hardware.gpus.length === 0) items.push({label: "GPU", value: "none detected"});
    hardware.gpus.forEach((gpu, i) => items.push({
        label: hardware.gpus.length === 1 ? "GPU" : `GPU ${i}`,
        value: `${gpu.name} (${gpu.backend}${gpu.unifiedMemory ? ", unified memory" : ""}), ${formatBytes(gpu.vramBytes)}, ${gbPerSecond(gpu.bandwidthBytesPerSecond)}`
    }));
    return items;
}

/** One row of the plan table. */
export function webPlanRow(plan: ModelPlan): WebPlanRow {
    const fits = plan.fits;
    return {
        model: plan.model,
        quant: plan.quant,
        placement: plan.placement,
        gpuLayers: plan.gpuLayers,
        totalBytes: Math.round(plan.memory.totalBytes),
        ...(fits ? {generationTokensPerSecond: plan.predicted.generationTokensPerSecond, promptTokensPerSecond: plan.predicted.promptTokensPerSecond} : {}),
        verdict: plan.verdict
    };
}

/** The plan view's JSON from `planAll` on one machine. Pure. */
export function toWebPlan(hardware: HardwareProfile, result: PlanAllResult, contextSize: number): WebPlanResponse {
    return {
        hardware: webHardwareItems(hardware),
        rows: result.candidates.map(webPlanRow),
        contextSize,
        recommendation: result.recommendation.summary,
        notes: [...hardware.notes]
    };
}
