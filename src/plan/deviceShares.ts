import type {GpuDevice} from "../hardware/index.js";
import {chooseLoading} from "./chooseLoading.js";
import type {BackendProbe} from "./engineProbe.js";
import {computeBuffer, expertsOnGpu, type Layout} from "./layouts.js";
import type {PlanContext} from "./planContext.js";
import {PCIE_BYTES_PER_SECOND, type SpeedBackend} from "./speedConstants.js";
import {addAmounts, attentionUnitsPerLayer, fastestDecodeRate, probedPromptSeconds, probedWeightSeconds, promptWidthFactor} from "./speedModel.js";
import type {DeviceShare, LoadingChoice} from "./types.js";

type Amounts = Record<string, {bytes: number, params: number}>;

/** One device's part of a layout: its memory, and its time per token as a function of depth. */
export interface DeviceEvaluation {
    /** Memory and reads at the plan's depth. */
    readonly share: DeviceShare;
    /** Seconds this device spends per generated token at `depth` cached positions, overheads excluded. */
    readonly secondsAt: (depth: number) => number;
    /** Seconds of one prompt micro-batch on this device. */
    readonly promptSeconds: number;
    /** Per-layer overhead of the layers here, seconds per token. */
    readonly layerOverheadSeconds: number;
    /** Whether engine-measured rates drove this device's speed. */
    readonly probed: boolean;
}

/** What one device holds and reads per token. */
interface DeviceLoad {
    readonly name: string;
    readonly kind: "gpu" | "ram";
    readonly backend: SpeedBackend;
    /** Transformer layers whose attention (and KV cache) live here. */
    readonly layers: number;
    readonly weightsBytes: number;
    readonly kvCacheBytes: number;
    readonly computeBytes: number;
    readonly capacityBytes: number;
    /** Weight amounts one token reads here (routed experts scaled by the active share). */
    readonly reads: Amounts;
    /** The output layer's amounts among `reads`: a prompt batch computes logits for its last token only. */
    readonly outputReads: Amounts;
    /** Attention FLOPs per token at a half-full micro-batch, for the unprobed compute bound. */
    readonly attentionFlops: number;
    readonly peakBytesPerSecond: number;
    /** Share of `reads` resident in memory (the rest streams from disk, costed by the disk device). */
    readonly residentShare: number;
    /** Memory-mapped ÷ in-memory rate applied to probed rates. */
    readonly rateFactor: number;
}

/** The GPUs a layout uses: layers, KV, compute buffer, and the output layer on the last one. */
export function gpuEvaluations(ctx: PlanContext, layout: Layout, perGpu: readonly number[][]): DeviceEvaluation[] {
    const w = ctx.weights;
    const lastUsedGpu = perGpu.reduce((last, layers, i) => layers.length > 0 ? i : last, -1);
    const evaluations: DeviceEvaluation[] = [];
    perGpu.forEach((layers, i) => {
        if (layers.length === 0 && !(layout.outputOnGpu && i === lastUsedGpu)) return;
        const gpu: GpuDevice = ctx.hardware.gpus[i]!;
        const holdsOutput = layout.outputOnGpu && i === lastUsedGpu;
        const reads: Amounts = {};
        let weightsBytes = 0;
        if (holdsOutput) {
            weightsBytes += w.outputBytes;
            addAmounts(reads, w.outputByType);
        }
        const outputReads: Amounts = holdsOutput ? {...w.outputByType} : {};
        for (const layer of layers) {
            const lw = w.layers[layer]!;
            const experts = expertsOnGpu(ctx, layout, layer);
            weightsBytes += lw.denseBytes + (experts ? lw.expertBytes : 0);
            addAmounts(reads, lw.denseByType);
            if (experts) addAmounts(reads, lw.expertByType, w.activeExpertFraction);
        }
        evaluations.push(evaluateDevice(ctx, {
            name: `GPU ${i} (${gpu.name})`, kind: "gpu", backend: gpu.backend, layers: layers.length, weightsBytes,
            kvCacheBytes: layers.length * ctx.kvPerLayer, computeBytes: computeBuffer(ctx, holdsOutput), capacityBytes: ctx.gpuCapacity[i]!,
            reads, outputReads, attentionFlops: layers.length * attentionFlops(ctx), peakBytesPerSecond: gpu.bandwidthBytesPerSecond, residentShare: 1, rateFactor: 1
        }, (flops) => flops / (gpu.fp16FlopsPerSecond * ctx.efficiency[gpu.backend].computeEfficiency)));
    });
    return evaluations;
}

export interface HostEvaluation {
    readonly ram: DeviceEvaluation;
    readonly disk?: DeviceEvaluation;
    /** The KV cache and compute buffers fit in RAM (weights may still stream from disk). */
    readonly fits: boolean;
    readonly diskWeightsBytes: number;
    readonly loading: LoadingChoice;
}

/** System RAM (token embeddings, CPU layers, experts kept in RAM, the output unless on GPU) and, past RAM, the disk. */
export function hostEvaluation(ctx: PlanContext, layout: Layout, gpuMemoryUsed: number): HostEvaluation {
    const a = ctx.architecture;
    const n = a.layers;
    const w = ctx.weights;
    const gpuLayerFirst = n - layout.gpuLayerCount;
    let ramWeights = w.tokenEmbeddingBytes + (layout.outputOnGpu ? 0 : w.outputBytes);
    const reads: Amounts = {};
    if (!layout.outputOnGpu) addAmounts(reads, w.outputByType);
    let cpuLayers = 0;
    for (let layer = 0; layer < n; layer++) {
        const lw = w.layers[layer]!;
        if (layer < gpuLayerFirst) {
            cpuLayers++;
            ramWeights += lw.denseBytes + lw.expertBytes;
            addAmounts(reads, lw.denseByType);
            addAmounts(reads, lw.expertByType, w.activeExpertFraction);
        } else if (!expertsOnGpu(ctx, layout, layer)) {
            ramWeights += lw.expertBytes;
            addAmounts(reads, lw.expertByType, w.activeExpertFraction);
        }
    }
    const ramKv = cpuLayers * ctx.kvPerLayer;
    const ramCompute = cpuLayers > 0 || !layout.outputOnGpu || layout.cpuMoeLayers > 0
        ? computeBuffer(ctx, !layout.outputOnGpu)
        : ctx.microBatch * a.hiddenSize * 4 * 8;
    // Unified memory: what the GPU holds comes out of the same RAM.
    const ramCapacity = ctx.ramCapacity - (ctx.unified ? gpuMemoryUsed : 0);
    const ramForWeights = ramCapacity - ramKv - ramCompute;
    const residentWeights = Math.max(0, Math.min(ramWeights, ramForWeights));
    const diskWeights = ramWeights - residentWeights;
    // Memory-mapped weights beyond RAM are re-read from disk in proportion to what is not cached.
    const residentShare = ramWeights > 0 ? residentWeights / ramWeights : 1;
    const cpuProbe = ctx.probe.cpu;
    const loading = chooseLoading({
        ramWeightsBytes: ramWeights - w.tokenEmbeddingBytes, diskWeightsBytes: diskWeights,
        ...(cpuProbe?.mmapRateRatio === undefined ? {} : {mmapRateRatio: cpuProbe.mmapRateRatio}),
        ...(ctx.mmap === undefined ? {} : {mmap: ctx.mmap}), ...(ctx.mlock === undefined ? {} : {mlock: ctx.mlock})
    });
    const rateFactor = loading.mmap ? cpuProbe?.mmapRateRatio ?? 1 : 1;
    // CPU matmuls at batch 1 can be compute-bound on few cores. The CPU's compute efficiency is 1
    // unless `r1 bench` calibrated it (its FLOPS estimate already includes one).
    const cpuFlops = ctx.hardware.cpu.flopsPerSecond * ctx.efficiency.cpu.computeEfficiency;
    const ramWeightsTouched = ramWeights - w.tokenEmbeddingBytes;
    const ram = evaluateDevice(ctx, {
        name: "RAM", kind: "ram", backend: "cpu", layers: cpuLayers, weightsBytes: residentWeights, kvCacheBytes: ramKv, computeBytes: ramCompute,
        capacityBytes: ramCapacity, reads, outputReads: layout.outputOnGpu ? {} : {...w.outputByType}, attentionFlops: cpuLayers * attentionFlops(ctx), peakBytesPerSecond: ctx.hardware.ram.bandwidthBytesPerSecond,
        residentShare, rateFactor
    }, (flops) => flops / cpuFlops, (promptSeconds) => {
        if (ramWeightsTouched <= 0) return 0;
        // CPU-resident weights either cross PCIe once per micro-batch (llama.cpp offloads big-batch
        // ops to the GPU) or, without a discrete GPU, are computed on the CPU.
        return ctx.hardware.gpus.length > 0 && !ctx.unified ? ramWeightsTouched / PCIE_BYTES_PER_SECOND : promptSeconds;
    });
    let disk: DeviceEvaluation | undefined;
    if (diskWeights > 0) {
        const diskRead = totalBytes(reads) * (1 - residentShare);
        const rate = ctx.hardware.diskReadBytesPerSecond;
        disk = {
            share: deviceShare({name: "disk", kind: "disk", backend: "disk", layers: 0, weightsBytes: diskWeights, kvCacheBytes: 0, computeBytes: 0,
                capacityBytes: diskWeights, bytesPerToken: diskRead, effectiveBytesPerSecond: rate, peakBytesPerSecond: rate, secondsPerToken: diskRead / rate}),
            secondsAt: () => diskRead / rate,
            promptSeconds: diskWeights / rate,
            layerOverheadSeconds: 0,
            probed: false
        };
    }
    return {ram, ...(disk === undefined ? {} : {disk}), fits: ramForWeights > 0, diskWeightsBytes: diskWeights, loading};
}

/**
 * Time per token and per prompt batch of one device: from the engine probe's measured rates when
 * this backend was probed, else peak bandwidth × efficiency (and, on the CPU, a FLOPs bound).
 */
function evaluateDevice(ctx: PlanContext, load: DeviceLoad, computeSeconds: (flops: number) => number,
    promptOverride?: (computedPromptSeconds: number) => number): DeviceEvaluation {
    const probe: BackendProbe | undefined = ctx.probe[load.backend];
    const weightBytes = totalBytes(load.reads) * load.residentShare;
    const kvBytesAt = (depth: number) => load.layers * ctx.kvPerTokenPerLayer * depth;
    const flops = 2 * Object.values(load.reads).reduce((s, x) => s + x.params, 0) + load.attentionFlops;
    let secondsAt: (depth: number) => number;
    let effective: number;
    let peak = load.peakBytesPerSecond;
    let promptSeconds: number;
    let layerOverheadSeconds: number;
    if (probe !== undefined) {
        const resident: Amounts = {};
        addAmounts(resident, load.reads, load.residentShare);
        const weightSeconds = probedWeightSeconds(resident, probe, load.rateFactor);
        // Attention per cached position: the probe's measured compute, never less than reading that
        // position's K and V at the fastest rate the engine reached. The KV read is a floor the
        // hardware sets; it stands in when the probe's deep − shallow difference drowned in noise
        // (measured 0 under load), where the plan would otherwise not slow with depth at all.
        const attentionPerDepth = Math.max(load.layers * attentionUnitsPerLayer(ctx.architecture, 1) * probe.attentionSecondsPerUnit,
            load.layers * ctx.kvPerTokenPerLayer / fastestDecodeRate(probe));
        secondsAt = (depth) => weightSeconds + attentionPerDepth * depth;
        effective = weightSeconds > 0 ? weightBytes / weightSeconds : fastestDecodeRate(probe);
        // What the engine demonstrably reached is a floor for the physical peak.
        peak = Math.max(peak, fastestDecodeRate(probe) * Math.max(1, load.rateFactor));
        // The probe's prompt rate is the layers' (at the rate models' width, scaled to this model's);
        // a prompt batch computes the output for its last token only.
        const layerReads: Amounts = {};
        addAmounts(layerReads, load.reads);
        addAmounts(layerReads, load.outputReads, -1);
        promptSeconds = probedPromptSeconds(layerReads, ctx.microBatch, probe) / promptWidthFactor(probe, ctx.architecture.hiddenSize) +
            probedWeightSeconds(load.outputReads, probe);
        layerOverheadSeconds = probe.perLayerOverheadSeconds * ctx.layerOverheadFactor * load.layers;
    } else {
        const efficiency = ctx.efficiency[load.backend];
        effective = peak * efficiency.bandwidthEfficiency;
        const compute = load.kind === "ram" ? computeSeconds(flops) : 0;
        secondsAt = (depth) => Math.max((weightBytes + kvBytesAt(depth)) / effective, compute);
        promptSeconds = computeSeconds(flops * ctx.microBatch);
        layerOverheadSeconds = efficiency.perLayerOverheadSeconds * ctx.layerOverheadFactor * load.layers;
    }
    if (promptOverride !== undefined) promptSeconds = promptOverride(promptSeconds);
    const bytesPerToken = weightBytes + kvBytesAt(ctx.depth);
    return {
        share: deviceShare({
            name: load.name, kind: load.kind, backend: load.backend, layers: load.layers, weightsBytes: load.weightsBytes,
            kvCacheBytes: load.kvCacheBytes, computeBytes: load.computeBytes, capacityBytes: load.capacityBytes,
            bytesPerToken, effectiveBytesPerSecond: effective, peakBytesPerSecond: peak, secondsPerToken: secondsAt(ctx.depth)
        }),
        secondsAt, promptSeconds, layerOverheadSeconds, probed: probe !== undefined
    };
}

/** A device's row of the plan. */
export function deviceShare(options: Omit<DeviceShare, "totalBytes" | "device"> & {name: string}): DeviceShare {
    const {name, ...rest} = options;
    return {...rest, device: name, totalBytes: options.weightsBytes + options.kvCacheBytes + options.computeBytes};
}

function totalBytes(amounts: Amounts): number {
    return Object.values(amounts).reduce((s, x) => s + x.bytes, 0);
}

/** Attention FLOPs per token per layer at a half-full micro-batch (QK and PV). */
function attentionFlops(ctx: PlanContext): number {
    const a = ctx.architecture;
    const width = a.kind === "dense" ? a.heads * a.headDim : a.heads * (a.kvLoraRank * 2 + a.qkRopeHeadDim);
    return 4 * width * (ctx.microBatch / 2);
}
