import assert from "node:assert/strict";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {rpcSplitDevices, sharedMemoryLine} from "../../src/cli/printRpcPlan.js";
import type {RpcWorkerProbe} from "../../src/engine/rpcWorker/index.js";
import {hardwareProfile, type HardwareProfile} from "../../src/hardware/index.js";
import {findSharedHostMemory, GPU_RESERVED_BYTES, localSplitTerms, modelWeights, planRpcSplit} from "../../src/plan/index.js";

const GiB = 2 ** 30;
/** What ggml-rpc-server's CPU device reports: the host's physical RAM, as free and total alike. */
const cpu = (bytes: number) => ({index: 0, freeBytes: bytes, totalBytes: bytes});
/** A CUDA device: less free than total (the driver's context takes some). */
const cuda = (index: number, free: number, total: number) => ({index, freeBytes: free, totalBytes: total});
const probe = (endpoint: string, devices: RpcWorkerProbe["devices"], address?: string): RpcWorkerProbe =>
    ({endpoint, version: "6.0.0", devices, roundTripSeconds: 1e-4, ...address === undefined ? {} : {address}});
/** The main host is a what-if machine, so no worker can be on it. */
const whatIf = hardwareProfile("epyc-2s-384gb-ddr5");
/** This machine as detected: 64 GiB of RAM, no GPU. */
const here: HardwareProfile = {...hardwareProfile("cpu-8gb"), name: "this machine", source: "detected",
    ram: {...hardwareProfile("cpu-8gb").ram, totalBytes: 64 * GiB, freeBytes: 60 * GiB}};

test("two CPU workers on one host (two ports) share its RAM: counted once, half each; the plan says so in one line", () => {
    const probes = [probe("127.0.0.1:50052", [cpu(256 * GiB)], "127.0.0.1"), probe("127.0.0.1:50053", [cpu(256 * GiB)], "127.0.0.1")];
    const {devices, shared, ram} = rpcSplitDevices(probes, whatIf);
    const share = Math.floor((256 * GiB - GPU_RESERVED_BYTES) / 2);
    assert.deepEqual(devices.map((device) => device.capacityBytes), [share, share]);
    assert.equal(ram.capacityBytes, localSplitTerms(whatIf).ram.capacityBytes, "a what-if main host is not where the workers run");
    assert.equal(shared.length, 1);
    assert.equal(sharedMemoryLine(shared[0]!), "127.0.0.1:50052 and 127.0.0.1:50053 are one host's memory (275 GB reported by each worker): counted once, 137 GB each");

    // The 404 GB 671B: with the RAM counted twice it "fit" on 2 × 256 GiB + this host; counted once it does not.
    const r1 = requireVariant("deepseek-r1");
    const options = {architecture: r1.architecture, weights: modelWeights(r1, "Q4_K_M"), contextSize: 8192, ...localSplitTerms(hardwareProfile("cpu-8gb"))};
    const twice = devices.map((device) => ({...device, capacityBytes: 256 * GiB - GPU_RESERVED_BYTES}));
    assert.equal(planRpcSplit({...options, devices: twice}).fits, true);
    assert.equal(planRpcSplit({...options, devices}).fits, false);
});

test("one host however it is named: a host name and its address, localhost and 127.0.0.1, IPv4-mapped IPv6", () => {
    const byAddress = findSharedHostMemory([
        {endpoint: "node-a:50052", host: "10.0.0.5", ...cpu(128 * GiB)}, {endpoint: "10.0.0.5:50053", host: "::ffff:10.0.0.5", ...cpu(128 * GiB)}
    ], {reserveBytes: 0});
    assert.deepEqual(byAddress.map((pool) => pool.devices), [[["node-a:50052", 0], ["10.0.0.5:50053", 0]]]);
    const loopback = findSharedHostMemory([{endpoint: "localhost:1", host: "localhost", ...cpu(GiB)}, {endpoint: "127.0.0.1:2", host: "127.0.0.1", ...cpu(GiB)},
        {endpoint: "[::1]:3", host: "::1", ...cpu(GiB)}], {reserveBytes: 0});
    assert.equal(loopback.length, 1);
    assert.equal(loopback[0]!.devices.length, 3);
    assert.equal(loopback[0]!.shareBytes, Math.floor(GiB / 3));
});

test("not merged: workers on different hosts, GPUs with memory of their own (even two alike on one host), a GPU beside a CPU worker", () => {
    assert.deepEqual(findSharedHostMemory([{endpoint: "a:1", host: "10.0.0.1", ...cpu(64 * GiB)}, {endpoint: "b:1", host: "10.0.0.2", ...cpu(64 * GiB)}], {reserveBytes: 0}), []);
    const probes = [probe("10.0.0.3:50052", [cuda(0, 23 * GiB, 24 * GiB)], "10.0.0.3"), probe("10.0.0.3:50053", [cuda(0, 23 * GiB, 24 * GiB)], "10.0.0.3"),
        probe("10.0.0.3:50054", [cpu(128 * GiB)], "10.0.0.3")];
    const {devices, shared} = rpcSplitDevices(probes, whatIf);
    assert.deepEqual(shared, []);
    assert.deepEqual(devices.map((device) => device.capacityBytes), [23 * GiB - GPU_RESERVED_BYTES, 23 * GiB - GPU_RESERVED_BYTES, 128 * GiB - GPU_RESERVED_BYTES]);
    // One worker with a GPU and the host's CPU device: only the CPU device is host memory, and alone it is not shared.
    assert.deepEqual(findSharedHostMemory([{endpoint: "c:1", host: "10.0.0.4", ...cuda(0, 20 * GiB, 24 * GiB)}, {endpoint: "c:1", host: "10.0.0.4", ...cpu(64 * GiB), index: 1}],
        {reserveBytes: 0}), []);
});

test("a CPU worker on this machine shares its RAM with the layers left here (loopback or one of its addresses)", () => {
    const local = localSplitTerms(here).ram.capacityBytes;
    const one = rpcSplitDevices([probe("127.0.0.1:50052", [cpu(64 * GiB)], "127.0.0.1")], here, {thisMachineAddresses: []});
    assert.equal(one.shared.length, 1);
    assert.equal(one.shared[0]!.withThisMachine, true);
    assert.equal(one.ram.capacityBytes, Math.floor(local / 2));
    assert.equal(one.devices[0]!.capacityBytes, Math.floor(local / 2));
    assert.equal(sharedMemoryLine(one.shared[0]!), `127.0.0.1:50052 and this machine are one host's memory (68.7 GB reported by the worker): counted once, ${
        (Math.floor(local / 2) / 1e9).toFixed(1)} GB each`);

    const two = rpcSplitDevices([probe("192.168.1.5:50052", [cpu(64 * GiB)], "192.168.1.5"), probe("127.0.0.1:50053", [cpu(64 * GiB)], "127.0.0.1")], here,
        {thisMachineAddresses: ["192.168.1.5"]});
    // Reached by this machine's address and by loopback: both run here, one memory for the two and the layers left here.
    assert.equal(two.shared.length, 1);
    assert.equal(two.ram.capacityBytes, Math.floor(local / 3));
    assert.deepEqual(two.devices.map((device) => device.capacityBytes), [Math.floor(local / 3), Math.floor(local / 3)]);
    // Another host's RAM of another size on loopback (a fake worker) is not this machine's.
    assert.equal(rpcSplitDevices([probe("127.0.0.1:50052", [cpu(8 * GiB)], "127.0.0.1")], here, {thisMachineAddresses: []}).shared.length, 0);
});
