import {DEFAULT_QUANT, findQuantOption, UnknownQuantError, type Variant} from "../catalog/index.js";
import type {HardwareProfile} from "../hardware/index.js";
import {effectiveEfficiency, type Calibration} from "./calibration.js";
import {computeBufferBytes} from "./computeBuffer.js";
import {kvBytesPerTokenPerLayer, type KvCacheType} from "./kvCache.js";
import {modelWeights, type ModelWeights} from "./modelWeights.js";
import {
    DEFAULT_CONTEXT_SIZE, DEFAULT_MICRO_BATCH, GPU_RESERVED_BYTES, MEASURED_BANDWIDTH_EFFICIENCY, MIN_RUNNABLE_TOKENS_PER_SECOND, PCIE_BYTES_PER_SECOND,
    MOE_LAYER_OVERHEAD_FACTOR, ramReservedBytes, SLOW_TOKENS_PER_SECOND, USABLE_TOKENS_PER_SECOND, type BackendEfficiency, type SpeedBackend
} from "./speedConstants.js";
import type {DeviceShare, ModelPlan, Placement, Verdict} from "./types.js";

export interface PlanModelOptions {
    readonly variant: Variant;
    /** Quant name. Defaults to `Q4_K_M`. */
    readonly quant?: string;
    readonly hardware: HardwareProfile;
    /** Context tokens per sequence. Defaults to 8192, capped at the model's maximum. */
    readonly contextSize?: number;
    /** Parallel sequences sharing the cache (llama-server `-np`). Defaults to `1`. */
    readonly parallelSequences?: number;
    /** KV cache type for K and V. Defaults to `"f16"`. */
    readonly kvCacheType?: KvCacheType;
    /** Defaults to `true`. */
    readonly flashAttention?: boolean;
    /** Tokens already in the context when generating (their KV is read every token). Defaults to `0`, like llama-bench tg128. */
    readonly depth?: number;
    /** Force this many GPU layers (engine override); the planner then only predicts. Defaults to choosing the fastest layout. */
    readonly gpuLayers?: number;
    /** Measured efficiencies from `loadCalibration()`. Defaults to none (the documented constants). */
    readonly calibration?: Calibration;
    /** llama.cpp n_ubatch. Defaults to `512`. */
    readonly microBatch?: number;
    /**
     * Allow the MoE layout with attention on the GPU and routed experts in RAM (llama.cpp's
     * `--n-cpu-moe` / `-ot exps=CPU`). node-llama-cpp 3.21 has no such option, so r1's own engine
     * cannot load a model that way: the default plans only what r1 can run. Defaults to `false`.
     */
    readonly expertOffload?: boolean;
    /**
     * Weights of a real file (`modelWeightsFromGguf`) instead of the ones computed from the
     * catalog; `quant` is then only a label. Defaults to the catalog's.
     */
    readonly weights?: ModelWeights;
}

/** A concrete layout: how many of the last layers sit on GPUs, and whether their experts do. */
interface Layout {
    readonly gpuLayerCount: number;
    readonly outputOnGpu: boolean;
    /** Of the GPU layers, how many (the first ones) keep their routed experts in RAM. */
    readonly cpuMoeLayers: number;
}

interface Context {
    readonly variant: Variant;
    readonly weights: ModelWeights;
    readonly hardware: HardwareProfile;
    readonly contextSize: number;
    readonly kvPerLayer: number;
    readonly kvReadPerLayer: number;
    readonly efficiency: Record<SpeedBackend, BackendEfficiency>;
    readonly calibrated: boolean;
    readonly microBatch: number;
    readonly flashAttention: boolean;
    readonly gpuCapacity: readonly number[];
    readonly ramCapacity: number;
    readonly unified: boolean;
}

interface Evaluation {
    readonly layout: Layout;
    readonly devices: DeviceShare[];
    readonly fits: boolean;
    readonly usesDisk: boolean;
    readonly generation: number;
    readonly prompt: number;
    readonly roofline: number;
    readonly bytesPerToken: number;
    readonly overhead: number;
    readonly backend: SpeedBackend;
}

/**
 * Plans one variant × quant on a machine: memory per device (weights per layer, KV cache for the
 * context with GQA/MLA and the cache type, compute buffers, OS/driver reserves), the placement
 * (all on GPU; MoE experts in RAM with attention on GPU; partial offload; several GPUs; RAM;
 * memory-mapped from disk as the last resort) and the predicted speeds. Generation is
 * memory-bound: time per token = Σ devices (bytes read there ÷ effective bandwidth) + overhead,
 * counting only the active experts of a MoE. Prompt speed comes from compute (and PCIe for
 * weights left in RAM). Among the layouts that fit, the fastest wins. Pure: no I/O.
 */
export function planModel(options: PlanModelOptions): ModelPlan {
    const {variant, hardware} = options;
    const known = findQuantOption(options.quant ?? DEFAULT_QUANT);
    if (options.weights === undefined && (known === undefined || !variant.quants.includes(known.name)))
        throw new UnknownQuantError(options.quant ?? "", variant.quants);
    const quant = {name: known?.name ?? options.quant ?? "file", qualityNote: known?.qualityNote ?? "as quantized in the file"};
    const a = variant.architecture;
    const contextSize = Math.max(1, Math.min(Math.floor(options.contextSize ?? DEFAULT_CONTEXT_SIZE), a.maxContext));
    const parallel = Math.max(1, Math.floor(options.parallelSequences ?? 1));
    const flashAttention = options.flashAttention ?? true;
    const kvOptions = {typeK: options.kvCacheType ?? "f16", flashAttention} as const;
    const kvPerToken = kvBytesPerTokenPerLayer(a, kvOptions);
    const unified = hardware.gpus.some((g) => g.unifiedMemory);
    const ramCapacity = hardware.ram.totalBytes - ramReservedBytes(hardware.ram.totalBytes);
    const ctx: Context = {
        variant, weights: options.weights ?? modelWeights(variant, quant.name), hardware, contextSize,
        kvPerLayer: kvPerToken * contextSize * parallel,
        kvReadPerLayer: kvPerToken * Math.min(options.depth ?? 0, contextSize),
        efficiency: withMeasuredRam(effectiveEfficiency(options.calibration), hardware, options.calibration),
        calibrated: Object.keys(options.calibration?.backends ?? {}).length > 0,
        microBatch: options.microBatch ?? DEFAULT_MICRO_BATCH,
        flashAttention,
        gpuCapacity: hardware.gpus.map((g) => unified ? Math.min(g.vramBytes, ramCapacity) : g.vramBytes - GPU_RESERVED_BYTES),
        ramCapacity, unified
    };
    const layouts = candidateLayouts(ctx, options.gpuLayers, options.expertOffload ?? false);
    const evaluations = layouts.map((layout) => evaluate(ctx, layout)).filter((e) => e.fits);
    const inMemory = evaluations.filter((e) => !e.usesDisk);
    const pool = inMemory.length > 0 ? inMemory : evaluations;
    const best = pool.reduce<Evaluation | undefined>((b, e) => b === undefined || e.generation > b.generation ? e : b, undefined);
    const gpuCouldHold = evaluations.some((e) => e.layout.gpuLayerCount > 0 && !e.usesDisk);
    return toPlan(ctx, quant.name, quant.qualityNote, best, options.gpuLayers, gpuCouldHold);
}

function candidateLayouts(ctx: Context, forcedGpuLayers: number | undefined, expertOffload: boolean): Layout[] {
    const n = ctx.variant.architecture.layers;
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
        if (gpusFit(ctx, layout)) {
            layouts.push(layout);
            break;
        }
    }
    // MoE: attention and shared experts of every layer on GPU, routed experts of the first m layers in RAM.
    if (expertOffload && ctx.variant.architecture.kind === "moe") {
        for (let m = 0; m <= n; m++) {
            const layout = {gpuLayerCount: n, outputOnGpu: true, cpuMoeLayers: m};
            if (gpusFit(ctx, layout)) {
                layouts.push(layout);
                break;
            }
        }
    }
    return layouts;
}

/** Layer indices (first..last) on each GPU: the last `gpuLayerCount` layers, filled in GPU order. */
function assignLayers(ctx: Context, layout: Layout): {perGpu: number[][], fits: boolean} {
    const n = ctx.variant.architecture.layers;
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

function gpusFit(ctx: Context, layout: Layout): boolean {
    return assignLayers(ctx, layout).fits;
}

function expertsOnGpu(layout: Layout, layer: number, n: number): boolean {
    return layer >= n - layout.gpuLayerCount + layout.cpuMoeLayers;
}

function layerGpuBytes(ctx: Context, layout: Layout, layer: number): number {
    const w = ctx.weights.layers[layer]!;
    const n = ctx.variant.architecture.layers;
    return w.denseBytes + (expertsOnGpu(layout, layer, n) ? w.expertBytes : 0) + ctx.kvPerLayer;
}

/** Output layer (last GPU only) and the compute buffer each GPU in use holds. */
function gpuFixedBytes(ctx: Context, layout: Layout, isLast: boolean): number {
    const holdsOutput = layout.outputOnGpu && isLast;
    return (holdsOutput ? ctx.weights.outputBytes : 0) + computeBufferBytes(ctx.variant.architecture, {
        microBatch: ctx.microBatch, contextSize: ctx.contextSize, flashAttention: ctx.flashAttention, holdsOutput
    });
}

function evaluate(ctx: Context, layout: Layout): Evaluation {
    const a = ctx.variant.architecture;
    const n = a.layers;
    const w = ctx.weights;
    const {perGpu, fits: gpuFits} = assignLayers(ctx, layout);
    const devices: DeviceShare[] = [];
    const flopsPerToken = (layer: number, experts: boolean): number =>
        2 * ((experts ? 0 : w.layers[layer]!.denseParams) + (experts ? w.layers[layer]!.expertParams * expertShare(w) : 0));
    let gpuMemoryUsed = 0;
    let promptSeconds = 0;
    let overhead = 0;
    const lastUsedGpu = perGpu.reduce((last, layers, i) => layers.length > 0 ? i : last, -1);
    perGpu.forEach((layers, i) => {
        if (layers.length === 0 && !(layout.outputOnGpu && i === lastUsedGpu)) return;
        const gpu = ctx.hardware.gpus[i]!;
        const eff = ctx.efficiency[gpu.backend];
        const holdsOutput = layout.outputOnGpu && i === lastUsedGpu;
        let weightsBytes = holdsOutput ? w.outputBytes : 0;
        let bytesPerToken = weightsBytes;
        let flops = holdsOutput ? 2 * w.outputParams : 0;
        for (const layer of layers) {
            const lw = w.layers[layer]!;
            const experts = expertsOnGpu(layout, layer, n);
            weightsBytes += lw.denseBytes + (experts ? lw.expertBytes : 0);
            bytesPerToken += lw.denseBytes + (experts ? lw.expertBytes * expertShare(w) : 0) + ctx.kvReadPerLayer;
            flops += flopsPerToken(layer, false) + (experts ? flopsPerToken(layer, true) : 0) + attentionFlops(ctx);
        }
        const kvCacheBytes = layers.length * ctx.kvPerLayer;
        const computeBytes = computeBufferBytes(a, {microBatch: ctx.microBatch, contextSize: ctx.contextSize, flashAttention: ctx.flashAttention, holdsOutput});
        const totalBytes = weightsBytes + kvCacheBytes + computeBytes;
        gpuMemoryUsed += totalBytes;
        devices.push(share(`GPU ${i} (${gpu.name})`, "gpu", gpu.backend, layers.length, weightsBytes, kvCacheBytes, computeBytes,
            ctx.gpuCapacity[i]!, bytesPerToken, gpu.bandwidthBytesPerSecond, eff.bandwidthEfficiency));
        promptSeconds += flops * ctx.microBatch / (gpu.fp16FlopsPerSecond * eff.computeEfficiency);
        overhead += eff.perLayerOverheadSeconds * layerOverheadFactor(a) * layers.length;
    });

    // System RAM: token embeddings, CPU layers, experts kept in RAM, the output layer unless on GPU.
    const gpuLayerFirst = n - layout.gpuLayerCount;
    let ramWeights = w.tokenEmbeddingBytes + (layout.outputOnGpu ? 0 : w.outputBytes);
    let ramBytesPerToken = layout.outputOnGpu ? 0 : w.outputBytes;
    let ramFlops = layout.outputOnGpu ? 0 : 2 * w.outputParams;
    let cpuLayers = 0;
    for (let layer = 0; layer < n; layer++) {
        const lw = w.layers[layer]!;
        if (layer < gpuLayerFirst) {
            cpuLayers++;
            ramWeights += lw.denseBytes + lw.expertBytes;
            ramBytesPerToken += lw.denseBytes + lw.expertBytes * expertShare(w) + ctx.kvReadPerLayer;
            ramFlops += flopsPerToken(layer, false) + flopsPerToken(layer, true) + attentionFlops(ctx);
        } else if (!expertsOnGpu(layout, layer, n)) {
            ramWeights += lw.expertBytes;
            ramBytesPerToken += lw.expertBytes * expertShare(w);
            ramFlops += flopsPerToken(layer, true);
        }
    }
    const ramKv = cpuLayers * ctx.kvPerLayer;
    const ramCompute = cpuLayers > 0 || !layout.outputOnGpu || layout.cpuMoeLayers > 0
        ? computeBufferBytes(a, {microBatch: ctx.microBatch, contextSize: ctx.contextSize, flashAttention: ctx.flashAttention, holdsOutput: !layout.outputOnGpu})
        : ctx.microBatch * a.hiddenSize * 4 * 8;
    // Unified memory: what the GPU holds comes out of the same RAM.
    const ramCapacity = ctx.ramCapacity - (ctx.unified ? gpuMemoryUsed : 0);
    const ramForWeights = ramCapacity - ramKv - ramCompute;
    const residentWeights = Math.max(0, Math.min(ramWeights, ramForWeights));
    const diskWeights = ramWeights - residentWeights;
    // Memory-mapped weights beyond RAM are re-read from disk in proportion to what is not cached.
    const residentShare = ramWeights > 0 ? residentWeights / ramWeights : 1;
    const cpuEff = ctx.efficiency.cpu;
    const ramReadBytes = ramBytesPerToken * residentShare;
    const cpu = share("RAM", "ram", "cpu", cpuLayers, residentWeights, ramKv, ramCompute, ramCapacity, ramReadBytes,
        ctx.hardware.ram.bandwidthBytesPerSecond, cpuEff.bandwidthEfficiency);
    // CPU matmuls at batch 1 can be compute-bound on few cores.
    // The CPU's compute efficiency is 1 unless `r1 bench` calibrated it (its FLOPS estimate already includes one).
    const cpuFlops = ctx.hardware.cpu.flopsPerSecond * cpuEff.computeEfficiency;
    const cpuComputeSeconds = ramFlops / cpuFlops;
    const cpuSeconds = Math.max(cpu.secondsPerToken, cpuComputeSeconds);
    devices.push({...cpu, secondsPerToken: cpuSeconds});
    overhead += cpuEff.perLayerOverheadSeconds * layerOverheadFactor(a) * cpuLayers;
    if (diskWeights > 0) {
        const diskRead = ramBytesPerToken * (1 - residentShare);
        devices.push(share("disk", "disk", "disk", 0, diskWeights, 0, 0, diskWeights, diskRead, ctx.hardware.diskReadBytesPerSecond, 1));
    }
    const mainBackend: SpeedBackend = devices[0]?.backend === "disk" ? "cpu" : devices[0]?.backend as SpeedBackend ?? "cpu";
    overhead += ctx.efficiency[mainBackend].perTokenOverheadSeconds;

    // Prompt: CPU-resident weights either cross PCIe once per micro-batch (llama.cpp offloads big-batch
    // ops to the GPU) or, without a discrete GPU, are computed on the CPU.
    const ramWeightsTouched = ramWeights - w.tokenEmbeddingBytes;
    if (ramWeightsTouched > 0) {
        promptSeconds += ctx.hardware.gpus.length > 0 && !ctx.unified
            ? ramWeightsTouched / PCIE_BYTES_PER_SECOND
            : ramFlops * ctx.microBatch / cpuFlops;
    }
    if (diskWeights > 0) promptSeconds += diskWeights / ctx.hardware.diskReadBytesPerSecond;
    // Each micro-batch pays the graph overhead once.
    promptSeconds += overhead;

    const secondsPerToken = devices.reduce((sum, d) => sum + d.secondsPerToken, 0) + overhead;
    const bytesPerToken = devices.reduce((sum, d) => sum + d.bytesPerToken, 0);
    const rooflineSeconds = devices.reduce((sum, d) => sum + d.bytesPerToken / d.peakBytesPerSecond, 0);
    const roofline = rooflineSeconds > 0 ? 1 / rooflineSeconds : Infinity;
    // Efficiencies are ≤ 1 and overhead ≥ 0, so this min only guards against a future bug.
    const generation = Math.min(1 / secondsPerToken, roofline);
    const prompt = Math.max(generation, promptSeconds > 0 ? ctx.microBatch / promptSeconds : generation);
    const fits = gpuFits && ramForWeights > 0;
    return {layout, devices, fits, usesDisk: diskWeights > 0, generation, prompt, roofline, bytesPerToken, overhead, backend: mainBackend};
}

// A probed RAM bandwidth is already an achieved rate: discount it less than a spec-sheet peak,
// unless a benchmark calibrated the CPU against it.
function withMeasuredRam(efficiency: Record<SpeedBackend, BackendEfficiency>, hardware: HardwareProfile,
    calibration: Calibration | undefined): Record<SpeedBackend, BackendEfficiency> {
    if (hardware.ram.bandwidthSource !== "probe" || calibration?.backends.cpu?.bandwidthEfficiency !== undefined) return efficiency;
    return {...efficiency, cpu: {...efficiency.cpu, bandwidthEfficiency: MEASURED_BANDWIDTH_EFFICIENCY}};
}

function layerOverheadFactor(a: Variant["architecture"]): number {
    return a.kind === "moe" ? MOE_LAYER_OVERHEAD_FACTOR : 1;
}

function expertShare(w: ModelWeights): number {
    return w.activeExpertFraction;
}

/** Attention FLOPs per token per layer at a half-full micro-batch (QK and PV). */
function attentionFlops(ctx: Context): number {
    const a = ctx.variant.architecture;
    const width = a.kind === "dense" ? a.heads * a.headDim : a.heads * (a.kvLoraRank * 2 + a.qkRopeHeadDim);
    return 4 * width * (ctx.microBatch / 2);
}

function share(device: string, kind: DeviceShare["kind"], backend: DeviceShare["backend"], layers: number, weightsBytes: number,
    kvCacheBytes: number, computeBytes: number, capacityBytes: number, bytesPerToken: number, peak: number, efficiency: number): DeviceShare {
    const effective = peak * efficiency;
    return {
        device, kind, backend, layers, weightsBytes, kvCacheBytes, computeBytes, totalBytes: weightsBytes + kvCacheBytes + computeBytes,
        capacityBytes, bytesPerToken, effectiveBytesPerSecond: effective, peakBytesPerSecond: peak,
        secondsPerToken: bytesPerToken > 0 ? bytesPerToken / effective : 0
    };
}

/** The verdict for a predicted generation speed (tokens/s). */
export function verdictFor(generationTokensPerSecond: number, fits: boolean): Verdict {
    if (!fits || generationTokensPerSecond < MIN_RUNNABLE_TOKENS_PER_SECOND) return "does-not-fit";
    if (generationTokensPerSecond >= USABLE_TOKENS_PER_SECOND) return "usable";
    if (generationTokensPerSecond >= SLOW_TOKENS_PER_SECOND) return "slow";
    return "technically-runs";
}

function toPlan(ctx: Context, quant: string, qualityNote: string, best: Evaluation | undefined, forced: number | undefined,
    gpuCouldHold: boolean): ModelPlan {
    const a = ctx.variant.architecture;
    const n = a.layers;
    const notes: string[] = [];
    const base = {model: ctx.variant.id, variant: ctx.variant, quant, contextSize: ctx.contextSize, qualityNote};
    const calibrated = ctx.calibrated;
    if (best === undefined || best.generation < MIN_RUNNABLE_TOKENS_PER_SECOND) {
        if (best !== undefined) notes.push(`would stream from disk at ~${best.generation.toFixed(3)} tok/s: not runnable`);
        else notes.push(forced === undefined ? "not even the KV cache and compute buffers fit in memory" : `${forced} GPU layers do not fit`);
        const weightsBytes = ctx.weights.fileBytes;
        const kv = ctx.kvPerLayer * n;
        return {
            ...base, placement: "none", placementDetail: "does not fit", gpuLayers: 0, cpuMoeLayers: 0,
            memory: {weightsBytes, kvCacheBytes: kv, computeBytes: 0, totalBytes: weightsBytes + kv, fileBytes: ctx.weights.fileBytes},
            devices: best?.devices ?? [],
            predicted: {generationTokensPerSecond: 0, promptTokensPerSecond: 0, rooflineTokensPerSecond: best?.roofline ?? 0,
                bytesPerToken: best?.bytesPerToken ?? 0, overheadSeconds: best?.overhead ?? 0, computeEfficiency: 0, calibrated},
            verdict: "does-not-fit", notes
        };
    }
    const {layout} = best;
    let placement: Placement;
    let placementDetail: string;
    const gpuCount = best.devices.filter((d) => d.kind === "gpu").length;
    const onGpus = gpuCount > 1 ? ` over ${gpuCount} GPUs` : "";
    if (best.usesDisk) {
        placement = "disk";
        placementDetail = "weights memory-mapped; part re-read from disk every token";
    } else if (layout.gpuLayerCount === 0) {
        placement = "cpu";
        placementDetail = ctx.hardware.gpus.length === 0 || forced !== undefined ? "in RAM"
            : gpuCouldHold ? "in RAM (faster than offloading for a model this small)" : "in RAM (not one layer fits the GPU)";
    } else if (layout.gpuLayerCount === n && layout.outputOnGpu && layout.cpuMoeLayers === 0) {
        placement = "gpu";
        placementDetail = `all ${n + 1} layers on GPU${onGpus}`;
    } else if (layout.cpuMoeLayers > 0) {
        placement = "partial";
        placementDetail = `attention on GPU${onGpus}; experts of ${layout.cpuMoeLayers}/${n} layers in RAM`;
    } else {
        placement = "partial";
        placementDetail = `${layout.gpuLayerCount}/${n + 1} layers on GPU${onGpus}, rest in RAM`;
    }
    const weightsBytes = best.devices.reduce((s, d) => s + d.weightsBytes, 0);
    const kvCacheBytes = best.devices.reduce((s, d) => s + d.kvCacheBytes, 0);
    const computeBytes = best.devices.reduce((s, d) => s + d.computeBytes, 0);
    if (ctx.hardware.ram.bandwidthSource === "assumed") notes.push("RAM bandwidth is assumed; `r1 hw --probe` measures it");
    return {
        ...base, placement, placementDetail,
        gpuLayers: layout.gpuLayerCount + (layout.outputOnGpu ? 1 : 0),
        cpuMoeLayers: layout.cpuMoeLayers,
        memory: {weightsBytes, kvCacheBytes, computeBytes, totalBytes: weightsBytes + kvCacheBytes + computeBytes, fileBytes: ctx.weights.fileBytes},
        devices: best.devices,
        predicted: {
            generationTokensPerSecond: best.generation, promptTokensPerSecond: best.prompt, rooflineTokensPerSecond: best.roofline,
            bytesPerToken: best.bytesPerToken, overheadSeconds: best.overhead,
            computeEfficiency: ctx.efficiency[best.backend].computeEfficiency, calibrated
        },
        verdict: verdictFor(best.generation, true),
        notes
    };
}

