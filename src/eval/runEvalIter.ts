import {setTimeout as sleep} from "node:timers/promises";
import {AnswerGrader} from "./AnswerGrader.js";
import {EndpointError} from "./errors/EndpointError.js";
import {RESULTS_FORMAT_VERSION, type EvalRunHeader, type EvalSampleRecord, type SampleTokens} from "./EvalRecord.js";
import {EvalResultsFile} from "./EvalResultsFile.js";
import type {EvalDataset, EvalProblem} from "./EvalProblem.js";
import {extractAnswer} from "./extractAnswer.js";
import {publishedScore} from "./publishedScore.js";
import {requestChatCompletion, type ChatCompletionResult} from "./requestChatCompletion.js";
import {summarizeResults, type EvalReport} from "./summarizeResults.js";

/** DeepSeek R1 README's instruction, appended to every problem. */
export const PROMPT_SUFFIX = "Please reason step by step, and put your final answer within \\boxed{}.";
/** Most concurrent requests `--parallel` accepts. */
export const MAX_PARALLEL = 256;
/** HTTP statuses that stop the whole run: authentication, and a model or route the server does not have. */
const FATAL_STATUSES = new Set([401, 403, 404]);
/** Most samples per problem `-k` accepts (DeepSeek used 64). */
export const MAX_SAMPLES = 1024;

export interface RunEvalOptions {
    dataset: EvalDataset;
    /** Base URL of an OpenAI-compatible API. */
    endpoint: string;
    model: string;
    apiKey?: string;
    /** Where sample lines are appended as they finish. */
    resultsPath: string;
    /** Continue `resultsPath` when it holds the same run. Defaults to `false`. */
    resume?: boolean;
    /** Samples per problem (k); pass@1 is their mean. Defaults to `1`. */
    samples?: number;
    /** Defaults to `0.6` (DeepSeek's protocol). */
    temperature?: number;
    /** Defaults to `0.95`. */
    topP?: number;
    /** Defaults to `32768`. */
    maxTokens?: number;
    /** Requests in flight at once. Defaults to `1`. */
    parallel?: number;
    /** Extra tries of a request that failed in a way that may pass (network, 429, 5xx, torn stream). Defaults to `2`. */
    retries?: number;
    /** First wait before a retry, doubled each time. Defaults to `1000`. */
    retryDelayMs?: number;
    /** A request silent this long is dropped and retried. Defaults to `DEFAULT_STALL_TIMEOUT_MS` (10 minutes). */
    stallTimeoutMs?: number;
    /** Failed samples in a row, with no success between, before the run stops. Defaults to `8`. */
    maxConsecutiveFailures?: number;
    /** Variant name for the published score when `model` is not one. Defaults to `model`. */
    variant?: string;
    /** Stops the run: requests in flight are dropped, not recorded, so `--resume` redoes them. */
    signal?: AbortSignal;
    /** Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    /** Defaults to a fresh `AnswerGrader`. */
    grader?: AnswerGrader;
}

/** Progress of `runEvalIter()`. */
export type EvalEvent =
    /** `resumed` samples were already in the results file; `total` counts them too. */
    | {type: "start", total: number, resumed: number, resumedCorrect: number, header: EvalRunHeader}
    | {type: "sample", record: EvalSampleRecord, done: number, total: number, correct: number}
    /** A request failed and is tried again after `delayMs`. */
    | {type: "retry", problemId: string, sample: number, attempt: number, delayMs: number, reason: string}
    /** `interrupted` when the signal stopped it before every sample was graded. */
    | {type: "done", report: EvalReport, interrupted: boolean, resultsPath: string};

interface Task {
    problem: EvalProblem;
    sample: number;
}

/** The user message for one problem, exactly as DeepSeek's protocol words it. */
export function formatPrompt(problem: string): string {
    return `${problem.trim()}\n${PROMPT_SUFFIX}`;
}

function tokensOf(result: ChatCompletionResult): SampleTokens {
    const chunks = result.reasoningChunks + result.answerChunks;
    const completion = result.completionTokens ?? chunks;
    const reasoning = result.reasoningTokens ?? (chunks === 0 ? 0 : Math.round((completion * result.reasoningChunks) / chunks));
    return {completion, reasoning, answer: Math.max(0, completion - reasoning), estimated: result.reasoningTokens === undefined};
}

function positiveInteger(name: string, value: number, max: number): number {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}, not ${value}`);
    return value;
}

/**
 * Runs a data set against an endpoint with DeepSeek's protocol and grades each sample, appending
 * it to the results file as it finishes. Yields progress; returns the report. With `resume`, the
 * samples already in the file are kept and only the missing or failed ones run.
 */
export async function* runEvalIter(options: RunEvalOptions): AsyncGenerator<EvalEvent, EvalReport> {
    const samples = positiveInteger("samples", options.samples ?? 1, MAX_SAMPLES);
    const parallel = positiveInteger("parallel", options.parallel ?? 1, MAX_PARALLEL);
    const retries = options.retries ?? 2;
    const retryDelayMs = options.retryDelayMs ?? 1000;
    const maxConsecutiveFailures = options.maxConsecutiveFailures ?? 8;
    const {dataset} = options;
    const header: EvalRunHeader = {
        type: "run", version: RESULTS_FORMAT_VERSION, dataset: dataset.path, datasetSha256: dataset.sha256,
        ...(dataset.benchmark === undefined ? {} : {benchmark: dataset.benchmark}),
        endpoint: options.endpoint, model: options.model, samples,
        temperature: options.temperature ?? 0.6, topP: options.topP ?? 0.95, maxTokens: options.maxTokens ?? 32768,
        startedAt: new Date().toISOString()
    };
    const grader = options.grader ?? await AnswerGrader.create();
    const file = await EvalResultsFile.open(options.resultsPath, header, {resume: options.resume ?? false});
    const published = publishedScore(options.variant ?? options.model, dataset.benchmark);
    const records = new Map<string, EvalSampleRecord>();
    for (const r of file.previous) records.set(`${r.problemId}\u0000${r.sample}`, r);

    const selected = new Set(dataset.problems.map((p) => p.id));
    const kept = [...records.values()].filter((r) => selected.has(r.problemId) && r.sample < samples && r.error === undefined);
    const keptKeys = new Set(kept.map((r) => `${r.problemId}\u0000${r.sample}`));
    // Sample-major order: with k > 1, a stopped run has every problem's first sample before any second one.
    const tasks: Task[] = [];
    for (let s = 0; s < samples; s++) {
        for (const problem of dataset.problems) if (!keptKeys.has(`${problem.id}\u0000${s}`)) tasks.push({problem, sample: s});
    }
    const total = dataset.problems.length * samples;
    let done = kept.length;
    let correct = kept.filter((r) => r.correct).length;
    yield {type: "start", total, resumed: kept.length, resumedCorrect: correct, header: file.header};

    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener("abort", onAbort, {once: true});
    if (options.signal?.aborted === true) controller.abort();
    const pending: EvalEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (event: EvalEvent): void => {
        pending.push(event);
        wake?.();
    };
    let fatal: unknown;
    let consecutiveFailures = 0;
    let next = 0;

    const runTask = async (task: Task): Promise<EvalSampleRecord | undefined> => {
        const base = {
            type: "sample" as const, problemId: task.problem.id, sample: task.sample, reference: task.problem.answer,
            ...(task.problem.subject === undefined ? {} : {subject: task.problem.subject}),
            ...(task.problem.level === undefined ? {} : {level: task.problem.level})
        };
        const started = performance.now();
        for (let attempt = 0; ; attempt++) {
            try {
                const result = await requestChatCompletion({
                    endpoint: options.endpoint, model: options.model, prompt: formatPrompt(task.problem.problem),
                    temperature: header.temperature, topP: header.topP, maxTokens: header.maxTokens, signal: controller.signal,
                    ...(options.apiKey === undefined ? {} : {apiKey: options.apiKey}),
                    ...(options.stallTimeoutMs === undefined ? {} : {stallTimeoutMs: options.stallTimeoutMs}),
                    ...(options.fetch === undefined ? {} : {fetch: options.fetch})
                });
                const extracted = extractAnswer(result);
                return {
                    ...base, predicted: extracted.answer, source: extracted.source,
                    correct: extracted.answer !== "" && grader.grade(extracted.answer, task.problem.answer).correct,
                    ...(result.finishReason === undefined ? {} : {finishReason: result.finishReason}),
                    tokens: tokensOf(result), timeMs: Math.round(result.totalMs),
                    ...(result.firstTextMs === undefined ? {} : {firstTextMs: Math.round(result.firstTextMs)})
                };
            } catch (error) {
                if (controller.signal.aborted) return undefined;
                if (!(error instanceof EndpointError)) throw error;
                // A bad key or model name fails every sample alike: stop at once.
                if (error.status !== undefined && FATAL_STATUSES.has(error.status)) throw error;
                if (!error.retryable || attempt >= retries) {
                    return {...base, predicted: "", source: "none", correct: false, error: error.message, timeMs: Math.round(performance.now() - started)};
                }
                const delayMs = retryDelayMs * 2 ** attempt;
                push({type: "retry", problemId: task.problem.id, sample: task.sample, attempt: attempt + 1, delayMs, reason: error.message});
                await sleep(delayMs, undefined, {signal: controller.signal}).catch(() => undefined);
                if (controller.signal.aborted) return undefined;
            }
        }
    };

    const worker = async (): Promise<void> => {
        while (!controller.signal.aborted && next < tasks.length) {
            const task = tasks[next++];
            if (task === undefined) break;
            const record = await runTask(task);
            if (record === undefined) break;
            await file.append(record);
            records.set(`${record.problemId}\u0000${record.sample}`, record);
            done++;
            if (record.correct) correct++;
            if (record.error === undefined) consecutiveFailures = 0;
            else if (++consecutiveFailures >= maxConsecutiveFailures) {
                fatal = new EndpointError(options.endpoint, `${consecutiveFailures} requests in a row failed, the last with: ${record.error}`);
                controller.abort();
            }
            push({type: "sample", record, done, total, correct});
        }
    };

    let finished = false;
    const workers = Promise.all(Array.from({length: Math.min(parallel, Math.max(1, tasks.length))}, worker)).then(
        () => undefined,
        (error: unknown) => {
            fatal ??= error;
            controller.abort();
        }
    ).finally(() => {
        finished = true;
        wake?.();
    });
    try {
        for (;;) {
            while (pending.length > 0) {
                const event = pending.shift();
                if (event !== undefined) yield event;
            }
            if (finished) break;
            await new Promise<void>((resolve) => {
                wake = resolve;
                if (pending.length > 0 || finished) resolve();
            });
            wake = undefined;
        }
    } finally {
        controller.abort();
        options.signal?.removeEventListener("abort", onAbort);
        await workers;
        await file.close();
    }
    if (fatal !== undefined) throw fatal;
    const report = summarizeResults(file.header, dataset.problems, [...records.values()], published);
    yield {type: "done", report, interrupted: done < total, resultsPath: options.resultsPath};
    return report;
}

/** Runs `runEvalIter()` to the end and returns its report. */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
    const iterator = runEvalIter(options);
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return step.value;
    }
}
