import {existsSync} from "node:fs";
import path from "node:path";
import type {Argv, CommandModule} from "yargs";
import pc from "picocolors";
import {allVariants, findQuantOption, requireVariant, resolveModelName, variantDownload, variantFileSize, type Variant} from "../../catalog/index.js";
import {hardwareProfileNames, resolveHardware, type HardwareProfile} from "../../hardware/index.js";
import {
    DEFAULT_CONTEXT_SIZE, defaultContextSize, loadCalibration, loadEngineProbe, loadRecordedReasoningLengths, planAll, planGgufFile, planModel, recommend, serializePlanReport,
    subjectVariant, typicalReasoningLength, type EngineProbe, type KvCacheType, type ModelPlan, type Verdict
} from "../../plan/index.js";
import {runEngineProbe} from "../runEngineProbe.js";
import {formatBytes, hardwareLines} from "../../hardware/index.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {MAX_CONTEXT_SIZE} from "../../engine/loadLimits.js";
import {renderTable, type TableColumn} from "../renderTable.js";
import {isLocalStoreName} from "../../store/localStores/LocalStoreModel.js";
import {ModelNotFoundError} from "../../store/errors/ModelNotFoundError.js";
import {commandForLine, findLlamaServer, planCommandLine, planEngineInfo, type LocalLlamaServer} from "../planEngine.js";
import {defaultExpertOffload} from "../../plan/index.js";
import {fitLines} from "../fitLines.js";
import {withContextSize} from "../options/contextSize.js";
import {withKvCache} from "../options/kvCache.js";
import {withMmap} from "../options/mmap.js";
import {withParallel} from "../options/parallel.js";
import {withQuant} from "../options/quant.js";
import {withRpc} from "../options/rpc.js";

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
    "cache-type-k"?: string;
    "cache-type-v"?: string;
    parallel: number;
    all: boolean;
    "cpu-moe"?: boolean;
    cluster?: string;
    rpc?: string;
    head?: string;
    precision?: string;
    depth: number;
    probe: boolean;
    mmap?: boolean;
    mlock?: boolean;
    json: boolean;
}

export const planCommand: CommandModule<object, PlanArgs> = {
    command: "plan [model]",
    describe: "what fits this machine and how fast it will run, before any download",
    builder: (y) => withMmap(withRpc(withParallel(withKvCache(withContextSize(withQuant(y, {describe: "quantization, e.g. Q4_K_M, Q8_0, UD-IQ1_S"}),
        {default: DEFAULT_CONTEXT_SIZE, describe: "context size in tokens"})), {default: 1, describe: "parallel sequences sharing the KV cache"}),
    {describe: "split the model over r1 workers: host:port,host:port (see r1 worker)"}), {what: "plan"})
        .positional("model", {type: "string",
            describe: "a variant (deepseek-r1-distill-qwen-14b, deepseek-r1:14b, …[:QUANT]) or a GGUF path/URL; omit for the whole family"})
        .option("hardware", {type: "string", describe: `plan for a what-if machine (${hardwareProfileNames().join(", ")}) instead of this one`})
        .option("vram", {type: "number", describe: "GPU memory per GPU, GB (0: no GPU)"})
        .option("gpus", {type: "number", describe: "number of GPUs"})
        .option("ram", {type: "number", describe: "system RAM, GB"})
        .option("gpu-bandwidth", {type: "number", describe: "GPU memory bandwidth, GB/s"})
        .option("ram-bandwidth", {type: "number", describe: "system RAM bandwidth, GB/s"})
        .option("all", {type: "boolean", default: false, describe: "list every quant, not just the usual steps"})
        .option("cluster", {type: "string", describe: "plan the 671B for a GPU cluster with vLLM / SGLang, e.g. 2x8xh100-80gb (or NODESxGPUSx<GB>gb@<TB/s>tbps)"})
        .option("head", {type: "string", describe: "with --cluster: node 0's address as the other nodes reach it"})
        .option("precision", {type: "string", choices: ["fp8", "bf16"], describe: "with --cluster: checkpoint precision (default fp8, the released one)"})
        .option("cpu-moe", {type: "boolean",
            describe: "consider MoE layouts with attention on the GPU and experts in RAM, run by llama-server (--n-cpu-moe / -ot exps=CPU); "
                + "default: on GPU machines when llama-server is available (r1 engine build), and for what-if machines"})
        .option("depth", {alias: "d", type: "number", default: 0, describe: "tokens already in the context when generating (speed falls as the KV cache grows)"})
        .option("probe", {type: "boolean", default: false, describe: "first measure this machine with the engine (r1 hw --probe, about a minute), then plan"})
        .option("json", {type: "boolean", default: false, describe: "machine-readable output"}) as unknown as Argv<PlanArgs>,
    handler: async (args) => {
        if (args.cluster !== undefined) {
            const {printClusterPlan} = await import("../printClusterPlan.js");
            return printClusterPlan({model: args.model ?? "deepseek-r1", cluster: args.cluster, contextSize: args.ctx, json: args.json,
                ...args.head === undefined ? {} : {head: args.head}, ...args.precision === undefined ? {} : {precision: args.precision as "fp8" | "bf16"}});
        }
        if (!Number.isInteger(args.depth) || args.depth < 0 || args.depth > MAX_CONTEXT_SIZE)
            throw new R1Error(`--depth must be a whole number from 0 to ${MAX_CONTEXT_SIZE}`, {exitCode: ExitCode.usage});
        const kvCacheType = planKvCacheType(args["cache-type-k"], args["cache-type-v"]);
        for (const flag of ["vram", "gpus", "ram", "gpu-bandwidth", "ram-bandwidth"] as const) {
            const value = args[flag];
            if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new R1Error(`--${flag} must be a number ≥ 0`, {exitCode: ExitCode.usage});
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
        if (args.probe && hardware.source !== "detected") throw new R1Error("--probe measures this machine; leave out --hardware and the custom flags", {exitCode: ExitCode.usage});
        const probe: EngineProbe | undefined = args.probe ? await runEngineProbe(hardware, {quiet: args.json}) : await loadEngineProbe(hardware);
        const recordedReasoning = await loadRecordedReasoningLengths();
        const loading = {...(args.mmap === undefined ? {} : {mmap: args.mmap}), ...(args.mlock === undefined ? {} : {mlock: args.mlock})};
        const llamaServer = await findLlamaServer();
        if (args.rpc !== undefined) {
            if (args.model === undefined) throw new R1Error("--rpc plans one model: r1 plan MODEL --rpc host:port,…", {exitCode: ExitCode.usage});
            const {printRpcPlan} = await import("../printRpcPlan.js");
            // This machine's llama-server only in commands for this machine (a --hardware profile runs its own build).
            return printRpcPlan({model: args.model, rpc: args.rpc, contextSize: args.ctx, kvCacheType, hardware, json: args.json,
                ...args.quant === undefined ? {} : {quant: args.quant}, ...llamaServer === undefined || hardware.source !== "detected" ? {} : {llamaServer}});
        }
        const expertOffload = args["cpu-moe"]
            ?? defaultExpertOffload({hardware, llamaServerAvailable: llamaServer !== undefined, whatIf: hardware.source !== "detected"});
        if (args.model === undefined) {
            const quant = args.quant === undefined ? undefined : findQuantOption(args.quant);
            if (args.quant !== undefined && quant === undefined) {
                const names = [...new Set(allVariants().flatMap((v) => v.quants))];
                throw new R1Error(`unknown quant "${args.quant}"; valid: ${names.join(", ")}`, {exitCode: ExitCode.usage});
            }
            const result = planAll({
                hardware, contextSize: args.ctx, allQuants: args.all, calibration, kvCacheType, parallelSequences: args.parallel,
                expertOffload, depth: args.depth, recordedReasoning,
                ...(probe === undefined ? {} : {probe}),
                ...(quant === undefined ? {} : {quants: [quant.name]})
            });
            if (args.json) return printJson(withEngines(serializePlanReport(hardware, result.candidates, result.recommendation), result.candidates, hardware, llamaServer));
            printFamily(hardware, result.candidates, result.recommendation.summary, args.ctx, llamaServer, args.depth, probe);
            return;
        }
        const common = {hardware, contextSize: args.ctx, kvCacheType, parallelSequences: args.parallel, expertOffload, depth: args.depth,
            ...loading, ...(calibration === undefined ? {} : {calibration}), ...(probe === undefined ? {} : {probe})};
        let plan: ModelPlan;
        // A model another program keeps (ollama:…, lmstudio:…, a cached hf:…) is planned from its file.
        const model = (await localModelPath(args.model)) ?? args.model;
        const isFile = (model.toLowerCase().endsWith(".gguf") || model !== args.model) && existsSync(model);
        if (/^https?:\/\//i.test(model) || isFile) {
            plan = await planGgufFile({source: model, ...common});
        } else {
            const {variant, quant} = resolveModelAndQuant(args.model, args.quant);
            plan = planModel({variant, quant, ...common, reasoningLength: typicalReasoningLength(variant, recordedReasoning)});
        }
        const command = plan.placement === "none" || (!isFile && plan.subject.kind === "catalog" && !plan.subject.variant.quants.includes(plan.quant)) ? undefined
            : await planCommandLine(plan, {hardware, llamaServer, parallel: args.parallel, kvCacheType, ...(isFile ? {modelPath: path.resolve(model)} : {})});
        if (args.json) {
            const report = withEngines(serializePlanReport(hardware, [plan], recommend([plan])), [plan], hardware, llamaServer);
            // The machine the command is for: `this machine`, or the --hardware profile whose own build and models it names.
            return printJson({...report, llamaServerCommand: command ?? null, llamaServerCommandFor: hardware.name});
        }
        printDetail(hardware, plan, llamaServer, command, probe);
    }
};

/** The file of a model named in another program's store or a pulled `hf:` name; undefined for anything else. */
async function localModelPath(name: string): Promise<string | undefined> {
    if (!isLocalStoreName(name)) return undefined;
    try {
        const {resolveModel} = await import("../../store/resolveModelPath.js"); // only when needed: r1 plan starts fast
        return (await resolveModel(name)).path;
    } catch (error) {
        if (name.startsWith("hf:") && error instanceof ModelNotFoundError) return undefined; // not on disk: planned from the hub
        throw error;
    }
}

/** The plan's one KV cache type (checked while parsing); keys and values of different types are not planned. */
function planKvCacheType(k: string | undefined, v: string | undefined): KvCacheType {
    if (k !== undefined && v !== undefined && k !== v)
        throw new R1Error(`r1 plan uses one KV cache type for keys and values, not --cache-type-k ${k} and --cache-type-v ${v}`, {exitCode: ExitCode.usage, hint: "give --kv-cache TYPE"});
    return (k ?? v ?? "f16") as KvCacheType;
}

function resolveModelAndQuant(model: string, quant: string | undefined): {variant: Variant, quant: string} {
    if (quant !== undefined) {
        const variant = requireVariant(model);
        const option = findQuantOption(quant);
        if (option === undefined || !variant.quants.includes(option.name))
            throw new R1Error(`unknown quant "${quant}" for ${variant.id}; valid: ${variant.quants.join(", ")}`, {exitCode: ExitCode.usage});
        return {variant, quant: option.name};
    }
    const resolved = resolveModelName(model);
    return {variant: resolved.variant, quant: resolved.quant};
}

/** Said beside the context when it is the default: the plan is for the context r1 loads. */
const DEFAULT_CONTEXT_NOTE = "what r1 run and r1 serve load by default; -c to change";

function printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const VERDICT_LABEL: Record<Verdict, string> = {
    "usable": pc.green("usable"), "slow": pc.yellow("slow"), "technically-runs": pc.red("technically runs"), "too-slow": pc.red("too slow"),
    "does-not-fit": pc.dim("does not fit")
};

function shortName(p: ModelPlan): string {
    return (subjectVariant(p.subject)?.name ?? p.model).replace(/^DeepSeek-/, "");
}

/** Seconds as people read a wait: 45 s, 6.5 min, 3.2 h. */
export function formatWait(seconds: number): string {
    if (!Number.isFinite(seconds) || seconds <= 0) return "—";
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
}

/** The reasoning lengths' sources in a few words: one source as is, the published figures summarized. */
function describeSources(sources: readonly string[]): string {
    const distinct = [...new Set(sources)];
    if (distinct.length === 1) return distinct[0]!;
    const published = distinct.filter((s) => s.includes("model card"));
    const rest = distinct.filter((s) => !s.includes("model card"));
    return [...(published.length > 0 ? ["DeepSeek's published AIME averages of R1 and R1-0528 (R1-0528 model card; a distill carries its teacher's)"] : []), ...rest].join("; ");
}

/** Where the speeds come from, one line. */
function speedSourceLine(probe: EngineProbe | undefined, plans: readonly ModelPlan[]): string {
    if (probe !== undefined && plans.some((p) => p.predicted.source === "probe"))
        return `Speeds from the engine probe of ${probe.measuredAt.slice(0, 16).replace("T", " ")} UTC (${probe.engine}, ${probe.seconds.toFixed(0)} s` +
            `${probe.load === undefined ? "" : `, load ${probe.load.average.toFixed(1)} on ${probe.load.cores} cores${probe.load.average > probe.load.cores ? ": a busy machine, figures low — rerun r1 hw --probe when idle" : ""}`}).`;
    if (plans.some((p) => p.predicted.calibrated)) return "Speeds from default factors calibrated by `r1 bench`; unprobed: `r1 plan --probe` measures this machine with the engine.";
    return "Unprobed: speeds from default efficiency factors. `r1 plan --probe` measures this machine with the engine (about a minute).";
}

/** Placement in a few characters for the family table. */
function placementShort(p: ModelPlan): string {
    const gpus = p.devices.filter((d) => d.kind === "gpu").length;
    const gpu = gpus > 1 ? `${gpus} GPUs` : "GPU";
    switch (p.placement) {
        case "gpu": return gpu;
        case "partial": return p.cpuMoeLayers > 0 ? `${gpu} + experts in RAM` : `${gpu} ${p.gpuLayers}/${p.architecture.layers + 1} + RAM`;
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

function printFamily(hardware: HardwareProfile, candidates: readonly ModelPlan[], summary: string, ctx: number, llamaServer: LocalLlamaServer | undefined,
    depth: number, probe: EngineProbe | undefined): void {
    for (const line of fitLines(hardwareLines(hardware))) process.stdout.write(`${line}\n`);
    process.stdout.write(`\nEvery variant for a ${ctx.toLocaleString("en-US")}-token context${ctx === DEFAULT_CONTEXT_SIZE ? ` (${DEFAULT_CONTEXT_NOTE})` : ""}; generation speed ` +
        `${depth === 0 ? "at an empty context (like llama-bench tg128)" : `at depth ${depth.toLocaleString("en-US")} (like llama-bench -d ${depth})`}:\n`);
    process.stdout.write(pc.dim(`${speedSourceLine(probe, candidates)}\n`));
    // Narrow terminals lose the least needed columns first: quality notes, scores, engine, prompt speed…
    const columns: TableColumn[] = [
        {header: "model"}, {header: "quant"}, {header: "file", align: "right", dropOrder: 5}, {header: "where", dropOrder: 6},
        {header: "engine", dropOrder: 9}, {header: "memory", align: "right", dropOrder: 4}, {header: "gen t/s", align: "right"},
        {header: "prompt t/s", align: "right", dropOrder: 8}, {header: "to answer", align: "right", dropOrder: 7}, {header: "verdict"},
        {header: "AIME24", align: "right", dropOrder: 10}, {header: "quant quality", dropOrder: 11}
    ];
    const rows: string[][] = [];
    let needsBuild = false;
    for (const p of candidates) {
        const fits = p.fits;
        const engine = planEngineInfo(p, hardware, llamaServer);
        if (fits && !engine.available) needsBuild = true;
        rows.push([
            shortName(p), p.quant, formatBytes(p.memory.fileBytes), placementShort(p),
            !fits ? "—" : engine.available ? engine.engine : pc.yellow(`${engine.engine}*`), fits ? formatBytes(p.memory.totalBytes) : "—",
            fits ? formatRate(p.predicted.generationTokensPerSecond) : "—", fits ? formatRate(p.predicted.promptTokensPerSecond) : "—",
            p.timeToAnswer === undefined ? "—" : formatWait(p.timeToAnswer.seconds),
            VERDICT_LABEL[p.verdict], subjectVariant(p.subject)?.scores.aime2024.toFixed(1) ?? "—", p.qualityNote.replace(/ \(.*$/, "").replace(/,.*$/, "")
        ]);
    }
    process.stdout.write(`${renderTable(columns, rows)}\n`);
    process.stdout.write(pc.dim("Distill = a dense Qwen2.5 / Qwen3 / Llama 3 model fine-tuned on R1's outputs, not R1 itself (671B MoE). " +
        "AIME24 = DeepSeek's published pass@1.\n"));
    if (needsBuild) process.stdout.write(pc.yellow(hardware.source === "detected"
        ? "* needs llama.cpp's llama-server for this machine, which is not built here: r1 engine build\n"
        : "* needs llama.cpp's llama-server on that machine: r1 engine build there\n"));
    const lengths = [...new Map(candidates.flatMap((p) => p.timeToAnswer === undefined ? [] : [[p.model, p.timeToAnswer] as const])).entries()];
    if (lengths.length > 0) {
        const byTokens = new Map<number, string[]>();
        for (const [model, t] of lengths) byTokens.set(t.reasoningTokens, [...byTokens.get(t.reasoningTokens) ?? [], model]);
        const parts = [...byTokens.entries()].map(([tokens, models]) => `${tokens.toLocaleString("en-US")} tokens for ${models.length > 2 ? `${models.length} variants` : models.join(", ")}`);
        process.stdout.write(pc.dim(`"to answer" = generating a typical reasoning chain plus its answer: ${parts.join("; ")} (${describeSources(lengths.map(([, t]) => t.source))}; \`r1 eval\` records the real length per model).\n`));
    }
    process.stdout.write(`${pc.bold("Recommendation:")} ${summary}\n`);
    process.stdout.write(pc.dim("Details: r1 plan <model> [--quant Q] [--ctx N]    What-if: r1 plan --hardware rtx-4090    Measure: r1 hw --probe, r1 bench\n"));
}

function printDetail(hardware: HardwareProfile, plan: ModelPlan, llamaServer: LocalLlamaServer | undefined, command: string | undefined,
    probe: EngineProbe | undefined): void {
    const v = subjectVariant(plan.subject);
    for (const line of fitLines(hardwareLines(hardware))) process.stdout.write(`${line}\n`);
    process.stdout.write(`\n${pc.bold(`${v?.name ?? plan.model} ${plan.quant}`)}  (${plan.model})\n`);
    if (v === undefined) {
        const description = plan.subject.kind === "file" ? plan.subject.description : plan.model;
        process.stdout.write(`  ${description}: not an R1 variant; planned from the file's own metadata and tensor types\n`);
        process.stdout.write(`  file ${formatBytes(plan.memory.fileBytes)}\n`);
    } else {
        process.stdout.write(`  ${v.distilled ? "distilled dense model" : "the R1 Mixture of Experts"} on ${v.baseModel}\n`);
        if (plan.subject.kind === "catalog") {
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
    process.stdout.write(`  context ${plan.contextSize.toLocaleString("en-US")} tokens${plan.contextSize === defaultContextSize(plan.architecture.maxContext) ? ` (${DEFAULT_CONTEXT_NOTE})` : ""}\n\n`);
    if (plan.placement === "none") {
        process.stdout.write(`${VERDICT_LABEL[plan.verdict]}: ${plan.notes.join("; ")}\n`);
        process.stdout.write(`  needs about ${formatBytes(plan.memory.totalBytes)} (weights ${formatBytes(plan.memory.weightsBytes)} + KV cache ${formatBytes(plan.memory.kvCacheBytes)})\n`);
        return;
    }
    process.stdout.write(`Placement: ${plan.placementDetail} (gpuLayers ${plan.gpuLayers}${plan.cpuMoeLayers > 0 ? `, --n-cpu-moe ${plan.cpuMoeLayers}` : ""})\n`);
    process.stdout.write(`Loading:   ${plan.loading.reason}\n`);
    const deviceRows: string[][] = [];
    const deviceColumns: TableColumn[] = [
        {header: "device"}, {header: "layers", align: "right"}, {header: "weights", align: "right", dropOrder: 3}, {header: "KV cache", align: "right", dropOrder: 4},
        {header: "compute", align: "right", dropOrder: 5}, {header: "total", align: "right"}, {header: "of usable", align: "right", dropOrder: 2},
        {header: "read/token", align: "right", dropOrder: 6}, {header: "read rate", align: "right", dropOrder: 1}, {header: "time/token", align: "right"}
    ];
    for (const d of plan.devices) {
        deviceRows.push([d.device, d.kind === "disk" ? "—" : String(d.layers), formatBytes(d.weightsBytes), formatBytes(d.kvCacheBytes), formatBytes(d.computeBytes),
            formatBytes(d.totalBytes), d.kind === "disk" ? "—" : formatBytes(d.capacityBytes), formatBytes(d.bytesPerToken),
            `${(d.effectiveBytesPerSecond / 1e9).toFixed(0)} of ${(d.peakBytesPerSecond / 1e9).toFixed(0)} GB/s`, `${(d.secondsPerToken * 1000).toFixed(2)} ms`]);
    }
    deviceRows.push([pc.bold("total"), "", formatBytes(plan.memory.weightsBytes), formatBytes(plan.memory.kvCacheBytes), formatBytes(plan.memory.computeBytes),
        formatBytes(plan.memory.totalBytes), "", formatBytes(plan.predicted.bytesPerToken), "", `+${(plan.predicted.overheadSeconds * 1000).toFixed(2)} ms overhead`]);
    process.stdout.write(`${renderTable(deviceColumns, deviceRows)}\n`);
    const p = plan.predicted;
    const at = p.depth === 0 ? "" : ` at depth ${p.depth.toLocaleString("en-US")}`;
    process.stdout.write(`Generation: ${pc.bold(formatRate(p.generationTokensPerSecond))} tok/s${at} (roofline ${formatRate(p.rooflineTokensPerSecond)}: every byte at peak bandwidth)\n`);
    process.stdout.write(`Prompt:     ${formatRate(p.promptTokensPerSecond)} tok/s\n`);
    if (plan.timeToAnswer !== undefined) {
        const t = plan.timeToAnswer;
        process.stdout.write(`To answer:  ${pc.bold(formatWait(t.seconds))} for a typical reasoning chain of ${t.reasoningTokens.toLocaleString("en-US")} tokens, thinking + answer (${t.source})\n`);
    }
    process.stdout.write(`Verdict:    ${VERDICT_LABEL[plan.verdict]}${plan.fits && plan.verdict === "too-slow" ? " (it fits, memory-mapped from disk)" : ""}\n`);
    if (p.source === "probe") process.stdout.write(pc.dim(`${speedSourceLine(probe, [plan])}\n`));
    for (const note of plan.notes) process.stdout.write(pc.dim(`note: ${note}\n`));
    const engine = planEngineInfo(plan, hardware, llamaServer);
    if (engine.engine === "embedded") {
        process.stdout.write(`Engine:     embedded (node-llama-cpp); with --engine llama-server r1 runs:\n`);
    } else {
        process.stdout.write(`Engine:     ${pc.bold("llama-server")}, for ${engine.reason}; ` +
            `${engine.available ? "available" : pc.yellow(`get it with ${engine.howToGet}`)}\n`);
        process.stdout.write("Command r1 runs:\n");
    }
    if (command !== undefined) process.stdout.write(`  ${command}\n${pc.dim(`  (${commandForLine(hardware,
        `r1 run ${plan.subject.kind === "catalog" ? `${plan.model}:${plan.quant}` : "FILE"} -c ${plan.contextSize}`)})`)}\n`);
}
