// `r1 doctor`: the pure diagnosis over hand-made facts (each check's verdict and fix), and the
// command itself on this machine, with a fake nvidia-smi for the driver-vs-runtime disagreement.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {describe, test} from "node:test";
import {formatDoctor} from "../../src/cli/commands/doctor.js";
import {diagnose} from "../../src/cli/doctor/diagnose.js";
import type {DoctorCheck, DoctorFacts} from "../../src/cli/doctor/DoctorFacts.js";
import {repoRoot} from "../helpers/shared.js";

const healthy: DoctorFacts = {
    cpu: {logicalCores: 16, physicalCores: 8, threads: 8, load1: 0.1, busyCores: 0.1, topProcesses: []},
    gpu: {nvidiaSmi: {gpus: [{name: "NVIDIA GeForce RTX 4090", driver: "550.54", memoryMiB: 24564}]}, runtime: {backend: "cuda", devices: ["NVIDIA GeForce RTX 4090"], forcedOff: false}},
    calibration: {engineProbe: {measuredAt: "2026-12-01T10:00:00Z"}, calibrated: true, bandwidthProbed: true},
    disk: {dir: "/home/u/.r1/models", freeBytes: 500e9, smallestModelBytes: 1.1e9, recommended: {name: "deepseek-r1-distill-qwen-32b Q4_K_M", bytes: 19.9e9}},
    engines: {embedded: {version: "3.21.1"}, llamaServer: {path: "/home/u/.r1/llama.cpp/v0.4.0-cuda/bin/llama-server", installs: []}}
};
const check = (facts: DoctorFacts, id: DoctorCheck["id"]) => diagnose(facts).find((c) => c.id === id)!;

describe("diagnose", () => {
    test("a healthy machine: every check ok, no fixes", () => {
        assert.deepEqual(diagnose(healthy).map((c) => [c.id, c.status, c.fix]), [
            ["threads", "ok", undefined], ["gpu", "ok", undefined], ["calibration", "ok", undefined], ["disk", "ok", undefined], ["engines", "ok", undefined]]);
    });
    test("other processes on the cores: fewer threads, naming the busiest process", () => {
        const busy = check({...healthy, cpu: {...healthy.cpu, logicalCores: 2, physicalCores: 2, threads: 2, busyCores: 1.6,
            topProcesses: [{pid: 42, command: "cc1plus", cores: 1.0}, {pid: 43, command: "node", cores: 0.5}]}}, "threads");
        assert.equal(busy.status, "warn");
        assert.match(busy.detail, /~1\.6 cores busy: cc1plus \(pid 42\) 1\.0, node \(pid 43\) 0\.5/);
        assert.equal(busy.fix, "stop the other work (cc1plus), or run with -t 1 while it runs");
        const oversubscribed = check({...healthy, cpu: {...healthy.cpu, threads: 16}}, "threads");
        assert.equal(oversubscribed.status, "warn");
        assert.match(oversubscribed.fix!, /-t 8/);
    });
    test("nvidia-smi sees a GPU that node-llama-cpp does not use: fail, with the fix for why", () => {
        const noCuda = check({...healthy, gpu: {...healthy.gpu, runtime: {backend: false, devices: [], forcedOff: false}}}, "gpu");
        assert.equal(noCuda.status, "fail");
        assert.match(noCuda.detail, /nvidia-smi lists NVIDIA GeForce RTX 4090 .*driver 550\.54.*but node-llama-cpp runs CPU only/);
        assert.match(noCuda.fix!, /driver for CUDA 12/);
        const forced = check({...healthy, gpu: {...healthy.gpu, runtime: {backend: false, devices: [], forcedOff: true}}}, "gpu");
        assert.equal(forced.fix, "unset NODE_LLAMA_CPP_GPU (it is set to false)");
        const broken = check({...healthy, gpu: {nvidiaSmi: {gpus: [], error: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"}, runtime: {backend: false, devices: [], forcedOff: false}}}, "gpu");
        assert.equal(broken.status, "fail");
        assert.match(broken.fix!, /driver is not loaded/);
        const cpuOnly = check({...healthy, gpu: {runtime: {backend: false, devices: [], forcedOff: false}}}, "gpu");
        assert.equal(cpuOnly.status, "info");
    });
    test("probe, calibration, disk and engines each say what to run", () => {
        assert.match(check({...healthy, calibration: {calibrated: false, bandwidthProbed: false}}, "calibration").fix!, /r1 hw --probe/);
        assert.match(check({...healthy, calibration: {...healthy.calibration, calibrated: false}}, "calibration").fix!, /r1 bench MODEL/);
        assert.equal(check({...healthy, disk: {...healthy.disk, freeBytes: 0.5e9}}, "disk").status, "fail");
        const tight = check({...healthy, disk: {...healthy.disk, freeBytes: 10e9}}, "disk");
        assert.equal(tight.status, "warn");
        assert.match(tight.detail, /not enough for deepseek-r1-distill-qwen-32b Q4_K_M/);
        const noServer = check({...healthy, engines: {...healthy.engines, llamaServer: {installs: [{dir: "/usr/bin", origin: "path", compatible: false, problem: "is version 0.3.0"}]}}}, "engines");
        assert.equal(noServer.status, "warn");
        assert.match(noServer.fix!, /r1 engine build/);
    });
    test("the screen has one line per check and the fix under it; no colour codes unless asked", () => {
        const text = formatDoctor(diagnose({...healthy, calibration: {calibrated: false, bandwidthProbed: false}}), false);
        assert.doesNotMatch(text, /\x1b\[/);
        assert.equal(text.trim().split("\n").length, 6);
        assert.match(text, /^warn predictions .*\n +fix: run `r1 hw --probe`/m);
    });
});

describe("r1 doctor (CLI)", () => {
    test("--json gives every check and the facts; a failed check is exit code 1", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "r1-doctor-"));
        try {
            // An nvidia-smi that lists a GPU while node-llama-cpp is kept on the CPU (the tests' NODE_LLAMA_CPP_GPU=false).
            const fake = path.join(dir, "nvidia-smi");
            fs.writeFileSync(fake, "#!/bin/sh\ncase \"$*\" in *driver_version*) echo 'NVIDIA H100 80GB HBM3, 550.54.15, 81559';; *) exit 9;; esac\n", {mode: 0o755});
            const result = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "doctor", "--json"], {
                encoding: "utf8", timeout: 120_000, env: {...process.env, PATH: `${dir}:${process.env.PATH ?? ""}`, NODE_LLAMA_CPP_GPU: "false", R1_HOME: dir}
            });
            const report = JSON.parse(result.stdout) as {checks: DoctorCheck[], facts: DoctorFacts};
            assert.deepEqual(report.checks.map((c) => c.id), ["threads", "gpu", "calibration", "disk", "engines"]);
            const gpu = report.checks.find((c) => c.id === "gpu")!;
            assert.equal(gpu.status, "fail");
            assert.equal(gpu.fix, "unset NODE_LLAMA_CPP_GPU (it is set to false)");
            assert.equal(result.status, 1, result.stderr);
            assert.ok(report.facts.cpu.physicalCores >= 1);
            assert.equal(report.facts.engines.embedded.version, "3.21.1");
            assert.ok(report.facts.disk.freeBytes === undefined || report.facts.disk.freeBytes > 0);
        } finally {
            fs.rmSync(dir, {recursive: true, force: true});
        }
    });
});
