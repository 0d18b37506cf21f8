import {existsSync} from "node:fs";
import path from "node:path";
import type {CommandModule} from "yargs";
import Table from "cli-table3";
import pc from "picocolors";
import {allVariants, findQuantOption, requireVariant, resolveModelName, variantDownload, variantFileSize, type Variant} from "../../catalog/index.js";
import {hardwareProfileNames, resolveHardware, type HardwareProfile} from "../../hardware/index.js";
import {
    DEFAULT_CONTEXT_SIZE, loadCalibration, planAll, planGgufFile, planModel, recommend, serializePlanReport, type KvCacheType, type ModelPlan, type Verdict
} from "../../plan/index.js";
import {formatBytes, hardwareLines} from "../../hardware/index.js";
import {R1Error} from "../../util/R1Error.js";
import {findLlamaServer, planCommandLine, planEngineInfo, type LocalLlamaServer} from "../planEngine.js";
import {defaultExpertOffload} from "../../plan/index.js";

/** Tokens/s with sensible precision: 0.04, 3.7, 42, 1,234. */
function formatRate(x: number): string {
    if (!Number.isFinite(x) || x <= 0) return "0";
    if (x < 1) return x.toFixed(2);
    if (x < 10) return x.toFixed(1);
    return Math.round(x).toLocaleString("en-US");
}

interface PlanArgs {
    model?: string;
    quant?: string;
    ctx: number;
    hardware?: string;
    vram?: number;
    gpus?: number;
    ram?: number;
    "gpu-bandwidth"?: number;
    "ram-bandwidth"?: number;
    "kv-cache": string;
    parallel: number;
    all: boolean;
    "cpu-moe"?: boolean;
    json: boolean;
}

const KV_TYPES = ["f16", "q8_0", "q4_0"] as const;
/** Bigger than any R1 variant's context; a typo like 80000000 is not a plan. */
const MAX_CONTEXT = 1 << 20;

export const planCommand: CommandModule<object, PlanArgs> = {
    command: "plan [model]",
    describe: "what fits this machine and how fast it will run, before any download",
    builder: (y) => y
        .positional("model", {type: "string",
            describe: "a variant (deepseek-r1-distill-qwen-14b, deepseek-r1:14b, …[:QUANT]) or a GGUF path/URL; omit for the whole family"})
        .option("quant", {alias: "q", type: "string", describe: "quantization, e.g. Q4_K_M, Q8_0, UD-IQ1_S"})
        .option("ctx", {alias: "c", type: "number", default: DEFAULT_CONTEXT_SIZE, describe: "context size in tokens"})
        .option("hardware", {type: "string", describe: `plan for a what-if machine (${hardwareProfileNames().join(", ")}) instead of this one`})
        .option("vram", {type: "number", describe: "GPU memory per GPU, GB (0: no GPU)"})
        .option("gpus", {type: "number", describe: "number of GPUs"})
        .option("ram", {type: "number", describe: "system RAM, GB"})
        .option("gpu-bandwidth", {type: "number", describe: "GPU memory bandwidth, GB/s"})
        .option("ram-bandwidth", {type: "number", describe: "system RAM bandwidth, GB/s"})
        .option("kv-cache", {type: "string", default: "f16", describe: "KV cache type: f16, q8_0 or q4_0"})
        .option("parallel", {type: "number", default: 1, describe: "parallel sequences sharing the KV cache"})
        .option("all", {type: "boolean", default: false, describe: "list every quant, not just the usual steps"})
        .option("cpu-moe", {type: "boolean",
            describe: "consider MoE layouts with attention on the GPU and experts in RAM, run by llama-server (--n-cpu-moe / -ot exps=CPU); "
                + "default: on GPU machines when llama-server is available (r1 engine build), and for what-if machines"})
        .option("json", {type: "boolean", default: false, describe: "machine-readable output"}),
    handler: async (args) => {
        const kvCacheType = parseKvType(args["kv-cache"]);
        if (!Number.isFinite(args.ctx) || args.ctx < 256 || args.ctx > MAX_CONTEXT)
            throw new R1Error(`--ctx must be between 256 and ${MAX_CONTEXT}`, {exitCode: 2});
        if (!Number.isInteger(args.parallel) || args.parallel < 1 || args.parallel > 256)
            throw new R1Error("--parallel must be a whole number from 1 to 256", {exitCode: 2});
        for (const flag of ["vram", "gpus", "ram", "gpu-bandwidth", "ram-bandwidth"] as const) {
            const value = args[flag];
            if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new R1Error(`--${flag} must be a number ≥ 0`, {exitCode: 2});
        }
        const hardware = await resolveHardware({
            ...(args.hardware === undefined ? {} : {profile: args.hardware}),
            ...(args.vram === undefined ? {} : {vramGB: args.vram}),
            ...(args.gpus === undefined ? {} : {gpuCount: args.gpus}),
            ...(args.ram === undefined ? {} : {ramGB: args.ram}),
            ...(args["gpu-bandwidth"] === undefined ? {} : {gpuBandwidthGBps: args["gpu-bandwidth"]}),
            ...(args["ram-bandwidth"] === undefined ? {} : {ramBandwidthGBps: args["ram-bandwidth"]})
        });
        const calibration = await loadCalibration(hardware);
        const llamaServer = await findLlamaServer();
        const expertOffload = args["cpu-moe"]
            ?? defaultExpertOffload({hardware, llamaServerAvailable: llamaServer !== undefined, whatIf: hardware.source !== "detected"});
        if (args.model === undefined) {
            const quant = args.quant === undefined ? undefined : findQuantOption(args.quant);
            if (args.quant !== undefined && quant === undefined) {
                const names = [...new Set(allVariants().flatMap((v) => v.quants))];
                throw new R1Error(`unknown quant "${args.quant}"; valid: ${names.join(", ")}`, {exitCode: 2});
            }
            const result = planAll({
                hardware, contextSize: args.ctx, allQuants: args.all, calibration, kvCacheType, parallelSequences: args.parallel,
                expertOffload,
                ...(quant === undefined ? {} : {quants: [quant.name]})
            });
            if (args.json) return printJson(withEngines(serializePlanReport(hardware, result.candidates, result.recommendation), result.candidates, hardware, llamaServer));
            printFamily(hardware, result.candidates, result.recommendation.summary, args.ctx, llamaServer);
            return;
        }
        const common = {hardware, contextSize: args.ctx, kvCacheType, parallelSequences: args.parallel, expertOffload,
            ...(calibration === undefined ? {} : {calibration})};
        let plan: ModelPlan;
        const isFile = args.model.toLowerCase().endsWith(".gguf") && existsSync(args.model);
        if (/^https?:\/\//i.test(args.model) || isFile) {
            plan = await planGgufFile({source: args.model, ...common});
        } else {
            const {variant, quant} = resolveModelAndQuant(args.model, args.quant);
            plan = planModel({variant, quant, ...common});
        }
        const command = plan.placement === "none" || (!isFile && !plan.variant.quants.includes(plan.quant)) ? undefined
            : await planCommandLine(plan, {hardware, llamaServer, parallel: args.parallel, kvCacheType, ...(isFile ? {modelPath: path.resolve(args.model)} : {})});
        if (args.json) {
            const report = withEngines(serializePlanReport(hardware, [plan], recommend([plan])), [plan], hardware, llamaServer);
            return printJson({...report, llamaServerCommand: command ?? null});
        }
        printDetail(hardware, plan, llamaServer, command);
    }
};

function parseKvType(value: string): KvCacheType {
    const lower = value.toLowerCase();
    if (!(KV_TYPES as readonly string[]).includes(lower)) throw new R1Error(`unknown --kv-cache "${value}"; valid: ${KV_TYPES.join(", ")}`, {exitCode: 2});
    return lower as KvCacheType;
}

function resolveModelAndQuant(model: string, quant: string | undefined): {variant: Variant, quant: string} {
    if (quant !== undefined) {
        const variant = requireVariant(model);
        const option = findQuantOption(quant);
        if (option === undefined || !variant.quants.includes(option.name))
            throw new R1Error(`unknown quant "${quant}" for ${variant.id}; valid: ${variant.quants.join(", ")}`, {exitCode: 2});
        return {variant, quant: option.name};
    }
    const resolved = resolveModelName(model);
    return {variant: resolved.variant, quant: resolved.quant};
}

function printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const VERDICT_LABEL: Record<Verdict, string> = {
    "usable": pc.green("usable"), "slow": pc.yellow("slow"), "technically-runs": pc.red("technically runs"), "does-not-fit": pc.dim("does not fit")
};

function shortName(v: Variant): string {
    return v.name.replace(/^DeepSeek-/, "");
}

/** Placement in a few characters for the family table. */
function placementShort(p: ModelPlan): string {
    const gpus = p.devices.filter((d) => d.kind === "gpu").length;
    const gpu = gpus > 1 ? `${gpus} GPUs` : "GPU";
    switch (p.placement) {
        case "gpu": return gpu;
        case "partial": return p.cpuMoeLayers > 0 ? `${gpu} + experts in RAM` : `${gpu} ${p.gpuLayers}/${p.variant.architecture.layers + 1} + RAM`;
        case "cpu": return "RAM";
        case "disk": return p.cpuMoeLayers > 0 ? `${gpu} + experts in RAM + disk` : "RAM + disk (mmap)";
        case "none": return "—";
    }
}

/** `r1 plan --json` with each candidate's engine: `{engine, available, reason?, howToGet?}`. */
function withEngines(report: Record<string, unknown>, plans: readonly ModelPlan[], hardware: HardwareProfile, llamaServer: LocalLlamaServer | undefined): Record<string, unknown> {
    const candidates = report.candidates as Record<string, unknown>[];
    return {...report, candidates: candidates.map((candidate, i) => ({...candidate, engine: planEngineInfo(plans[i]!, hardware, llamaServer)}))};
}

function printFamily(hardware: HardwareProfile, candidates: readonly ModelPlan[], summary: string, ctx: number, llamaServer: LocalLlamaServer | undefined): void {
    for (const line of hardwareLines(hardware)) process.stdout.write(`${line}\n`);
    process.stdout.write(`\nEvery variant for a ${ctx.toLocaleString("en-US")}-token context; generation speed at an empty context (like llama-bench tg128):\n`);
    const table = new Table({
        head: ["model", "quant", "file", "where", "engine", "memory", "gen t/s", "prompt t/s", "verdict", "AIME24", "quant quality"],
        chars: {"mid": "", "left-mid": "", "mid-mid": "", "right-mid": ""},
        style: {head: [], border: [], "padding-left": 1, "padding-right": 1}
    });
    let needsBuild = false;
    for (const p of candidates) {
        const fits = p.verdict !== "does-not-fit";
        const engine = planEngineInfo(p, hardware, llamaServer);
        if (fits && !engine.available) needsBuild = true;
        table.push([
            shortName(p.variant), p.quant, formatBytes(p.memory.fileBytes), placementShort(p),
            !fits ? "—" : engine.available ? engine.engine : pc.yellow(`${engine.engine}*`), fits ? formatBytes(p.memory.totalBytes) : "—",
            fits ? formatRate(p.predicted.generationTokensPerSecond) : "—", fits ? formatRate(p.predicted.promptTokensPerSecond) : "—",
            VERDICT_LABEL[p.verdict], p.variant.scores.aime2024.toFixed(1), p.qualityNote.replace(/ \(.*$/, "").replace(/,.*$/, "")
        ]);
    }
    process.stdout.write(`${table.toString()}\n`);
    process.stdout.write(pc.dim("Distill = a dense Qwen2.5 / Qwen3 / Llama 3 model fine-tuned on R1's outputs, not R1 itself (671B MoE). " +
        "AIME24 = DeepSeek's published pass@1.\n"));
    if (needsBuild) process.stdout.write(pc.yellow(hardware.source === "detected"
        ? "* needs llama.cpp's llama-server for this machine, which is not built here: r1 engine build\n"
        : "* needs llama.cpp's llama-server on that machine: r1 engine build there\n"));
    process.stdout.write(`${pc.bold("Recommendation:")} ${summary}\n`);
    process.stdout.write(pc.dim("Details: r1 plan <model> [--quant Q] [--ctx N]    What-if: r1 plan --hardware rtx-4090    Measure: r1 hw --probe, r1 bench\n"));
}

function printDetail(hardware: HardwareProfile, plan: ModelPlan, llamaServer: LocalLlamaServer | undefined, command: string | undefined): void {
    const v = plan.variant;
    for (const line of hardwareLines(hardware)) process.stdout.write(`${line}\n`);
    const inCatalog = v.quants.includes(plan.quant);
    process.stdout.write(`\n${pc.bold(`${v.name} ${plan.quant}`)}  (${v.id})\n`);
    if (Number.isNaN(v.scores.aime2024)) {
        process.stdout.write(`  ${v.baseModel}: not an R1 variant; planned from the file's own metadata and tensor types\n`);
        process.stdout.write(`  file ${formatBytes(plan.memory.fileBytes)}\n`);
    } else {
        process.stdout.write(`  ${v.distilled ? "distilled dense model" : "the R1 Mixture of Experts"} on ${v.baseModel}\n`);
        if (inCatalog) {
            const size = variantFileSize(v, plan.quant);
            const download = variantDownload(v, plan.quant, size);
            process.stdout.write(`  file ${formatBytes(size.totalBytes)} (${size.bitsPerWeight.toFixed(2)} bits/weight), ${download.repo}: ${download.files[0]}` +
                `${download.files.length > 1 ? ` (+${download.files.length - 1} parts)` : ""}\n`);
        } else {
            process.stdout.write(`  file ${formatBytes(plan.memory.fileBytes)} (its own tensor types)\n`);
        }
        process.stdout.write(`  quality: ${plan.qualityNote}; AIME24 ${v.scores.aime2024}, MATH-500 ${v.scores.math500 ?? "n/a"}, ` +
            `GPQA ${v.scores.gpqaDiamond}, LiveCodeBench ${v.scores.liveCodeBench}\n`);
    }
    process.stdout.write(`  context ${plan.contextSize.toLocaleString("en-US")} tokens\n\n`);
    if (plan.placement === "none") {
        process.stdout.write(`${VERDICT_LABEL[plan.verdict]}: ${plan.notes.join("; ")}\n`);
        process.stdout.write(`  needs about ${formatBytes(plan.memory.totalBytes)} (weights ${formatBytes(plan.memory.weightsBytes)} + KV cache ${formatBytes(plan.memory.kvCacheBytes)})\n`);
        return;
    }
    process.stdout.write(`Placement: ${plan.placementDetail} (gpuLayers ${plan.gpuLayers}${plan.cpuMoeLayers > 0 ? `, --n-cpu-moe ${plan.cpuMoeLayers}` : ""})\n`);
    const table = new Table({head: ["device", "layers", "weights", "KV cache", "compute", "total", "of usable", "read/token", "bandwidth used", "time/token"],
        style: {head: [], border: []}});
    for (const d of plan.devices) {
        table.push([d.device, d.kind === "disk" ? "—" : String(d.layers), formatBytes(d.weightsBytes), formatBytes(d.kvCacheBytes), formatBytes(d.computeBytes),
            formatBytes(d.totalBytes), d.kind === "disk" ? "—" : formatBytes(d.capacityBytes), formatBytes(d.bytesPerToken),
            `${(d.effectiveBytesPerSecond / 1e9).toFixed(0)} of ${(d.peakBytesPerSecond / 1e9).toFixed(0)} GB/s`, `${(d.secondsPerToken * 1000).toFixed(2)} ms`]);
    }
    table.push([pc.bold("total"), "", formatBytes(plan.memory.weightsBytes), formatBytes(plan.memory.kvCacheBytes), formatBytes(plan.memory.computeBytes),
        formatBytes(plan.memory.totalBytes), "", formatBytes(plan.predicted.bytesPerToken), "", `+${(plan.predicted.overheadSeconds * 1000).toFixed(2)} ms overhead`]);
    process.stdout.write(`${table.toString()}\n`);
    const p = plan.predicted;
    process.stdout.write(`Generation: ${pc.bold(formatRate(p.generationTokensPerSecond))} tok/s (roofline ${formatRate(p.rooflineTokensPerSecond)}: every byte at peak bandwidth)` +
        `${p.calibrated ? " — calibrated by r1 bench" : " — default efficiency factors; `r1 bench` calibrates them"}\n`);
    process.stdout.write(`Prompt:     ${formatRate(p.promptTokensPerSecond)} tok/s\n`);
    process.stdout.write(`Verdict:    ${VERDICT_LABEL[plan.verdict]}\n`);
    for (const note of plan.notes) process.stdout.write(pc.dim(`note: ${note}\n`));
    const engine = planEngineInfo(plan, hardware, llamaServer);
    if (engine.engine === "embedded") {
        process.stdout.write(`Engine:     embedded (node-llama-cpp); with --engine llama-server r1 runs:\n`);
    } else {
        process.stdout.write(`Engine:     ${pc.bold("llama-server")}, for ${engine.reason}; ` +
            `${engine.available ? "available" : pc.yellow(`get it with ${engine.howToGet}`)}\n`);
        process.stdout.write("Command r1 runs:\n");
    }
    if (command !== undefined) process.stdout.write(`  ${command}\n${pc.dim("  (plus --host 127.0.0.1, a free --port and a random --api-key when r1 starts it)")}\n`);
}
