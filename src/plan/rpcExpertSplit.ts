import {kvBytesPerTokenPerLayer} from "./kvCache.js";
import {RPC_NETWORK_BYTES_PER_SECOND, RPC_ROUND_TRIPS_PER_SEGMENT, shareLayers, type RpcSplitOptions, type SplitShare} from "./rpcSplit.js";

/**
 * Consecutive items per device, in order, aiming at `targets` but never past a device's capacity:
 * what a device cannot hold passes to the next; what the last cannot hold is left over.
 */
function packInOrder(sizes: readonly number[], capacity: readonly number[], targets: readonly number[]): number[] {
    const counts = capacity.map(() => 0);
    let item = 0;
    let carried = 0;
    capacity.forEach((cap, d) => {
        const want = targets[d]! + carried;
        let used = 0;
        while (counts[d]! < want && item < sizes.length && used + sizes[item]! <= cap) {
            used += sizes[item]!;
            counts[d]! += 1;
            item++;
        }
        carried = want - counts[d]!;
    });
    return counts;
}

/** The routed experts of some layers, placed on one RPC device. */
export interface ExpertPlacement {
    /** The device as the planner names it (`127.0.0.1:50052`, `host:port #1`). */
    readonly device: string;
    /** llama.cpp's buffer type for it: `RPC<index>[host:port]`. */
    readonly buffer: string;
    /** Layers whose `ffn_{up,gate,down}_exps` tensors it holds, ascending. */
    readonly layers: readonly number[];
    readonly bytes: number;
}

export interface RpcExpertSplit {
    readonly fits: boolean;
    /** Where attention, norms, router, shared experts, the KV cache and the output live: this machine's GPUs, or its RAM. */
    readonly denseOn: "gpu" | "ram";
    /** llama-server `-ngl`: every layer on the local GPUs, or 0 (all in RAM). */
    readonly gpuLayers: number;
    /** llama-server `-ts` in device order (RPC devices 0: they take experts only), empty when nothing is offloaded. */
    readonly tensorSplit: readonly number[];
    /** llama-server `-ot` rules, one per RPC device that holds experts: `blk\.(…)\.ffn_(up|gate|down)_exps\.=RPC0[host:port]`. */
    readonly overrideTensors: readonly string[];
    readonly placements: readonly ExpertPlacement[];
    /** This machine's share first (dense weights, KV, output and the experts not sent away), then each RPC device's experts. */
    readonly shares: readonly SplitShare[];
    /** Layers whose experts run remotely: each is a round trip stretch per token. */
    readonly remoteLayers: number;
    readonly networkSecondsPerToken: number;
    readonly predictedTokensPerSecond: number;
}

/** llama.cpp's name of an RPC device's buffer type (ggml-rpc.cpp `ggml_backend_rpc_buffer_type`), which `-ot` takes. */
export function rpcBufferName(endpoint: string, deviceIndex = 0): string {
    return `RPC${deviceIndex}[${endpoint}]`;
}

/**
 * A regex matching the routed-expert tensors of these layers (`blk.7.ffn_up_exps.weight`…), for
 * `-ot`. llama.cpp splits `-ot` on commas and at the first `=`, so the pattern has neither.
 */
export function expertTensorPattern(layers: readonly number[]): string {
    if (layers.length === 0) throw new Error("expertTensorPattern needs at least one layer");
    return `blk\\.(${layers.join("|")})\\.ffn_(up|gate|down)_exps\\.`;
}

/**
 * Splits a MoE model's routed experts across RPC workers' devices, keeping everything else on this
 * machine (the KTransformers-style layout llama.cpp's `-ot` allows): attention, norms, router,
 * shared experts, KV cache and output on the local GPUs when they hold them and the experts not
 * sent away (`-ngl layers+1`, `-ts` with 0 for RPC devices), else in RAM (`-ngl 0`). The MoE layers'
 * experts go to RPC devices by free memory (the last layers first, consecutive layers per device,
 * shared in proportion to free memory like the layer split), one `-ot` rule per device; the rest stay
 * local. Predicted time per token = local dense reads + each device's expert reads (bytes × the
 * share of experts a token uses ÷ bandwidth) + per remote layer `roundTripsPerSegment` × round trip
 * + activations (hidden state in and out, the chosen experts' ids and weights) over the network +
 * overheads. Pure.
 */
export function planRpcExpertSplit(options: RpcSplitOptions & {readonly expertsUsed: number}): RpcExpertSplit {
    const {architecture: a, weights: w, devices} = options;
    const n = a.layers;
    if (!(w.activeExpertFraction > 0)) throw new Error("planRpcExpertSplit needs a model with routed experts");
    const kvPerLayer = kvBytesPerTokenPerLayer(a, {typeK: options.kvCacheType ?? "f16"}) * options.contextSize;
    const moeLayers = w.layers.flatMap((layer, index) => layer.expertBytes > 0 ? [index] : []);
    const rpc = devices.flatMap((device, index) => device.kind === "rpc" ? [{device, index}] : []);
    const gpus = devices.flatMap((device, index) => device.kind === "gpu" ? [{device, index}] : []);
    const rpcCapacity = rpc.map(({device}) => Math.max(0, device.capacityBytes));

    // As many of the last MoE layers as the RPC devices hold in total, then shared by free memory.
    let room = rpcCapacity.reduce((sum, c) => sum + c, 0);
    let remoteCount = 0;
    for (let k = moeLayers.length - 1; k >= 0 && room >= w.layers[moeLayers[k]!]!.expertBytes; k--) {
        room -= w.layers[moeLayers[k]!]!.expertBytes;
        remoteCount++;
    }
    const candidates = moeLayers.slice(moeLayers.length - remoteCount);
    const counts = packInOrder(candidates.map((layer) => w.layers[layer]!.expertBytes), rpcCapacity,
        shareLayers(candidates.length, rpcCapacity, candidates.map((layer) => w.layers[layer]!.expertBytes), 0));
    // What no device could take (memory in pieces too small) stays here.
    const remote = candidates.slice(0, counts.reduce((sum, c) => sum + c, 0));
    const placements: ExpertPlacement[] = [];
    const remoteShares: SplitShare[] = [];
    let next = 0;
    let networkSeconds = 0;
    // Per remote layer: the normed hidden state out and the result back (f32), plus the chosen experts' ids (i32) and weights (f32).
    const activationBytes = 2 * a.hiddenSize * 4 + options.expertsUsed * 8;
    rpc.forEach(({device}, i) => {
        const layers = remote.slice(next, next + counts[i]!);
        next += counts[i]!;
        const bytes = layers.reduce((sum, layer) => sum + w.layers[layer]!.expertBytes, 0);
        remoteShares.push({name: device.name, kind: "rpc", layers: layers.length, bytes,
            secondsPerToken: bytes * w.activeExpertFraction / device.effectiveBytesPerSecond});
        networkSeconds += layers.length * ((options.roundTripsPerSegment ?? RPC_ROUND_TRIPS_PER_SEGMENT) * (device.roundTripSeconds ?? 0)
            + activationBytes / (options.networkBytesPerSecond ?? RPC_NETWORK_BYTES_PER_SECOND));
        if (layers.length > 0) placements.push({device: device.name, buffer: rpcBufferName(device.endpoint ?? device.name, device.deviceIndex ?? 0), layers, bytes});
    });

    // Everything else stays here: on the local GPUs when they hold it, else in RAM.
    const remoteSet = new Set(remote);
    const localBytes = w.layers.reduce((sum, layer, index) => sum + layer.denseBytes + kvPerLayer + (remoteSet.has(index) ? 0 : layer.expertBytes), 0) + w.outputBytes;
    const localRead = w.layers.reduce((sum, layer, index) => sum + layer.denseBytes + (remoteSet.has(index) ? 0 : layer.expertBytes * w.activeExpertFraction), 0)
        + w.outputBytes;
    const gpuCapacity = gpus.reduce((sum, {device}) => sum + Math.max(0, device.capacityBytes), 0);
    const denseOn = gpus.length > 0 && localBytes <= gpuCapacity ? "gpu" : "ram";
    let tensorSplit: number[] = [];
    let localShare: SplitShare;
    if (denseOn === "gpu") {
        const perGpu = shareLayers(n, gpus.map(({device}) => Math.max(0, device.capacityBytes)), Array.from({length: n}, () => 0), 0);
        tensorSplit = devices.map(() => 0);
        gpus.forEach(({index}, i) => tensorSplit[index] = perGpu[i]!);
        // The local GPUs read in turn; the slowest bounds it (conservative for several GPUs).
        const bandwidth = Math.min(...gpus.map(({device}) => device.effectiveBytesPerSecond));
        localShare = {name: gpus.length === 1 ? gpus[0]!.device.name : "local GPUs", kind: "gpu", layers: n, bytes: localBytes, secondsPerToken: localRead / bandwidth};
    } else {
        localShare = {name: "RAM", kind: "ram", layers: n, bytes: localBytes, secondsPerToken: localRead / options.ram.effectiveBytesPerSecond};
    }
    const fits = denseOn === "gpu" || localBytes <= options.ram.capacityBytes;
    const shares = [localShare, ...remoteShares];
    const compute = shares.reduce((sum, share) => sum + share.secondsPerToken, 0);
    const seconds = compute + networkSeconds + options.perTokenOverheadSeconds + n * options.perLayerOverheadSeconds;
    return {
        fits, denseOn, gpuLayers: denseOn === "gpu" ? n + 1 : 0, tensorSplit,
        overrideTensors: placements.map((placement) => `${expertTensorPattern(placement.layers)}=${placement.buffer}`),
        placements, shares, remoteLayers: remote.length, networkSecondsPerToken: networkSeconds, predictedTokensPerSecond: fits ? 1 / seconds : 0
    };
}
