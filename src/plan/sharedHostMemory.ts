import {isLoopbackHost} from "../engine/rpcWorker/cidr.js";

/** One device an RPC worker reports, with where the worker runs. */
export interface WorkerDeviceMemory {
    /** The worker's `host:port`. */
    readonly endpoint: string;
    /** The worker's host as reached: the probe's remote address, else the host named in the endpoint. */
    readonly host: string;
    readonly index: number;
    readonly freeBytes: number;
    readonly totalBytes: number;
}

/** This machine, when the plan is for it: its RAM, so a worker running here is seen to share it. */
export interface ThisMachineMemory {
    /** Physical RAM, as the OS reports it (what a CPU worker here reports as its device's memory). */
    readonly totalBytes: number;
    /** What the plan gives this machine's RAM (after the reserve). */
    readonly capacityBytes: number;
    /** Its own non-loopback addresses (`os.networkInterfaces()`); loopback always counts. */
    readonly addresses: readonly string[];
}

/** Devices that are one host's system memory, and what each gets of it. */
export interface SharedHostMemory {
    /** The devices sharing it, in the order given, as `[endpoint, index]`. */
    readonly devices: readonly (readonly [string, number])[];
    /** The host's memory as reported. */
    readonly totalBytes: number;
    /** Whether this machine's RAM is that memory too (the workers run here). */
    readonly withThisMachine: boolean;
    /** Each sharer's part (this machine's too, when it shares): the usable memory divided evenly. */
    readonly shareBytes: number;
}

/**
 * Which workers' devices are one host's system memory, so that the planner counts it once. ggml's CPU
 * device reports the machine's physical RAM as both free and total (ggml-cpu.cpp
 * `ggml_backend_cpu_device_get_memory`: "assume all of it is free"), and Metal reports its working set
 * the same way while nothing is allocated — both the host's own memory. A GPU with memory of its own
 * reports less free than total (the driver's context alone takes some: `cudaMemGetInfo`, Vulkan's
 * budget), so it is never merged. Devices with free = total on one host (same address, loopback names
 * counted as one) and the same total share it; when that host is this machine (loopback or one of its
 * addresses, the same total as its RAM) its RAM for the layers left here is part of it. Each sharer gets
 * an even part of what is usable: for workers alone their reported memory less `reserveBytes` once, with
 * this machine its planned RAM capacity. Pure.
 */
export function findSharedHostMemory(devices: readonly WorkerDeviceMemory[], options: {reserveBytes: number, thisMachine?: ThisMachineMemory}): SharedHostMemory[] {
    const here = options.thisMachine;
    // This machine's own addresses are spelled as loopback: a worker reached either way runs here.
    const ownAddresses = new Set((here?.addresses ?? []).map((address) => hostKey(address, new Set())));
    const groups = new Map<string, WorkerDeviceMemory[]>();
    for (const device of devices) {
        if (!(device.totalBytes > 0 && device.freeBytes === device.totalBytes)) continue;
        const key = `${hostKey(device.host, ownAddresses)} ${device.totalBytes}`;
        groups.set(key, [...groups.get(key) ?? [], device]);
    }
    const shared: SharedHostMemory[] = [];
    for (const members of groups.values()) {
        const first = members[0]!;
        const withThisMachine = here !== undefined && first.totalBytes === here.totalBytes && hostKey(first.host, ownAddresses) === LOOPBACK;
        if (members.length < 2 && !withThisMachine) continue;
        const usable = withThisMachine ? here!.capacityBytes : Math.max(0, first.totalBytes - options.reserveBytes);
        shared.push({
            devices: members.map((device) => [device.endpoint, device.index] as const), totalBytes: first.totalBytes, withThisMachine,
            shareBytes: Math.floor(usable / (members.length + (withThisMachine ? 1 : 0)))
        });
    }
    return shared;
}

const LOOPBACK = "loopback";

/** One spelling per host: loopback names and this machine's `own` addresses as one, IPv4-mapped IPv6 as IPv4, names in lower case. */
function hostKey(host: string, own: ReadonlySet<string>): string {
    const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
    return isLoopbackHost(bare) || own.has(bare) ? LOOPBACK : bare;
}
