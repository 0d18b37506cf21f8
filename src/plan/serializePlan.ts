import type {HardwareProfile} from "../hardware/index.js";
import type {PlanRecommendation} from "./planAll.js";
import {subjectVariant, type ModelPlan} from "./types.js";

/** The JSON form of one candidate (`r1 plan --json`), stable for scripts, the server and the web UI. */
export function serializePlan(plan: ModelPlan): Record<string, unknown> {
    const v = subjectVariant(plan.subject);
    const file = plan.subject.kind === "file" ? plan.subject : undefined;
    return {
        model: plan.model,
        quant: plan.quant,
        name: v?.name ?? file?.description ?? plan.model,
        distilled: v?.distilled ?? false,
        baseModel: v?.baseModel ?? file?.description ?? null,
        ...(file === undefined ? {} : {file: file.source}),
        contextSize: plan.contextSize,
        placement: plan.placement,
        placementDetail: plan.placementDetail,
        gpuLayers: plan.gpuLayers,
        cpuMoeLayers: plan.cpuMoeLayers,
        fits: plan.fits,
        loading: {...plan.loading},
        memory: {
            weightsBytes: Math.round(plan.memory.weightsBytes), kvCacheBytes: Math.round(plan.memory.kvCacheBytes),
            computeBytes: Math.round(plan.memory.computeBytes), totalBytes: Math.round(plan.memory.totalBytes),
            fileBytes: Math.round(plan.memory.fileBytes)
        },
        devices: plan.devices.map((d) => ({
            device: d.device, kind: d.kind, layers: d.layers, weightsBytes: Math.round(d.weightsBytes), kvCacheBytes: Math.round(d.kvCacheBytes),
            computeBytes: Math.round(d.computeBytes), totalBytes: Math.round(d.totalBytes), capacityBytes: Math.round(d.capacityBytes),
            bytesPerToken: Math.round(d.bytesPerToken), effectiveBytesPerSecond: Math.round(d.effectiveBytesPerSecond)
        })),
        predicted: {
            generationTokensPerSecond: round2(plan.predicted.generationTokensPerSecond),
            promptTokensPerSecond: round2(plan.predicted.promptTokensPerSecond),
            rooflineTokensPerSecond: round2(plan.predicted.rooflineTokensPerSecond),
            depth: plan.predicted.depth,
            bytesPerToken: Math.round(plan.predicted.bytesPerToken),
            calibrated: plan.predicted.calibrated,
            source: plan.predicted.source
        },
        timeToAnswer: plan.timeToAnswer === undefined ? null : {...plan.timeToAnswer, seconds: round2(plan.timeToAnswer.seconds)},
        verdict: plan.verdict,
        quality: {note: plan.qualityNote, ...v?.scores},
        notes: plan.notes
    };
}

/** The JSON form of a machine. */
export function serializeHardware(hardware: HardwareProfile): Record<string, unknown> {
    return {...hardware, cpu: {...hardware.cpu}, ram: {...hardware.ram}, gpus: hardware.gpus.map((g) => ({...g}))};
}

/** `{hardware, candidates, recommendation}`, the shape `r1 plan --json` prints. */
export function serializePlanReport(hardware: HardwareProfile, candidates: readonly ModelPlan[], recommendation: PlanRecommendation): Record<string, unknown> {
    const pick = (p: ModelPlan | undefined) => p === undefined ? null : {model: p.model, quant: p.quant, verdict: p.verdict,
        generationTokensPerSecond: round2(p.predicted.generationTokensPerSecond), placement: p.placement};
    return {
        hardware: serializeHardware(hardware),
        candidates: candidates.map(serializePlan),
        recommendation: {bestUsable: pick(recommendation.bestUsable), bestThatRuns: pick(recommendation.bestThatRuns), summary: recommendation.summary}
    };
}

function round2(x: number): number {
    return Number.isFinite(x) ? Math.round(x * 100) / 100 : 0;
}
