import {computeBufferBytes} from "./computeBuffer.js";
import type {PlanContext} from "./planContext.js";

/** A concrete layout: how many of the last layers sit on GPUs, and whether their experts do. */
export interface Layout {
    readonly gpuLayerCount: number;
    readonly outputOnGpu: boolean;
    /** Of the GPU layers, how many (the first ones) keep their routed experts in RAM. */
    readonly cpuMoeLayers: number;
}

/** CPU only; all on GPU(s); the most layers that fit; with `expertOffload`, MoE experts in RAM. A forced GPU layer count is the only layout. */
export function candidateLayouts(ctx: PlanContext, forcedGpuLayers: number | undefined, expertOffload: boolean): Layout[] {
    const n = ctx.architecture.layers;
    const hasGpu = ctx.hardware.gpus.length > 0;
    if (forcedGpuLayers !== undefined) {
        const g = hasGpu ? Math.max(0, Math.min(Math.floor(forcedGpuLayers), n + 1)) : 0;
        return [{gpuLayerCount: Math.min(g, n), outputOnGpu: g > n, cpuMoeLayers: 0}];
    }
    const layouts: Layout[] = [{gpuLayerCount: 0, outputOnGpu: false, cpuMoeLayers: 0}];
    if (!hasGpu) return layouts;
    layouts.push({gpuLayerCount: n, outputOnGpu: true, cpuMoeLayers: 0});
    // Partial offload: the most layers that fit (llama.cpp offloads the last ones).
    for (let k = n; k >= 1; k--) {
        const layout = {gpuLayerCount: k, outputOnGpu: false, cpuMoeLayers: 0};
        if (assignLayers(ctx, layout).fits) {
            layouts.push(layout);
            break;
        }
    }
    // MoE: attention and shared experts of every layer on GPU, routed experts of the first m layers in RAM.
    if (expertOffload && ctx.architecture.kind === "moe") {
        for (let m = 0; m <= n; m++) {
            const layout = {gpuLayerCount: n, outputOnGpu: true, cpuMoeLayers: m};
            if (assignLayers(ctx, layout).fits) {
                layouts.push(layout);
                break;
            }
        }
    }
    return layouts;
}

/** Layer indices on each GPU: the last `gpuLayerCount` layers, filled in GPU order. */
export function assignLayers(ctx: PlanContext, layout: Layout): {perGpu: number[][], fits: boolean} {
    const n = ctx.architecture.layers;
    const first = n - layout.gpuLayerCount;
    const perGpu: number[][] = ctx.hardware.gpus.map(() => []);
    const used = ctx.hardware.gpus.map((_, i) => gpuFixedBytes(ctx, layout, i === ctx.hardware.gpus.length - 1));
    let gpu = 0;
    for (let layer = first; layer < n; layer++) {
        const cost = layerGpuBytes(ctx, layout, layer);
        while (gpu < perGpu.length && used[gpu]! + cost > ctx.gpuCapacity[gpu]!) gpu++;
        if (gpu >= perGpu.length) return {perGpu, fits: false};
        perGpu[gpu]!.push(layer);
        used[gpu]! += cost;
    }
    return {perGpu, fits: true};
}

export function expertsOnGpu(ctx: PlanContext, layout: Layout, layer: number): boolean {
    return layer >= ctx.architecture.layers - layout.gpuLayerCount + layout.cpuMoeLayers;
}

function layerGpuBytes(ctx: PlanContext, layout: Layout, layer: number): number {
    const w = ctx.weights.layers[layer]!;
    return w.denseBytes + (expertsOnGpu(ctx, layout, layer) ? w.expertBytes : 0) + ctx.kvPerLayer;
}

/** Output layer (last GPU only) and the compute buffer each GPU in use holds. */
function gpuFixedBytes(ctx: PlanContext, layout: Layout, isLast: boolean): number {
    const holdsOutput = layout.outputOnGpu && isLast;
    return (holdsOutput ? ctx.weights.outputBytes : 0) + computeBuffer(ctx, holdsOutput);
}

export function computeBuffer(ctx: PlanContext, holdsOutput: boolean): number {
    return computeBufferBytes(ctx.architecture, {microBatch: ctx.microBatch, contextSize: ctx.contextSize, flashAttention: ctx.flashAttention, holdsOutput});
}
