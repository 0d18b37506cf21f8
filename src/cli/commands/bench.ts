import {existsSync} from "node:fs";
import os from "node:os";
import cliProgress from "cli-progress";
import pc from "picocolors";
import type {Argv, CommandModule} from "yargs";
import {benchContextSize, benchModelIter, type BenchTestResult} from "../../bench/benchModel.js";
import {syntheticModelPath} from "../../bench/syntheticModelPath.js";
import {writeSyntheticModelIter} from "../../bench/writeSyntheticModel.js";
import {DEFAULT_QUANT, findQuantOption, findVariant, requireVariant, UnknownQuantError, type Variant} from "../../catalog/index.js";
import {loadEngineModel, type EngineChoice} from "../../engine/loadEngineModel.js";
import type {LoadedModelInfo} from "../../engine/types.js";
import {detectHardware, type HardwareProfile} from "../../hardware/index.js";
import {calibrateFromMeasurement, saveCalibration, type ModelPlan} from "../../plan/index.js";
import {ModelStore, resolveR1Home} from "../../store/index.js";
import {resolveOrPull} from "../pullIfMissing.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {busyMachineWarning, describeEngine, describeLoadDecisions, engineFlagsToEngineOptions, engineFlagsToLoadOptions, withEngineFlags, type EngineFlags} from "../engineFlags.js";
import {applyLlamaServerExtras, withLlamaServerExtras, type LlamaServerExtraFlags} from "../llamaServerExtras.js";
import {plannedLoad} from "../plannedLoad.js";
import {renderTable} from "../renderTable.js";
import {withQuant} from "../options/quant.js";
import {withRetiredFlag} from "../options/retiredFlag.js";

interface BenchArgs extends EngineFlags, LlamaServerExtraFlags {
    model?: string;
    yes: boolean;
    synthetic?: string;
    quant?: string;
    tokenizer?: string;
    rewrite: boolean;
    "n-prompt": number;
    n: number;
    d: number;
    r: number;
    e2e: boolean;
    json: boolean;
    calibrate: boolean;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
    command: "bench [model]",
    describe: "measure prompt and generation speed (llama-bench style), also on synthetic exact-shape models",
    builder: (yargs) => withRetiredFlag(withQuant(withLlamaServerExtras(withEngineFlags(yargs as Argv<object>)), {describe: `quant of the synthetic model (default: ${DEFAULT_QUANT})`}),
        "p", {command: "r1 bench", meaning: "in r1, -p is always a prompt", now: "--n-prompt for llama-bench's -p, the prompt length", example: "r1 bench MODEL --n-prompt 512"})
        .positional("model", {type: "string", describe: "a pulled model's name or a path to a .gguf file"})
        .option("synthetic", {type: "string", describe: "bench a catalog variant without downloading it: write its exact tensor shapes with random weights"})
        .option("tokenizer", {type: "string", describe: "GGUF to copy the tokenizer from (default: a generated vocabulary of the same size)"})
        .option("rewrite", {type: "boolean", default: false, describe: "write the synthetic model again even if cached"})
        .option("n-prompt", {type: "number", default: 512, describe: "prompt tokens per prompt-processing run (0 skips; llama-bench's -p)"})
        .option("n", {alias: "n-gen", type: "number", default: 128, describe: "tokens per generation run (0 skips)"})
        .option("d", {alias: "n-depth", type: "number", default: 0, describe: "tokens already in the context before each prompt and generation run (llama-bench -d)"})
        .option("r", {alias: "repetitions", type: "number", default: 3, describe: "measured runs per test, after a warm-up"})
        .option("e2e", {type: "boolean", default: true, describe: "also time real chat replies with sampling on (--no-e2e skips)"})
        .option("json", {type: "boolean", default: false, describe: "print the results as JSON"})
        .option("yes", {alias: "y", type: "boolean", default: false, describe: "pull a catalog model that is not pulled yet without asking"})
        .option("calibrate", {type: "boolean", default: true, describe: "save the measurement as this machine's planner calibration (--no-calibrate skips)"})
        .check((args) => {
            if ((args.model === undefined) === (args.synthetic === undefined)) throw new Error("give a model, or --synthetic VARIANT");
            return true;
        }) as unknown as Argv<BenchArgs>,
    handler: async (args) => {
        // Read before benchmarking: afterwards the load average counts the benchmark's own threads,
        // and a 2-core machine would always look busy.
        const loadBefore = os.loadavg()[0] ?? 0;
        const flagged = engineFlagsToLoadOptions(args);
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const target = await benchTarget(args, log);
        // Room for the depth, the larger test and a reply's chat template, and the cell node-llama-cpp
        // keeps free: a prompt that fills the context is re-evaluated by a context shift (benchModelIter).
        const contextSize = flagged.contextSize ?? Math.max(512, benchContextSize({promptTokens: args["n-prompt"], generateTokens: args.n + 64, depth: args.d}));
        const planned = await plannedLoad({...flagged, path: target.path, contextSize}, {
            ...(target.variant === undefined ? {} : {catalogId: target.variant.id}),
            ...(target.quant === undefined ? {} : {quant: target.quant}), depth: args.d
        }, {...(args.engine === undefined ? {} : {choice: args.engine as EngineChoice})});
        const plan = planned.plan;
        const hardware = planned.hardware ?? await detectHardware();
        const model = await loadEngineModel(await applyLlamaServerExtras({...planned.options, ...engineFlagsToEngineOptions(args)}, args,
            {...(target.variant === undefined ? {} : {catalogId: target.variant.id}), note: log}));
        let results: BenchTestResult[] = [];
        try {
            if (args.verbose) for (const line of [...describeEngine(model.decision), ...describeLoadDecisions(model.info, args, undefined, "enough for the benchmark's prompt and generated tokens"), ...planned.reasons]) log(pc.dim(line));
            const bar = args.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({format: "{test} {bar} {value}/{total} runs", clearOnComplete: true}, cliProgress.Presets.shades_classic);
            const iterator = benchModelIter(model, {promptTokens: args["n-prompt"], generateTokens: args.n, depth: args.d, repetitions: args.r, endToEnd: args.e2e});
            for (;;) {
                const step = await iterator.next();
                if (step.done === true) {
                    results = step.value;
                    break;
                }
                const event = step.value;
                if (event.type === "run") {
                    if (bar !== undefined) {
                        if (event.repetition === 0) bar.start(event.repetitions + 1, 0, {test: event.name});
                        bar.update(event.repetition + 1, {test: event.name});
                        if (event.repetition === event.repetitions) bar.stop();
                    } else if (!args.json) log(pc.dim(`${event.name} run ${event.repetition}/${event.repetitions}${event.warmup ? " (warm-up)" : ""}: ${event.tokensPerSecond.toFixed(2)} t/s`));
                }
            }
        } finally {
            await model.dispose();
        }
        const tg = results.find((r) => r.test === "tg");
        const pp = results.find((r) => r.test === "pp");
        const entries = plan === undefined ? {} : calibrateFromMeasurement({
            plan,
            ...(tg === undefined ? {} : {generationTokensPerSecond: tg.meanTokensPerSecond}),
            ...(pp === undefined ? {} : {promptTokensPerSecond: pp.meanTokensPerSecond})
        });
        // A measurement taken while other processes fight for the cores says nothing about the machine.
        const busy = busyMachineWarning(model.info.threads ?? 1, loadBefore).length > 0;
        // The planner's calibration is for an empty context: figures at a depth are slower by design.
        const calibrated = args.calibrate && !busy && args.d === 0 && hardware.source === "detected" && Object.keys(entries).length > 0;
        if (calibrated) await saveCalibration(hardware, entries);

        const report = {
            model: target.path, synthetic: args.synthetic !== undefined, variant: target.variant?.id ?? null, quant: target.quant ?? null,
            machine: describeMachine(hardware), threads: model.info.threads, gpuLayers: model.info.gpuLayers, gpu: model.info.gpu ?? false,
            contextSize: model.info.contextSize, flashAttention: model.info.flashAttention ?? null, depth: args.d, results,
            prediction: plan === undefined ? null : {
                generationTokensPerSecond: plan.predicted.generationTokensPerSecond, promptTokensPerSecond: plan.predicted.promptTokensPerSecond,
                rooflineTokensPerSecond: plan.predicted.rooflineTokensPerSecond, placement: plan.placementDetail, calibrated: plan.predicted.calibrated,
                source: plan.predicted.source,
                // Generation after the -d tokens the tg test measured at (pp and e2e compare with the depth-0 figures above).
                ...(planned.planAtDepth === undefined ? {} : {depth: args.d, generationAtDepthTokensPerSecond: planned.planAtDepth.predicted.generationTokensPerSecond})
            },
            calibrationSaved: calibrated,
            machineBusy: busy
        };
        if (args.json) {
            process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            return;
        }
        process.stdout.write(`${benchTable(report.model, results, plan, planned.planAtDepth)}\n`);
        process.stdout.write(pc.dim(`${benchRunLine(report.machine, model.info, process.env.UV_THREADPOOL_SIZE)}\n`));
        if (plan !== undefined) process.stdout.write(pc.dim(`prediction: ${plan.placementDetail} (${predictionSource(plan)})` +
            `${args.d > 0 && args["n-prompt"] > 0 ? `; the prompt at depth ${args.d} is not predicted (the planner models prompt speed at depth 0)` : ""}; ${calibrated ? "measurement saved as calibration for `r1 plan`" : busy && args.calibrate ? "calibration not saved: the machine was busy (load average above its cores)" : args.d > 0 && args.calibrate ? "calibration not saved: measured at a depth" : "calibration not saved"}\n`));
    }
};

interface BenchTarget {
    path: string;
    variant?: Variant;
    quant?: string;
}

async function benchTarget(args: BenchArgs, log: (line: string) => void): Promise<BenchTarget> {
    if (args.synthetic === undefined) {
        const resolved = await resolveOrPull(args.model ?? "", {yes: args.yes});
        const variant = resolved.manifest?.catalogId === undefined ? undefined : findVariant(resolved.manifest.catalogId);
        return {path: resolved.path, ...(variant === undefined ? {} : {variant}), ...(resolved.manifest?.quant === undefined ? {} : {quant: resolved.manifest.quant.toUpperCase()})};
    }
    const variant = requireVariant(args.synthetic);
    const option = findQuantOption(args.quant ?? DEFAULT_QUANT);
    if (option === undefined || !variant.quants.includes(option.name)) throw new UnknownQuantError(args.quant ?? DEFAULT_QUANT, variant.quants);
    if (args.tokenizer !== undefined && !existsSync(args.tokenizer))
        throw new R1Error(`no tokenizer file ${args.tokenizer}`, {exitCode: ExitCode.notFound, hint: "give a GGUF of the same model family, or leave --tokenizer out"});
    const path = syntheticModelPath(resolveR1Home(), variant.id, option.name);
    if (!existsSync(path) || args.rewrite) {
        const started = performance.now();
        const bar = args.json || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar({format: "writing synthetic model {bar} {percentage}%", clearOnComplete: true}, cliProgress.Presets.shades_classic);
        const tokenizerFrom = args.tokenizer ?? await pulledTokenizer(variant);
        if (!args.json) log(pc.dim(`tokenizer: ${tokenizerFrom ?? `generated stand-in of ${variant.architecture.vocabSize} tokens (pull the model, or pass --tokenizer, for the real one)`}`));
        for await (const event of writeSyntheticModelIter({variant, quant: option.name, path, ...(tokenizerFrom === undefined ? {} : {tokenizerFrom})})) {
            if (event.type === "header") bar?.start(event.totalBytes, 0);
            else if (event.type === "tensor" || event.type === "progress") bar?.update(event.bytesWritten);
            else if (event.type === "done") {
                bar?.stop();
                if (!args.json) log(pc.dim(`wrote ${path} (${(event.totalBytes / 1e9).toFixed(2)} GB, random weights) in ${((performance.now() - started) / 1000).toFixed(1)} s`));
            }
        }
    }
    return {path, variant, quant: option.name};
}

/** A pulled model with the same vocabulary (same architecture and vocabulary size), whose tokenizer is the real one. */
async function pulledTokenizer(variant: Variant): Promise<string | undefined> {
    try {
        const store = new ModelStore({home: resolveR1Home()});
        for (const stored of await store.list()) {
            const id = stored.manifest?.catalogId;
            const other = stored.status === "complete" && id !== undefined ? findVariant(id) : undefined;
            if (other === undefined || other.architecture.arch !== variant.architecture.arch || other.architecture.vocabSize !== variant.architecture.vocabSize) continue;
            const first = stored.manifest?.files[0];
            if (first !== undefined) return store.filePath(stored.name, first.name);
        }
    } catch {
        // An unreadable store only means no real tokenizer: the stand-in is as fast.
    }
    return undefined;
}

function describeMachine(hardware: HardwareProfile): string {
    const gpus = hardware.gpus.map((g) => g.name).join(", ");
    return `${hardware.cpu.model} (${hardware.cpu.physicalCores} cores)${gpus === "" ? "" : ` + ${gpus}`}`;
}

function predictionSource(plan: ModelPlan): string {
    return plan.predicted.source === "probe" ? "engine probe" : plan.predicted.calibrated ? "calibrated" : "uncalibrated defaults";
}

/**
 * The predicted figure for one result: at depth 0 the plan's; generation at a depth the plan made
 * at that depth. Prompt processing at a depth is not predicted (the planner's prompt speed is for
 * an empty context).
 */
export function predictedFor(result: BenchTestResult, plan: ModelPlan | undefined, planAtDepth: ModelPlan | undefined): number | undefined {
    if (plan === undefined) return undefined;
    if (result.depth === 0) return result.test === "pp" ? plan.predicted.promptTokensPerSecond : plan.predicted.generationTokensPerSecond;
    return result.test === "tg" && planAtDepth?.predicted.depth === result.depth ? planAtDepth.predicted.generationTokensPerSecond : undefined;
}

/**
 * The line under the table: the machine and how the engine ran the model. Parts an engine does not report (a
 * llama-server r1 started with its own default threads, an upstream's device) are said as such, never "undefined".
 */
export function benchRunLine(machine: string, info: LoadedModelInfo, uvThreadpoolSize: string | undefined): string {
    const parts = [machine];
    if (info.engine !== undefined && info.engine !== "embedded") parts.push(info.engine);
    parts.push(info.threads === undefined ? "the engine's default threads" : `${info.threads} threads`);
    if (info.gpu === false) parts.push("CPU");
    else if (info.gpu !== undefined) parts.push(`${info.gpu}, ${info.gpuLayers} GPU layers`);
    else parts.push(`${info.gpuLayers} GPU layers`);
    // UV_THREADPOOL_SIZE only matters where node-llama-cpp runs in r1's own process.
    if (info.engine === undefined || info.engine === "embedded") parts.push(`UV_THREADPOOL_SIZE=${uvThreadpoolSize ?? "unset"}`);
    return parts.join(" · ");
}

function benchTable(modelPath: string, results: BenchTestResult[], plan: ModelPlan | undefined, planAtDepth: ModelPlan | undefined): string {
    const rows: string[][] = [];
    const name = modelPath.split(/[\\/]/).pop() ?? modelPath;
    for (const r of results) {
        const predicted = predictedFor(r, plan, planAtDepth)?.toFixed(1) ?? "–";
        rows.push([name, r.name, `${r.meanTokensPerSecond.toFixed(2)} ± ${r.sdTokensPerSecond.toFixed(2)}`,
            r.msPerToken === undefined ? "–" : r.msPerToken.median.toFixed(1), r.msPerToken === undefined ? "–" : r.msPerToken.p90.toFixed(1), predicted]);
    }
    return renderTable([{header: "model", dropOrder: 1}, {header: "test"}, {header: "t/s", align: "right"}, {header: "ms/token p50", align: "right", dropOrder: 3},
        {header: "p90", align: "right", dropOrder: 2}, {header: "predicted t/s", align: "right"}], rows);
}
