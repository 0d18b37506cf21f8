import type {Architecture} from "../catalog/index.js";
import {kvBytesPerTokenPerLayer, type KvCacheType} from "./kvCache.js";
import type {ModelWeights} from "./modelWeights.js";
import type {HardwareProfile} from "../hardware/index.js";
import {DEFAULT_EFFICIENCY, ramReservedBytes} from "./speedConstants.js";

/** A device that can hold offloaded layers: an RPC worker's device or a local GPU, in llama.cpp's device order. */
export interface SplitDevice {
    /** `127.0.0.1:50052#0`, `GPU 0 (…)`. */
    readonly name: string;
    readonly kind: "rpc" | "gpu";
    /** Free memory r1 may fill (after any reserve). */
    readonly capacityBytes: number;
    /** Effective read bandwidth for generation (peak × efficiency), bytes/s. */
    readonly effectiveBytesPerSecond: number;
    /** RPC only: the network round trip to its worker, seconds. */
    readonly roundTripSeconds?: number;
    /** RPC only: the `host:port` of its worker. */
    readonly endpoint?: string;
    /** RPC only: the device's index on its worker (llama.cpp names its buffer `RPC<index>[host:port]`). Defaults to 0. */
    readonly deviceIndex?: number;
}

export interface RpcSplitOptions {
    readonly architecture: Architecture;
    readonly weights: ModelWeights;
    readonly contextSize: number;
    /** Defaults to `"f16"`. */
    readonly kvCacheType?: KvCacheType;
    /** RPC devices first (in `--rpc` order), then local GPUs: llama.cpp's order. */
    readonly devices: readonly SplitDevice[];
    /** Local RAM for the layers no device holds. */
    readonly ram: {readonly capacityBytes: number, readonly effectiveBytesPerSecond: number};
    /** Fixed cost per token and per layer on this machine (the planner's CPU figures), seconds. */
    readonly perTokenOverheadSeconds: number;
    readonly perLayerOverheadSeconds: number;
    /**
     * Network round trips per token for each stretch of layers on a remote device: the host sends
     * the stretch's input and graph, then reads its output. Defaults to `RPC_ROUND_TRIPS_PER_SEGMENT`.
     */
    readonly roundTripsPerSegment?: number;
    /** Network bandwidth for activations, bytes/s. Defaults to `RPC_NETWORK_BYTES_PER_SECOND` (1 Gbit/s). */
    readonly networkBytesPerSecond?: number;
}

/**
 * Round trips per remote stretch of layers per generated token. ggml's RPC backend sends the input
 * activation (SET_TENSOR), runs the graph (GRAPH_COMPUTE or GRAPH_RECOMPUTE) and reads the output
 * (GET_TENSOR); in this llama.cpp (ggml-rpc.cpp, `rpc_dispatcher::send_async`) the first two go out
 * without waiting for an answer, so only the read waits: one round trip. What a stretch costs
 * beyond it (waking the worker, its compute) is not modelled; on a loaded machine it dominates
 * (bench/RESULTS.md, "Experts split").
 */
export const RPC_ROUND_TRIPS_PER_SEGMENT = 1;
/** Gigabit Ethernet, the slowest link people split models over (activations are small). */
export const RPC_NETWORK_BYTES_PER_SECOND = 125e6;

export interface SplitShare {
    readonly name: string;
    readonly kind: "rpc" | "gpu" | "ram";
    readonly layers: number;
    readonly bytes: number;
    readonly secondsPerToken: number;
}

export interface RpcSplit {
    readonly fits: boolean;
    /** llama-server `-ngl`: offloaded layers, `layers + 1` when the output layer is offloaded too. */
    readonly gpuLayers: number;
    /** llama-server `-ts`: layers per device, in device order. */
    readonly tensorSplit: readonly number[];
    readonly shares: readonly SplitShare[];
    /** Stretches of consecutive layers on remote devices (each costs round trips per token). */
    readonly remoteSegments: number;
    readonly networkSecondsPerToken: number;
    readonly predictedTokensPerSecond: number;
}

/**
 * The split's terms for this machine itself: its RAM after the reserve, read at the planner's CPU bandwidth
 * efficiency, and the CPU's fixed costs per token and per layer.
 */
export function localSplitTerms(hardware: HardwareProfile): Pick<RpcSplitOptions, "ram" | "perTokenOverheadSeconds" | "perLayerOverheadSeconds"> {
    const cpu = DEFAULT_EFFICIENCY.cpu;
    return {
        ram: {capacityBytes: hardware.ram.totalBytes - ramReservedBytes(hardware.ram.totalBytes),
            effectiveBytesPerSecond: hardware.ram.bandwidthBytesPerSecond * cpu.bandwidthEfficiency},
        perTokenOverheadSeconds: cpu.perTokenOverheadSeconds, perLayerOverheadSeconds: cpu.perLayerOverheadSeconds
    };
}

/**
 * Splits a model's layers across RPC workers' devices, local GPUs and RAM by memory, the way
 * llama.cpp places them (`-ngl` offloads the last layers; `-ts` shares them over devices in order;
 * the output layer goes with the last device), and predicts generation: Σ devices (bytes read ÷
 * effective bandwidth) + per-layer and per-token overhead + network (round trips per remote
 * stretch × round trip + activation bytes ÷ network bandwidth). Layers are shared in proportion
 * to each device's free memory, then any device over its capacity hands layers on. Pure.
 */
export function planRpcSplit(options: RpcSplitOptions): RpcSplit {
    const {architecture: a, weights: w, devices} = options;
    const n = a.layers;
    const kvPerLayer = kvBytesPerTokenPerLayer(a, {typeK: options.kvCacheType ?? "f16"}) * options.contextSize;
    const layerBytes = w.layers.map((layer) => layer.denseBytes + layer.expertBytes + kvPerLayer);
    const readBytes = w.layers.map((layer) => layer.denseBytes + layer.expertBytes * w.activeExpertFraction);
    const capacity = devices.map((device) => Math.max(0, device.capacityBytes));
    const total = capacity.reduce((sum, c) => sum + c, 0);

    // How many of the last layers the devices can take at all (greedy from the end, output first on the last device).
    let offloaded = 0;
    let outputOffloaded = false;
    {
        let room = total;
        if (devices.length > 0 && w.outputBytes <= capacity.at(-1)!) {
            room -= w.outputBytes;
            outputOffloaded = true;
        }
        for (let layer = n - 1; layer >= 0 && room >= layerBytes[layer]!; layer--) {
            room -= layerBytes[layer]!;
            offloaded++;
        }
        if (!outputOffloaded) offloaded = Math.min(offloaded, n);
    }
    const counts = shareLayers(offloaded, capacity, layerBytes.slice(n - offloaded), outputOffloaded ? w.outputBytes : 0);
    const shares: SplitShare[] = [];
    const cpuLayers = n - offloaded;
    const cpuBytes = layerBytes.slice(0, cpuLayers).reduce((sum, b) => sum + b, 0) + (outputOffloaded ? 0 : w.outputBytes);
    const cpuRead = readBytes.slice(0, cpuLayers).reduce((sum, b) => sum + b, 0) + (outputOffloaded ? 0 : w.outputBytes);
    shares.push({name: "RAM", kind: "ram", layers: cpuLayers, bytes: cpuBytes, secondsPerToken: cpuRead / options.ram.effectiveBytesPerSecond});
    let first = cpuLayers;
    let remoteSegments = 0;
    let networkSeconds = 0;
    const activationBytes = a.hiddenSize * 4;
    devices.forEach((device, i) => {
        const count = counts[i]!;
        const isLast = i === devices.length - 1;
        const bytes = layerBytes.slice(first, first + count).reduce((sum, b) => sum + b, 0) + (isLast && outputOffloaded ? w.outputBytes : 0);
        const read = readBytes.slice(first, first + count).reduce((sum, b) => sum + b, 0) + (isLast && outputOffloaded ? w.outputBytes : 0);
        shares.push({name: device.name, kind: device.kind, layers: count, bytes, secondsPerToken: read / device.effectiveBytesPerSecond});
        if (device.kind === "rpc" && (count > 0 || (isLast && outputOffloaded))) {
            remoteSegments++;
            networkSeconds += (options.roundTripsPerSegment ?? RPC_ROUND_TRIPS_PER_SEGMENT) * (device.roundTripSeconds ?? 0)
                + 2 * activationBytes / (options.networkBytesPerSecond ?? RPC_NETWORK_BYTES_PER_SECOND);
        }
        first += count;
    });
    const fits = cpuBytes <= options.ram.capacityBytes;
    const compute = shares.reduce((sum, share) => sum + share.secondsPerToken, 0);
    const seconds = compute + networkSeconds + options.perTokenOverheadSeconds + n * options.perLayerOverheadSeconds;
    return {
        fits, gpuLayers: offloaded + (outputOffloaded ? 1 : 0), tensorSplit: counts, shares, remoteSegments,
        networkSecondsPerToken: networkSeconds, predictedTokensPerSecond: fits ? 1 / seconds : 0
    };
}

/**
 * Layers per device for the `count` offloaded layers (sizes in order): in proportion to capacity
 * (largest remainder), then moved forward from any device that would overflow. `outputBytes` is
 * reserved on the last device.
 */
export function shareLayers(count: number, capacity: readonly number[], sizes: readonly number[], outputBytes: number): number[] {
    if (capacity.length === 0) return [];
    const total = capacity.reduce((sum, c) => sum + c, 0);
    const exact = capacity.map((c) => total > 0 ? count * c / total : 0);
    const counts = exact.map(Math.floor);
    const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((p, q) => q[0] - p[0]);
    for (let k = 0; counts.reduce((s, c) => s + c, 0) < count; k++) counts[order[k % order.length]![1]]! += 1;
    // Overflow: walk forward, keeping what fits and passing the rest to the next device; leftovers go back to earlier ones.
    const fitted = counts.map(() => 0);
    let layer = 0;
    for (let d = 0; d < capacity.length; d++) {
        let used = d === capacity.length - 1 ? outputBytes : 0;
        const want = d === capacity.length - 1 ? count - layer : counts[d]!;
        while (fitted[d]! < want && layer < count && used + sizes[layer]! <= capacity[d]!) {
            used += sizes[layer]!;
            fitted[d]! += 1;
            layer++;
        }
    }
    // Anything left (the last device was full): earlier devices take more, from the end backwards.
    for (let d = capacity.length - 2; d >= 0 && layer < count; d--) fitted[d]! += count - layer, layer = count;
    return fitted;
}
