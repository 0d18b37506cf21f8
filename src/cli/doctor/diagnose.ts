import {formatBytes} from "../../util/formatBytes.js";
import type {DoctorCheck, DoctorFacts} from "./DoctorFacts.js";

/** Other processes' load (in cores) from which llama.cpp's spinning threads are told to make room. */
export const BUSY_CORES_THRESHOLD = 0.5;

function threadsCheck({cpu}: DoctorFacts): DoctorCheck {
    const cores = `${cpu.physicalCores} physical / ${cpu.logicalCores} logical cores, r1 decodes with ${cpu.threads} thread${cpu.threads === 1 ? "" : "s"}`;
    const busy = cpu.busyCores ?? Math.max(0, cpu.load1);
    const top = cpu.topProcesses.filter((p) => p.cores >= 0.2).slice(0, 3).map((p) => `${p.command} (pid ${p.pid}) ${p.cores.toFixed(1)}`).join(", ");
    const load = `other processes keep ~${busy.toFixed(1)} core${busy >= 0.95 && busy < 1.05 ? "" : "s"} busy${top === "" ? "" : `: ${top}`}`;
    if (cpu.threads > cpu.physicalCores)
        return {id: "threads", title: "threads", status: "warn", detail: `${cores}; more threads than physical cores`,
            fix: `use -t ${cpu.physicalCores}: hyper-threads share a core's memory port and spin-wait against each other`};
    if (busy >= BUSY_CORES_THRESHOLD && cpu.threads > Math.max(1, Math.floor(cpu.physicalCores - busy))) {
        const free = Math.max(1, Math.floor(cpu.physicalCores - busy));
        return {id: "threads", title: "threads", status: "warn", detail: `${cores}; ${load}. llama.cpp's threads spin-wait for each other, so one descheduled thread stalls every token`,
            fix: `stop the other work${top === "" ? "" : ` (${cpu.topProcesses[0]!.command})`}, or run with -t ${free} while it runs`};
    }
    return {id: "threads", title: "threads", status: "ok", detail: `${cores}; ${load}`};
}

function gpuCheck({gpu}: DoctorFacts): DoctorCheck {
    const smi = gpu.nvidiaSmi;
    const listed = smi === undefined ? [] : smi.gpus;
    const seen = listed.map((g) => `${g.name} (${formatBytes(g.memoryMiB * 1024 * 1024)}, driver ${g.driver})`).join(", ");
    const runtime = gpu.runtime.backend === false ? "CPU only" : `${gpu.runtime.backend}${gpu.runtime.devices.length === 0 ? "" : ` on ${gpu.runtime.devices.join(", ")}`}`;
    if (gpu.runtime.error !== undefined)
        return {id: "gpu", title: "GPU", status: "fail", detail: `node-llama-cpp could not start: ${gpu.runtime.error}`,
            fix: "reinstall with `npm ci` (node-llama-cpp's prebuilt binaries); R1_DEBUG=1 shows llama.cpp's log"};
    if (smi?.error !== undefined && listed.length === 0)
        return {id: "gpu", title: "GPU", status: "fail", detail: `nvidia-smi is installed but fails: ${smi.error}; node-llama-cpp: ${runtime}`,
            fix: "the NVIDIA driver is not loaded or does not match the kernel module: reinstall the driver or reboot"};
    if (listed.length > 0 && gpu.runtime.backend !== "cuda") {
        return {id: "gpu", title: "GPU", status: "fail", detail: `nvidia-smi lists ${seen}, but node-llama-cpp runs ${runtime}`,
            fix: gpu.runtime.forcedOff ? "unset NODE_LLAMA_CPP_GPU (it is set to false)"
                : "node-llama-cpp's CUDA binaries need a driver for CUDA 12 (≥ 525) and its CUDA runtime: update the driver, then `npx --no node-llama-cpp inspect gpu`"};
    }
    if (listed.length > 0) return {id: "gpu", title: "GPU", status: "ok", detail: `nvidia-smi: ${seen}; node-llama-cpp: ${runtime}`};
    if (gpu.runtime.backend !== false) return {id: "gpu", title: "GPU", status: "ok", detail: `node-llama-cpp: ${runtime}`};
    return {id: "gpu", title: "GPU", status: "info", detail: `no GPU seen (nvidia-smi ${smi === undefined ? "not installed" : "lists none"}); node-llama-cpp: ${runtime}${gpu.runtime.forcedOff ? " (NODE_LLAMA_CPP_GPU=false)" : ""}`};
}

function calibrationCheck({calibration}: DoctorFacts): DoctorCheck {
    const parts = [
        calibration.engineProbe === undefined ? "engine not probed" : `engine probed ${calibration.engineProbe.measuredAt.slice(0, 10)}`,
        calibration.bandwidthProbed ? "bandwidth measured" : "bandwidth from tables",
        calibration.calibrated ? "calibrated by r1 bench" : "not calibrated by r1 bench"
    ].join(", ");
    if (calibration.engineProbe === undefined)
        return {id: "calibration", title: "predictions", status: "warn", detail: `${parts}: r1 plan's speeds are estimates for this machine`,
            fix: "run `r1 hw --probe` once on an idle machine (about a minute)"};
    if (!calibration.calibrated)
        return {id: "calibration", title: "predictions", status: "info", detail: parts, fix: "`r1 bench MODEL` on a pulled model calibrates the predictions further"};
    return {id: "calibration", title: "predictions", status: "ok", detail: parts};
}

function diskCheck({disk}: DoctorFacts): DoctorCheck {
    if (disk.freeBytes === undefined) return {id: "disk", title: "disk", status: "info", detail: `free space in ${disk.dir} unknown (the file system does not say)`};
    const free = `${formatBytes(disk.freeBytes)} free in ${disk.dir}`;
    if (disk.freeBytes < disk.smallestModelBytes)
        return {id: "disk", title: "disk", status: "fail", detail: `${free}: not enough for the smallest model (${formatBytes(disk.smallestModelBytes)})`,
            fix: "free some space, or set R1_HOME to a folder on a bigger disk"};
    if (disk.recommended !== undefined && disk.freeBytes < disk.recommended.bytes)
        return {id: "disk", title: "disk", status: "warn", detail: `${free}: not enough for ${disk.recommended.name} (${formatBytes(disk.recommended.bytes)}), r1 plan's pick for this machine`,
            fix: "free some space, or set R1_HOME to a folder on a bigger disk"};
    return {id: "disk", title: "disk", status: "ok", detail: free};
}

function enginesCheck({engines}: DoctorFacts): DoctorCheck {
    const embedded = `embedded (node-llama-cpp ${engines.embedded.version})`;
    const server = engines.llamaServer;
    const broken = server.installs.filter((i) => !i.compatible).map((i) => `${i.dir}: ${i.problem ?? "unusable"}`);
    if (server.path !== undefined)
        return {id: "engines", title: "engines", status: broken.length > 0 ? "warn" : "ok", detail: `${embedded}; llama-server ${server.path}${broken.length > 0 ? `; ignored: ${broken.join("; ")}` : ""}`,
            ...(broken.length > 0 ? {fix: "remove or rebuild the unusable llama-server builds (`r1 engine build`)"} : {})};
    return {id: "engines", title: "engines", status: broken.length > 0 ? "warn" : "info",
        detail: `${embedded}; no usable llama-server${broken.length > 0 ? ` (${broken.join("; ")})` : ""}`,
        fix: "`r1 engine build` builds llama-server from node-llama-cpp's llama.cpp (for --engine llama-server, MoE expert offload, --draft)"};
}

/** Facts → one check per concern, each with its fix. Pure. */
export function diagnose(facts: DoctorFacts): DoctorCheck[] {
    return [threadsCheck(facts), gpuCheck(facts), calibrationCheck(facts), diskCheck(facts), enginesCheck(facts)];
}
