import {existsSync} from "node:fs";
import path from "node:path";
import pc from "picocolors";
import {requireVariant, resolveModelName, findQuantOption, type Architecture} from "../catalog/index.js";
import {formatCommandLine, llamaServerArgs} from "../engine/llamaServer/llamaServerArgs.js";
import {parseRpcEndpoint, probeRpcWorker, type RpcWorkerProbe} from "../engine/rpcWorker/index.js";
import {formatBytes, type HardwareProfile} from "../hardware/index.js";
import {readGguf} from "../gguf/index.js";
import {architectureFromGguf, DEFAULT_EFFICIENCY, GPU_RESERVED_BYTES, modelWeights, modelWeightsFromGguf, planRpcSplit, ramReservedBytes,
    type KvCacheType, type ModelWeights, type RpcSplit, type SplitDevice} from "../plan/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import type {LocalLlamaServer} from "./planEngine.js";
import {renderTable} from "./renderTable.js";

export interface PrintRpcPlanOptions {
    readonly model: string;
    readonly quant?: string;
    readonly rpc: string;
    readonly contextSize: number;
    readonly kvCacheType: KvCacheType;
    readonly hardware: HardwareProfile;
    readonly llamaServer?: LocalLlamaServer;
    readonly json: boolean;
}

/** The `--rpc` list: `host:port,host:port` (each checked). */
export function parseRpcList(value: string): string[] {
    const endpoints = value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
    if (endpoints.length === 0) throw new R1Error("--rpc needs host:port entries, e.g. --rpc 192.168.1.20:50052,192.168.1.21:50052", {exitCode: ExitCode.usage});
    for (const endpoint of endpoints) parseRpcEndpoint(endpoint);
    return endpoints;
}

/**
 * RPC devices as the planner sees them. The protocol reports memory only, so each remote device is
 * assumed as fast as this machine's main device (its first GPU, else its RAM) — said in the output.
 */
export function rpcSplitDevices(probes: readonly RpcWorkerProbe[], hardware: HardwareProfile): {devices: SplitDevice[], assumption: string} {
    const gpu = hardware.gpus[0];
    const remoteBandwidth = gpu !== undefined
        ? gpu.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY[gpu.backend].bandwidthEfficiency
        : hardware.ram.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY.cpu.bandwidthEfficiency;
    const devices: SplitDevice[] = probes.flatMap((probe) => probe.devices.map((device) => ({
        name: probe.devices.length > 1 ? `${probe.endpoint} #${device.index}` : probe.endpoint, kind: "rpc" as const,
        capacityBytes: Math.max(0, device.freeBytes - GPU_RESERVED_BYTES),
        effectiveBytesPerSecond: remoteBandwidth, roundTripSeconds: probe.roundTripSeconds, endpoint: probe.endpoint
    })));
    hardware.gpus.forEach((local, i) => devices.push({
        name: `GPU ${i} (${local.name})`, kind: "gpu", capacityBytes: (local.freeVramBytes ?? local.vramBytes) - GPU_RESERVED_BYTES,
        effectiveBytesPerSecond: local.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY[local.backend].bandwidthEfficiency
    }));
    const assumption = `RPC reports memory, not speed: each worker's devices are assumed as fast as this machine's ${gpu === undefined ? "RAM" : gpu.name}`
        + ` (${(remoteBandwidth / 1e9).toFixed(1)} GB/s effective)`;
    return {devices, assumption};
}

/** What `--rpc` decides: the workers as probed, the split, and llama-server's launch options for it. */
export interface RpcLaunchPlan {
    readonly probes: readonly RpcWorkerProbe[];
    readonly split: RpcSplit;
    readonly assumption: string;
    readonly launch: {rpcServers: string[], tensorSplit: number[], gpuLayers: number};
}

/**
 * Probes the `--rpc` workers (one at a time: a worker serves one client, and the order is
 * llama.cpp's device order) and splits the model over them, this machine's GPUs and its RAM.
 */
export async function planRpcLaunch(options: {endpoints: readonly string[], architecture: Architecture, weights: ModelWeights, contextSize: number,
    kvCacheType: KvCacheType, hardware: HardwareProfile}): Promise<RpcLaunchPlan> {
    const probes: RpcWorkerProbe[] = [];
    for (const endpoint of options.endpoints) probes.push(await probeRpcWorker(endpoint));
    const {devices, assumption} = rpcSplitDevices(probes, options.hardware);
    const cpu = DEFAULT_EFFICIENCY.cpu;
    const hardware = options.hardware;
    const split = planRpcSplit({
        architecture: options.architecture, weights: options.weights, contextSize: options.contextSize, kvCacheType: options.kvCacheType, devices,
        ram: {capacityBytes: hardware.ram.totalBytes - ramReservedBytes(hardware.ram.totalBytes),
            effectiveBytesPerSecond: hardware.ram.bandwidthBytesPerSecond * cpu.bandwidthEfficiency},
        perTokenOverheadSeconds: cpu.perTokenOverheadSeconds, perLayerOverheadSeconds: cpu.perLayerOverheadSeconds
    });
    return {probes, split, assumption, launch: {rpcServers: [...options.endpoints], tensorSplit: [...split.tensorSplit], gpuLayers: split.gpuLayers}};
}

/** `r1 plan MODEL --rpc a,b`: asks each worker, splits the layers by memory, predicts, and prints the llama-server command. */
export async function printRpcPlan(options: PrintRpcPlanOptions): Promise<void> {
    const endpoints = parseRpcList(options.rpc);
    const model = await modelFor(options.model, options.quant);
    const {probes, split, assumption, launch} = await planRpcLaunch({endpoints, architecture: model.architecture, weights: model.weights,
        contextSize: options.contextSize, kvCacheType: options.kvCacheType, hardware: options.hardware});
    const program = options.llamaServer?.path ?? "llama-server";
    const command = formatCommandLine(program, llamaServerArgs({
        modelPath: model.path, contextSize: options.contextSize, ...launch,
        ...options.kvCacheType === "f16" ? {} : {cacheTypeK: options.kvCacheType, cacheTypeV: options.kvCacheType}
    }));
    if (options.json) {
        process.stdout.write(`${JSON.stringify({model: model.label, workers: probes, split, assumption, llamaServerCommand: command}, null, 2)}\n`);
        return;
    }
    printSplit(model.label, probes, split, assumption, command);
}

/** The architecture and weights of a GGUF file, for `--rpc` on run/serve/bench. */
export async function fileModel(file: string): Promise<{architecture: Architecture, weights: ModelWeights}> {
    const gguf = await readGguf(file);
    return {architecture: architectureFromGguf(gguf, file), weights: modelWeightsFromGguf(gguf)};
}

async function modelFor(model: string, quant: string | undefined) {
    if (model.toLowerCase().endsWith(".gguf") && existsSync(model)) {
        const file = await readGguf(model);
        return {label: path.basename(model), path: path.resolve(model), architecture: architectureFromGguf(file, model), weights: modelWeightsFromGguf(file)};
    }
    const resolved = quant === undefined ? resolveModelName(model) : {variant: requireVariant(model), quant: findQuantOption(quant)?.name ?? quant};
    const {ModelStore, resolvePullSource} = await import("../store/index.js");
    const source = resolvePullSource(`${resolved.variant.id}:${resolved.quant}`);
    return {label: `${resolved.variant.name} ${resolved.quant}`, path: new ModelStore().filePath(source.name, path.posix.basename(source.files[0]!)),
        architecture: resolved.variant.architecture, weights: modelWeights(resolved.variant, resolved.quant)};
}

function printSplit(label: string, probes: readonly RpcWorkerProbe[], split: RpcSplit, assumption: string, command: string): void {
    const out = (line = "") => process.stdout.write(`${line}\n`);
    out(`${pc.bold(label)} split over ${probes.length} RPC worker(s) and this machine`);
    for (const probe of probes)
        out(`  worker ${probe.endpoint}: RPC v${probe.version}, ${probe.devices.map((d) => `${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)}`).join("; ")}, `
            + `round trip ${(probe.roundTripSeconds * 1e3).toFixed(2)} ms`);
    const rows: string[][] = [];
    for (const share of split.shares) rows.push([share.name, String(share.layers), formatBytes(share.bytes), `${(share.secondsPerToken * 1e3).toFixed(2)} ms`]);
    rows.push(["network", `${split.remoteSegments} remote stretch(es)`, "", `${(split.networkSecondsPerToken * 1e3).toFixed(2)} ms`]);
    out(renderTable([{header: "device"}, {header: "layers", align: "right"}, {header: "memory", align: "right"}, {header: "time/token", align: "right"}], rows));
    out(split.fits ? `Generation: ${pc.bold(split.predictedTokensPerSecond.toFixed(1))} tok/s predicted` : pc.red("does not fit: the layers left to this machine exceed its RAM"));
    out(`Command r1 runs:\n  ${command}`);
    out(pc.dim(`note: ${assumption}`));
}
