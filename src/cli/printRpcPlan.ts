import {existsSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import pc from "picocolors";
import {requireVariant, resolveModelName, findQuantOption, type Architecture} from "../catalog/index.js";
import {formatCommandLine, llamaServerArgs} from "../engine/llamaServer/llamaServerArgs.js";
import {parseRpcEndpoint, probeRpcWorker, type RpcWorkerProbe} from "../engine/rpcWorker/index.js";
import {formatBytes, type HardwareProfile} from "../hardware/index.js";
import {readGguf} from "../gguf/index.js";
import {architectureFromGguf, DEFAULT_EFFICIENCY, findSharedHostMemory, GPU_RESERVED_BYTES, modelWeights, modelWeightsFromGguf, localSplitTerms, planRpcExpertSplit,
    planRpcSplit, type KvCacheType, type ModelWeights, type RpcExpertSplit, type RpcSplit, type RpcSplitOptions, type SharedHostMemory, type SplitDevice} from "../plan/index.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {commandForLine, commandsForThisMachine, pulledPath, WHAT_IF_R1_HOME, type LocalLlamaServer} from "./planEngine.js";
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

/** RPC devices as the planner sees them, and this machine's RAM term when workers here share it. */
export interface RpcSplitDevices {
    readonly devices: SplitDevice[];
    /** This machine's RAM for the layers left here (`localSplitTerms`), its capacity cut when workers on this machine share it. */
    readonly ram: RpcSplitOptions["ram"];
    /** Workers' devices that are one host's memory, counted once. */
    readonly shared: readonly SharedHostMemory[];
    readonly assumption: string;
}

/**
 * RPC devices as the planner sees them. The protocol reports memory only, so each remote device is
 * assumed as fast as this machine's main device (its first GPU, else its RAM) — said in the output.
 * Workers on one host that report its system memory share it (`findSharedHostMemory`), with this
 * machine's RAM too when they run here and the plan is for this machine. `thisMachineAddresses`
 * defaults to this machine's network addresses.
 */
export function rpcSplitDevices(probes: readonly RpcWorkerProbe[], hardware: HardwareProfile,
    options: {thisMachineAddresses?: readonly string[]} = {}): RpcSplitDevices {
    const gpu = hardware.gpus[0];
    const remoteBandwidth = gpu !== undefined
        ? gpu.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY[gpu.backend].bandwidthEfficiency
        : hardware.ram.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY.cpu.bandwidthEfficiency;
    const local = localSplitTerms(hardware).ram;
    const shared = findSharedHostMemory(probes.flatMap((probe) => probe.devices.map((device) => ({
        endpoint: probe.endpoint, host: probe.address ?? parseRpcEndpoint(probe.endpoint).host, ...device
    }))), {
        reserveBytes: GPU_RESERVED_BYTES,
        // A what-if machine is not where the workers run.
        ...hardware.source === "detected" ? {thisMachine: {totalBytes: hardware.ram.totalBytes, capacityBytes: local.capacityBytes,
            addresses: options.thisMachineAddresses ?? Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address))}} : {}
    });
    const shareOf = (endpoint: string, index: number) => shared.find((pool) => pool.devices.some(([e, i]) => e === endpoint && i === index))?.shareBytes;
    const devices: SplitDevice[] = probes.flatMap((probe) => probe.devices.map((device) => ({
        name: probe.devices.length > 1 ? `${probe.endpoint} #${device.index}` : probe.endpoint, kind: "rpc" as const,
        capacityBytes: shareOf(probe.endpoint, device.index) ?? Math.max(0, device.freeBytes - GPU_RESERVED_BYTES),
        effectiveBytesPerSecond: remoteBandwidth, roundTripSeconds: probe.roundTripSeconds, endpoint: probe.endpoint, deviceIndex: device.index
    })));
    const here = shared.find((pool) => pool.withThisMachine);
    const ram = here === undefined ? local : {...local, capacityBytes: here.shareBytes};
    hardware.gpus.forEach((local, i) => devices.push({
        name: `GPU ${i} (${local.name})`, kind: "gpu", capacityBytes: (local.freeVramBytes ?? local.vramBytes) - GPU_RESERVED_BYTES,
        effectiveBytesPerSecond: local.bandwidthBytesPerSecond * DEFAULT_EFFICIENCY[local.backend].bandwidthEfficiency
    }));
    const assumption = `RPC reports memory, not speed: each worker's devices are assumed as fast as this machine's ${gpu === undefined ? "RAM" : gpu.name}`
        + ` (${(remoteBandwidth / 1e9).toFixed(1)} GB/s effective)`;
    return {devices, ram, shared, assumption};
}

/** One line per shared host memory: who shares it and what each gets. */
export function sharedMemoryLine(pool: SharedHostMemory): string {
    const names = pool.devices.map(([endpoint, index]) => index === 0 ? endpoint : `${endpoint} #${index}`);
    const who = pool.withThisMachine ? [...names, "this machine"] : names;
    return `${who.slice(0, -1).join(", ")} and ${who.at(-1)} are one host's memory (${formatBytes(pool.totalBytes)} reported by `
        + `${names.length === 1 ? "the worker" : "each worker"}): counted once, ${formatBytes(pool.shareBytes)} each`;
}

/** What `--rpc` decides: the workers as probed, the splits, and llama-server's launch options for the one chosen. */
export interface RpcLaunchPlan {
    readonly probes: readonly RpcWorkerProbe[];
    /** Whole layers over the devices. */
    readonly split: RpcSplit;
    /** MoE models: only the routed experts on the workers, the rest here. */
    readonly expertSplit?: RpcExpertSplit;
    /** The split launched: the faster predicted of those that fit (layers when neither fits). */
    readonly chosen: "layers" | "experts";
    readonly assumption: string;
    /** Workers' devices that are one host's memory, counted once. */
    readonly shared: readonly SharedHostMemory[];
    readonly launch: {rpcServers: string[], tensorSplit: number[], gpuLayers: number, overrideTensors?: string[]};
}

/**
 * Probes the `--rpc` workers (one at a time: a worker serves one client, and the order is
 * llama.cpp's device order) and splits the model over them, this machine's GPUs and its RAM.
 */
export async function planRpcLaunch(options: {endpoints: readonly string[], architecture: Architecture, weights: ModelWeights, contextSize: number,
    kvCacheType: KvCacheType, hardware: HardwareProfile}): Promise<RpcLaunchPlan> {
    const probes: RpcWorkerProbe[] = [];
    for (const endpoint of options.endpoints) probes.push(await probeRpcWorker(endpoint));
    const {devices, ram, shared, assumption} = rpcSplitDevices(probes, options.hardware);
    const splitOptions = {
        architecture: options.architecture, weights: options.weights, contextSize: options.contextSize, kvCacheType: options.kvCacheType, devices,
        ...localSplitTerms(options.hardware), ram
    };
    const split = planRpcSplit(splitOptions);
    const a = options.architecture;
    const expertSplit = a.kind === "moe" && options.weights.activeExpertFraction > 0 ? planRpcExpertSplit({...splitOptions, expertsUsed: a.expertsUsed}) : undefined;
    const chosen = expertSplit !== undefined && expertSplit.fits && (!split.fits || expertSplit.predictedTokensPerSecond > split.predictedTokensPerSecond) ? "experts" : "layers";
    const rpcServers = [...options.endpoints];
    const launch = chosen === "experts" && expertSplit !== undefined
        ? {rpcServers, tensorSplit: [...expertSplit.tensorSplit], gpuLayers: expertSplit.gpuLayers, overrideTensors: [...expertSplit.overrideTensors]}
        : {rpcServers, tensorSplit: [...split.tensorSplit], gpuLayers: split.gpuLayers};
    return {probes, split, ...expertSplit === undefined ? {} : {expertSplit}, chosen, assumption, shared, launch};
}

/** `r1 plan MODEL --rpc a,b`: asks each worker, splits the layers by memory, predicts, and prints the llama-server command. */
export async function printRpcPlan(options: PrintRpcPlanOptions): Promise<void> {
    const endpoints = parseRpcList(options.rpc);
    const model = await modelFor(options.model, options.quant, commandsForThisMachine(options.hardware) ? undefined : WHAT_IF_R1_HOME);
    const plan = await planRpcLaunch({endpoints, architecture: model.architecture, weights: model.weights,
        contextSize: options.contextSize, kvCacheType: options.kvCacheType, hardware: options.hardware});
    const {probes, split, expertSplit, chosen, assumption, shared} = plan;
    const program = options.llamaServer?.path ?? "llama-server";
    const commandFor = (launch: {tensorSplit: readonly number[], gpuLayers: number, overrideTensors?: readonly string[]}) => formatCommandLine(program, llamaServerArgs({
        modelPath: model.path, contextSize: options.contextSize, rpcServers: endpoints, gpuLayers: launch.gpuLayers,
        ...launch.tensorSplit.length > 0 ? {tensorSplit: [...launch.tensorSplit]} : {},
        ...launch.overrideTensors === undefined ? {} : {overrideTensors: [...launch.overrideTensors]},
        ...options.kvCacheType === "f16" ? {} : {cacheTypeK: options.kvCacheType, cacheTypeV: options.kvCacheType}
    }));
    const layersCommand = commandFor(split);
    const expertsCommand = expertSplit === undefined ? undefined : commandFor(expertSplit);
    const command = chosen === "experts" ? expertsCommand! : layersCommand;
    if (options.json) {
        process.stdout.write(`${JSON.stringify({model: model.label, workers: probes, split, ...expertSplit === undefined ? {} : {expertSplit, expertsCommand},
            chosen, assumption, sharedMemory: shared, llamaServerCommand: command, layersCommand}, null, 2)}\n`);
        return;
    }
    printSplit(model.label, probes, split, layersCommand, chosen === "layers", shared);
    if (expertSplit !== undefined) printExpertSplit(expertSplit, expertsCommand!, chosen === "experts");
    process.stdout.write(`${pc.bold(`Runs with: ${chosen === "experts" ? "the experts split" : "the layer split"}`)} (${
        expertSplit === undefined ? "dense model" : !expertSplit.fits && !split.fits ? "neither fits" : !expertSplit.fits ? "the experts split does not fit"
            : !split.fits ? "the layer split does not fit" : "faster predicted"}); \`r1 run/serve/bench --rpc\` start this one\n`);
    process.stdout.write(pc.dim(`note: ${assumption}\n`));
    if (!commandsForThisMachine(options.hardware)) process.stdout.write(pc.dim(`note: the commands are ${commandForLine(options.hardware, `r1 run ${options.model} --rpc ${endpoints.join(",")}`)}\n`));
}

/** The architecture and weights of a GGUF file, for `--rpc` on run/serve/bench. */
export async function fileModel(file: string): Promise<{architecture: Architecture, weights: ModelWeights}> {
    const gguf = await readGguf(file);
    return {architecture: architectureFromGguf(gguf, file), weights: modelWeightsFromGguf(gguf)};
}

/** The model to split: a GGUF file as named, or a catalog model where `r1 pull` puts it (under `home` on a what-if machine). */
async function modelFor(model: string, quant: string | undefined, home: string | undefined) {
    if (model.toLowerCase().endsWith(".gguf") && existsSync(model)) {
        const file = await readGguf(model);
        return {label: path.basename(model), path: path.resolve(model), architecture: architectureFromGguf(file, model), weights: modelWeightsFromGguf(file)};
    }
    const resolved = quant === undefined ? resolveModelName(model) : {variant: requireVariant(model), quant: findQuantOption(quant)?.name ?? quant};
    return {label: `${resolved.variant.name} ${resolved.quant}`, path: await pulledPath(`${resolved.variant.id}:${resolved.quant}`, home),
        architecture: resolved.variant.architecture, weights: modelWeights(resolved.variant, resolved.quant)};
}

function printSplit(label: string, probes: readonly RpcWorkerProbe[], split: RpcSplit, command: string, chosen: boolean, shared: readonly SharedHostMemory[]): void {
    const out = (line = "") => process.stdout.write(`${line}\n`);
    out(`${pc.bold(label)} split over ${probes.length} RPC worker(s) and this machine`);
    for (const probe of probes)
        out(`  worker ${probe.endpoint}: RPC v${probe.version}, ${probe.devices.map((d) => `${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)}`).join("; ")}, `
            + `round trip ${(probe.roundTripSeconds * 1e3).toFixed(2)} ms`);
    for (const pool of shared) out(`  ${sharedMemoryLine(pool)}`);
    const rows: string[][] = [];
    for (const share of split.shares) rows.push([share.name, String(share.layers), formatBytes(share.bytes), `${(share.secondsPerToken * 1e3).toFixed(2)} ms`]);
    rows.push(["network", `${split.remoteSegments} remote stretch(es)`, "", `${(split.networkSecondsPerToken * 1e3).toFixed(2)} ms`]);
    out("Layer split (whole layers on each device):");
    out(renderTable([{header: "device"}, {header: "layers", align: "right"}, {header: "memory", align: "right"}, {header: "time/token", align: "right"}], rows));
    out(split.fits ? `Generation: ${pc.bold(split.predictedTokensPerSecond.toFixed(1))} tok/s predicted` : pc.red("does not fit: the layers left to this machine exceed its RAM"));
    out(`${chosen ? "Command r1 runs" : "Command"}:\n  ${command}`);
}

function printExpertSplit(split: RpcExpertSplit, command: string, chosen: boolean): void {
    const out = (line = "") => process.stdout.write(`${line}\n`);
    out();
    out(`Experts split (MoE: routed experts of ${split.remoteLayers} layer(s) on the workers; attention, shared experts, KV cache and output here${
        split.denseOn === "gpu" ? " on the GPU" : " in RAM"}):`);
    const rows = split.shares.map((share, i) => [share.name, i === 0 ? `${share.layers} (dense)` : `experts of ${share.layers}`, formatBytes(share.bytes),
        `${(share.secondsPerToken * 1e3).toFixed(2)} ms`]);
    rows.push(["network", `${split.remoteLayers} remote layer(s)`, "", `${(split.networkSecondsPerToken * 1e3).toFixed(2)} ms`]);
    out(renderTable([{header: "device"}, {header: "layers", align: "right"}, {header: "memory", align: "right"}, {header: "time/token", align: "right"}], rows));
    for (const placement of split.placements)
        out(`  ${placement.buffer}: experts of layers ${placement.layers.length > 3 ? `${placement.layers[0]}–${placement.layers.at(-1)}` : placement.layers.join(", ")}`);
    out(split.fits ? `Generation: ${pc.bold(split.predictedTokensPerSecond.toFixed(1))} tok/s predicted` : pc.red("does not fit: what stays on this machine exceeds its RAM"));
    out(`${chosen ? "Command r1 runs" : "Command"}:\n  ${command}`);
    out();
}
