import fs from "node:fs/promises";
import path from "node:path";
import cliProgress from "cli-progress";
import pc from "picocolors";
import type {CommandModule} from "yargs";
import {
    DEFAULT_STALL_TIMEOUT_MS, fetchModelIds, formatReportMarkdown, KNOWN_DATASETS, loadDataset, MAX_PARALLEL, MAX_SAMPLES, resolveDatasetIter, runEvalIter,
    variantOf, type EvalReport
} from "../../eval/index.js";
import {recordReasoningLength} from "../../plan/index.js";
import {DEFAULT_PORT} from "../../server/limits.js";
import {ExitCode, R1Error} from "../../util/R1Error.js";
import {withModelOption} from "../options/model.js";
import {withParallel} from "../options/parallel.js";
import {withRetiredFlag} from "../options/retiredFlag.js";

/** r1's own server (`r1 serve`) on its default port; any OpenAI-compatible base URL works. */
export const DEFAULT_EVAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORT}/v1`;

interface EvalArgs {
    dataset: string;
    endpoint: string;
    model?: string;
    "api-key"?: string;
    samples: number;
    temperature: number;
    "top-p": number;
    "max-tokens": number;
    parallel: number;
    limit?: number;
    subjects?: string[];
    levels?: (number | string)[];
    results?: string;
    resume: boolean;
    json: boolean;
    markdown?: string;
    variant?: string;
    timeout: number;
}

function usage(message: string): R1Error {
    return new R1Error(message, {exitCode: ExitCode.usage, hint: "see r1 eval --help"});
}

function checkRange(name: string, value: number, min: number, max: number, integer = false): void {
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
        throw usage(`--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, not ${String(value)}.`);
    }
}

function splitList(values: readonly (string | number)[] | undefined): string[] {
    return (values ?? []).flatMap((v) => String(v).split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

function defaultResultsPath(dataset: string, model: string): string {
    const data = path.basename(dataset).replace(/\.jsonl?$/i, "").replace(/[^\w.-]+/g, "-");
    const name = model.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "");
    return `r1-eval-${data}-${name}.jsonl`;
}

async function writeAtomic(file: string, text: string): Promise<void> {
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, file);
}

async function chooseModel(args: EvalArgs, apiKey: string | undefined): Promise<string> {
    if (args.model !== undefined && args.model.trim() !== "") return args.model.trim();
    const ids = await fetchModelIds(args.endpoint, apiKey === undefined ? {} : {apiKey});
    if (ids.length === 1 && ids[0] !== undefined) return ids[0];
    throw usage(ids.length === 0
        ? `${args.endpoint} lists no model; pass --model.`
        : `${args.endpoint} serves ${ids.length} models (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}); pass --model.`);
}

function printReport(report: EvalReport, args: EvalArgs): void {
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(formatReportMarkdown(report));
}

export const evalCommand: CommandModule<object, EvalArgs> = {
    command: "eval",
    describe: "MATH-500 / AIME 2024 pass@1 against any OpenAI-compatible endpoint, the way DeepSeek measured the distills",
    builder: (y) => withRetiredFlag(withParallel(withModelOption(y, {array: false, describe: "model name to request; defaults to the endpoint's only model"}),
        {default: 1, max: MAX_PARALLEL, describe: "requests in flight at once"}), "p",
    {command: "r1 eval", meaning: "in r1, -p is always a prompt", now: "-np or --parallel for requests in flight", example: "r1 eval -d aime24 -np 2"})
        .option("dataset", {alias: "d", type: "string", demandOption: true,
            describe: `JSONL file (MATH-500 or AIME format), or ${Object.keys(KNOWN_DATASETS).join(" / ")} to download it from the Hugging Face hub into the store`})
        .option("endpoint", {type: "string", default: DEFAULT_EVAL_ENDPOINT, describe: "OpenAI-compatible base URL"})
        .option("api-key", {type: "string", describe: "bearer token; defaults to $R1_API_KEY, then $OPENAI_API_KEY"})
        .option("samples", {alias: "k", type: "number", default: 1, describe: "samples per problem; pass@1 is their mean (DeepSeek used 64)"})
        .option("temperature", {type: "number", default: 0.6})
        .option("top-p", {type: "number", default: 0.95})
        .option("max-tokens", {type: "number", default: 32768, describe: "per completion, reasoning included"})
        .option("limit", {type: "number", describe: "only the first N problems (after --subjects/--levels)"})
        .option("subjects", {type: "string", array: true, describe: "MATH subjects, e.g. Algebra \"Number Theory\" (comma-separated works too)"})
        .option("levels", {type: "string", array: true, describe: "MATH levels 1-5, e.g. 4,5"})
        .option("results", {type: "string", describe: "results JSONL, appended as samples finish; defaults to r1-eval-<dataset>-<model>.jsonl"})
        .option("resume", {type: "boolean", default: false, describe: "continue the run in --results, redoing only missing or failed samples"})
        .option("json", {type: "boolean", default: false, describe: "print the report as JSON"})
        .option("markdown", {type: "string", describe: "also write the report as Markdown to this file"})
        .option("timeout", {type: "number", default: DEFAULT_STALL_TIMEOUT_MS / 1000, describe: "seconds a request may go without any data before it is retried"})
        .option("variant", {type: "string", describe: "R1 variant for the published score, when the model name does not say (e.g. deepseek-r1:7b)"})
        .example("$0 eval -d aime24 -k 4 -np 2", "AIME 2024 against r1 serve, 4 samples per problem")
        .example("$0 eval -d ./math500_test.jsonl --endpoint http://127.0.0.1:11434/v1 -m deepseek-r1:7b --levels 5", "MATH-500 level 5 against Ollama"),
    handler: async (args) => {
        checkRange("samples", args.samples, 1, MAX_SAMPLES, true);
        checkRange("temperature", args.temperature, 0, 2);
        checkRange("top-p", args["top-p"], 0, 1);
        checkRange("max-tokens", args["max-tokens"], 1, 10_000_000, true);
        if (args.limit !== undefined) checkRange("limit", args.limit, 1, 1_000_000, true);
        checkRange("timeout", args.timeout, 1, 7 * 24 * 3600);
        const levels = splitList(args.levels).map(Number);
        if (levels.some((l) => !Number.isInteger(l))) throw usage(`--levels takes integers such as 4,5, not ${splitList(args.levels).join(",")}.`);
        const apiKey = args["api-key"] ?? process.env.R1_API_KEY ?? process.env.OPENAI_API_KEY;

        const controller = new AbortController();
        let interrupts = 0;
        const onInterrupt = (): void => {
            if (++interrupts > 1) process.exit(ExitCode.interrupted);
            controller.abort();
        };
        process.on("SIGINT", onInterrupt);
        const showProgress = process.stderr.isTTY === true && !args.json;
        try {
            const datasetIter = resolveDatasetIter(args.dataset, {signal: controller.signal});
            let datasetPath: string | undefined;
            try {
                for (;;) {
                    const step = await datasetIter.next();
                    if (step.done === true) {
                        datasetPath = step.value;
                        break;
                    }
                    if (step.value.type === "start" && !args.json) process.stderr.write(pc.dim(`downloading ${args.dataset} to ${step.value.dest}\n`));
                }
            } catch (error) {
                if (controller.signal.aborted) throw new R1Error("Interrupted while downloading the data set.", {exitCode: ExitCode.interrupted, hint: "run the same command again to resume the download"});
                throw error;
            }
            const dataset = await loadDataset(datasetPath, {
                subjects: splitList(args.subjects), levels,
                ...(args.limit === undefined ? {} : {limit: args.limit})
            });
            const model = await chooseModel(args, apiKey);
            const resultsPath = args.results ?? defaultResultsPath(datasetPath, model);
            const bar = new cliProgress.SingleBar({
                format: "{bar} {value}/{total} samples | pass@1 {accuracy} | {eta_formatted} left",
                hideCursor: true, stream: process.stderr, clearOnComplete: true
            }, cliProgress.Presets.shades_classic);
            let report: EvalReport | undefined;
            let interrupted = false;
            try {
                for await (const event of runEvalIter({
                    dataset, endpoint: args.endpoint, model, resultsPath, resume: args.resume, samples: args.samples,
                    temperature: args.temperature, topP: args["top-p"], maxTokens: args["max-tokens"], parallel: args.parallel,
                    signal: controller.signal, stallTimeoutMs: args.timeout * 1000,
                    ...(apiKey === undefined ? {} : {apiKey}),
                    ...(args.variant === undefined ? {} : {variant: args.variant})
                })) {
                    if (event.type === "start") {
                        if (!args.json) {
                            process.stderr.write(pc.dim(`${dataset.problems.length} problems × ${args.samples} from ${datasetPath} → ${model} at ${args.endpoint}; results in ${resultsPath}` +
                                (event.resumed > 0 ? ` (${event.resumed} resumed)` : "") + "\n"));
                        }
                        const accuracy = event.resumed === 0 ? "-" : `${((100 * event.resumedCorrect) / event.resumed).toFixed(1)}%`;
                        if (showProgress) bar.start(event.total, event.resumed, {accuracy});
                    } else if (event.type === "sample") {
                        if (showProgress) bar.update(event.done, {accuracy: `${((100 * event.correct) / event.done).toFixed(1)}%`});
                    } else if (event.type === "done") {
                        report = event.report;
                        interrupted = event.interrupted;
                    }
                }
            } finally {
                if (showProgress) bar.stop();
            }
            if (report === undefined) return;
            printReport(report, args);
            await recordLength(report, args.variant ?? model, interrupted);
            if (args.markdown !== undefined) await writeAtomic(args.markdown, formatReportMarkdown(report));
            if (interrupted) {
                process.stderr.write(`${pc.yellow("r1:")} interrupted: ${report.samples} of ${report.problems * report.samplesPerProblem} samples graded. ` +
                    pc.dim(`Continue with --resume --results ${resultsPath}\n`));
                process.exitCode = ExitCode.interrupted;
            }
        } finally {
            process.off("SIGINT", onInterrupt);
        }
    }
};

/**
 * Saves the run's mean generated tokens per sample for `r1 plan`'s time to an answer, under the
 * catalog variant the model name denotes. Only complete runs with counted (not estimated) tokens.
 */
async function recordLength(report: EvalReport, model: string, interrupted: boolean): Promise<void> {
    const variant = variantOf(model)?.variant;
    const tokens = report.tokens;
    if (interrupted || variant === undefined || tokens === undefined || tokens.estimated || report.samples === 0) return;
    await recordReasoningLength(variant.id, {
        meanCompletionTokens: tokens.completion, meanReasoningTokens: tokens.reasoning, samples: report.samples,
        dataset: report.benchmark ?? report.dataset, recordedAt: new Date().toISOString()
    });
}
