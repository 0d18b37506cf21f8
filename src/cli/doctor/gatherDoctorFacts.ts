import {execFile} from "node:child_process";
import fs from "node:fs/promises";
import {createRequire} from "node:module";
import os from "node:os";
import path from "node:path";
import {findLlamaCppTools, type FoundLlamaCppTools} from "../../engine/llamaCppTools/index.js";
import {physicalCoreCount} from "../../engine/physicalCoreCount.js";
import {detectHardware} from "../../hardware/index.js";
import {loadCalibration, loadEngineProbe, planAll} from "../../plan/index.js";
import {ModelStore} from "../../store/ModelStore.js";
import type {DoctorFacts} from "./DoctorFacts.js";

/** How long `r1 doctor` watches the CPU to see what else keeps it busy. */
export const CPU_SAMPLE_MS = 500;
/** Most processes sampled (a machine with more is not short of other trouble). */
const MAX_SAMPLED_PROCESSES = 4096;
const NVIDIA_SMI_TIMEOUT_MS = 10_000;

async function readCpuTotals(): Promise<{busy: number, total: number} | undefined> {
    try {
        const line = (await fs.readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
        const values = line.trim().split(/\s+/).slice(1).map(Number);
        const idle = (values[3] ?? 0) + (values[4] ?? 0);
        const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
        return {busy: total - idle, total};
    } catch {
        return undefined;
    }
}

async function readProcessTimes(): Promise<Map<number, {command: string, ticks: number}>> {
    const times = new Map<number, {command: string, ticks: number}>();
    let pids: string[];
    try {
        pids = (await fs.readdir("/proc")).filter((name) => /^\d+$/.test(name)).slice(0, MAX_SAMPLED_PROCESSES);
    } catch {
        return times;
    }
    await Promise.all(pids.map(async (pid) => {
        try {
            const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
            // The command is in parentheses and may contain spaces; the fields after it are fixed.
            const close = stat.lastIndexOf(")");
            const command = stat.slice(stat.indexOf("(") + 1, close);
            const fields = stat.slice(close + 2).split(" ");
            times.set(Number(pid), {command, ticks: Number(fields[11]) + Number(fields[12])});
        } catch {
            // the process ended meanwhile
        }
    }));
    return times;
}

/** Cores other processes kept busy over `CPU_SAMPLE_MS`, and the top users (Linux; elsewhere only the load average). */
async function sampleCpu(logicalCores: number): Promise<{busyCores?: number, topProcesses: DoctorFacts["cpu"]["topProcesses"]}> {
    const [before, procBefore] = await Promise.all([readCpuTotals(), readProcessTimes()]);
    if (before === undefined) return {topProcesses: []};
    await new Promise((resolve) => setTimeout(resolve, CPU_SAMPLE_MS));
    const [after, procAfter] = await Promise.all([readCpuTotals(), readProcessTimes()]);
    if (after === undefined || after.total <= before.total) return {topProcesses: []};
    const totalTicks = after.total - before.total;
    const coresOf = (ticks: number) => ticks / totalTicks * logicalCores;
    const own = procAfter.get(process.pid);
    const ownTicks = own === undefined ? 0 : own.ticks - (procBefore.get(process.pid)?.ticks ?? own.ticks);
    const topProcesses = [...procAfter.entries()]
        .filter(([pid]) => pid !== process.pid)
        .map(([pid, now]) => ({pid, command: now.command, cores: coresOf(now.ticks - (procBefore.get(pid)?.ticks ?? now.ticks))}))
        .filter((p) => p.cores > 0.05)
        .sort((a, b) => b.cores - a.cores)
        .slice(0, 5);
    // The command line says more than the process name ("node …/tsx test/…" rather than "node").
    await Promise.all(topProcesses.map(async (p) => {
        const cmdline = await fs.readFile(`/proc/${p.pid}/cmdline`, "utf8").catch(() => "");
        const words = cmdline.split("\0").filter((word) => word !== "").map((word) => word.length > 40 ? `…${word.slice(-39)}` : word);
        if (words.length > 0) p.command = words.slice(0, 3).join(" ").slice(0, 80);
    }));
    return {busyCores: Math.max(0, coresOf(after.busy - before.busy - ownTicks)), topProcesses};
}

function nvidiaSmi(): Promise<DoctorFacts["gpu"]["nvidiaSmi"]> {
    return new Promise((resolve) => {
        execFile("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader,nounits"], {timeout: NVIDIA_SMI_TIMEOUT_MS},
            (error, stdout) => {
                if (error !== null && (error as NodeJS.ErrnoException).code === "ENOENT") return resolve(undefined);
                const gpus = stdout.trim().split("\n").filter((line) => line.includes(",")).map((line) => {
                    const [name = "", driver = "", memory = "0"] = line.split(",").map((part) => part.trim());
                    return {name, driver, memoryMiB: Number(memory) || 0};
                });
                resolve(error === null ? {gpus} : {gpus, error: (stdout.trim() || error.message).split("\n")[0]!});
            });
    });
}

async function llamaRuntime(): Promise<DoctorFacts["gpu"]["runtime"]> {
    const forcedOff = process.env.NODE_LLAMA_CPP_GPU === "false";
    try {
        const {getLlamaRuntime} = await import("../../engine/embedded/getLlamaRuntime.js");
        const llama = await getLlamaRuntime();
        const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames().catch(() => []);
        return {backend: llama.gpu, devices, forcedOff};
    } catch (error) {
        return {backend: false, devices: [], error: error instanceof Error ? error.message.split("\n")[0]! : String(error), forcedOff};
    }
}

async function existingAncestor(dir: string): Promise<string> {
    let current = dir;
    while (!await fs.stat(current).then(() => true, () => false)) {
        const parent = current.replace(/[/\\][^/\\]*$/, "");
        if (parent === current || parent === "") return "/";
        current = parent;
    }
    return current;
}

/** node-llama-cpp's version from its package.json (its `exports` do not expose the file, so it is found from the entry point). */
async function nodeLlamaCppVersion(): Promise<string> {
    try {
        let dir = path.dirname(createRequire(import.meta.url).resolve("node-llama-cpp"));
        for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
            const manifest = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8").catch(() => "{}")) as {name?: string, version?: string};
            if (manifest.name === "node-llama-cpp" && manifest.version !== undefined) return manifest.version;
        }
    } catch {
        // unknown version
    }
    return "unknown version";
}

/** Looks at this machine for `r1 doctor` (about half a second of CPU sampling, nvidia-smi, node-llama-cpp's runtime). */
export async function gatherDoctorFacts(): Promise<DoctorFacts> {
    const logicalCores = os.availableParallelism();
    const physicalCores = physicalCoreCount();
    const [sample, smi, runtime, hardware, tools] = await Promise.all([
        sampleCpu(logicalCores), nvidiaSmi(), llamaRuntime(), detectHardware(), findLlamaCppTools().catch((): FoundLlamaCppTools => ({installs: [], paths: {}}))
    ]);
    const [calibration, probe] = await Promise.all([loadCalibration(hardware), loadEngineProbe(hardware)]);
    const plans = planAll({hardware, ...(calibration === undefined ? {} : {calibration}), ...(probe === undefined ? {} : {probe})});
    const recommended = plans.recommendation.bestUsable ?? plans.recommendation.bestThatRuns;
    const smallestModelBytes = Math.min(...plans.candidates.map((plan) => plan.memory.fileBytes));
    const modelsDir = new ModelStore().modelsDir;
    const diskDir = await existingAncestor(modelsDir);
    const freeBytes = await fs.statfs(diskDir).then((s) => Number(s.bavail) * Number(s.bsize), () => undefined);
    const version = await nodeLlamaCppVersion();
    return {
        cpu: {logicalCores, physicalCores, threads: physicalCores, load1: os.loadavg()[0] ?? 0, ...sample},
        gpu: {...(smi === undefined ? {} : {nvidiaSmi: smi}), runtime},
        calibration: {...(probe === undefined ? {} : {engineProbe: {measuredAt: probe.measuredAt}}), calibrated: calibration !== undefined,
            bandwidthProbed: hardware.ram.bandwidthSource === "probe"},
        disk: {dir: modelsDir, ...(freeBytes === undefined ? {} : {freeBytes}), smallestModelBytes,
            ...(recommended === undefined ? {} : {recommended: {name: `${recommended.model} ${recommended.quant}`, bytes: recommended.memory.fileBytes}})},
        engines: {
            embedded: {version},
            llamaServer: {
                ...(tools.paths["llama-server"] === undefined ? {} : {path: tools.paths["llama-server"]}),
                installs: tools.installs.map((install) => ({dir: install.dir, origin: install.origin, compatible: install.compatible,
                    ...(install.problem === undefined ? {} : {problem: install.problem})}))
            }
        }
    };
}
