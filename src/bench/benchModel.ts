import type {Token} from "node-llama-cpp";
import type {LlamaLoadedModel} from "../engine/embedded/LlamaLoadedModel.js";
import {timeTokenLoop} from "./timeTokenLoop.js";
import {R1Error} from "../util/R1Error.js";
import {mean, percentile, standardDeviation} from "./stats.js";

export type BenchTest = "pp" | "tg" | "e2e";

export interface BenchOptions {
    /** Prompt tokens per prompt-processing run (llama-bench `-p`). `0` skips it. Defaults to `512`. */
    promptTokens?: number;
    /** Tokens per generation run (llama-bench `-n`). `0` skips generation and end-to-end. Defaults to `128`. */
    generateTokens?: number;
    /** Measured runs per test, after one unmeasured warm-up. Defaults to `3`. */
    repetitions?: number;
    /** Also run real chat generations with sampling on (temperature 0.6, top-p 0.95). Defaults to `true`. */
    endToEnd?: boolean;
    signal?: AbortSignal;
}

export interface BenchTestResult {
    test: BenchTest;
    /** llama-bench's name: `pp512`, `tg128`; `e2e128` for sampled chat generation. */
    name: string;
    tokens: number;
    repetitions: number;
    /** Per-run speeds, tokens/s. */
    samples: number[];
    meanTokensPerSecond: number;
    sdTokensPerSecond: number;
    /** Median and 90th percentile of single-token times over all runs (ms); generation tests only. */
    msPerToken?: {median: number, p90: number};
}

export type BenchEvent =
    | {type: "run", test: BenchTest, name: string, repetition: number, repetitions: number, warmup: boolean, tokensPerSecond: number}
    | {type: "result", result: BenchTestResult};

const FILLER = "The quick brown fox jumps over the lazy dog while the river runs past the old mill. ";
const E2E_PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle.";
/** Most tokens one test may ask for: a benchmark never needs more and the context must hold it. */
export const MAX_BENCH_TOKENS = 65_536;

/**
 * llama-bench's method on an r1-loaded model: prompt processing (one batch of N prompt tokens
 * into an empty cache) and generation (N tokens one at a time from an empty cache, timing every
 * token) measured separately, each after one warm-up run, then end-to-end chat generations with
 * sampling through the same code path as `r1 run`. Yields each run and each test's result.
 */
export async function* benchModelIter(model: LlamaLoadedModel, options: BenchOptions = {}): AsyncGenerator<BenchEvent, BenchTestResult[], void> {
    const promptTokens = checkCount("prompt tokens", options.promptTokens ?? 512);
    const generateTokens = checkCount("generated tokens", options.generateTokens ?? 128);
    const repetitions = options.repetitions ?? 3;
    if (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 1000) throw new R1Error(`repetitions must be 1–1000, got ${repetitions}`, {exitCode: 2});
    if (Math.max(promptTokens, generateTokens + 1) > model.info.contextSize)
        throw new R1Error(`the context (${model.info.contextSize} tokens) is smaller than the benchmark`, {exitCode: 2, hint: "use a larger -c or fewer tokens"});
    const results: BenchTestResult[] = [];

    const tests: {test: BenchTest, name: string, tokens: number, run: () => Promise<{tokensPerSecond: number, tokenMs: number[]}>}[] = [];
    if (promptTokens > 0) tests.push({test: "pp", name: `pp${promptTokens}`, tokens: promptTokens, run: () => promptRun(model, promptTokens)});
    if (generateTokens > 0) tests.push({test: "tg", name: `tg${generateTokens}`, tokens: generateTokens, run: () => generationRun(model, generateTokens)});
    if (generateTokens > 0 && options.endToEnd !== false)
        tests.push({test: "e2e", name: `e2e${generateTokens}`, tokens: generateTokens, run: () => endToEndRun(model, generateTokens)});

    for (const spec of tests) {
        const samples: number[] = [];
        const tokenMs: number[] = [];
        for (let repetition = 0; repetition <= repetitions; repetition++) {
            if (options.signal?.aborted === true) throw new R1Error("benchmark interrupted", {exitCode: 130});
            const run = await spec.run();
            const warmup = repetition === 0;
            if (!warmup) {
                samples.push(run.tokensPerSecond);
                tokenMs.push(...run.tokenMs);
            }
            yield {type: "run", test: spec.test, name: spec.name, repetition, repetitions, warmup, tokensPerSecond: run.tokensPerSecond};
        }
        const result: BenchTestResult = {
            test: spec.test, name: spec.name, tokens: spec.tokens, repetitions, samples,
            meanTokensPerSecond: mean(samples), sdTokensPerSecond: standardDeviation(samples),
            ...(tokenMs.length === 0 ? {} : {msPerToken: {median: percentile(tokenMs, 50), p90: percentile(tokenMs, 90)}})
        };
        results.push(result);
        yield {type: "result", result};
    }
    return results;
}

/** `benchModelIter` drained. */
export async function benchModel(model: LlamaLoadedModel, options: BenchOptions = {}): Promise<BenchTestResult[]> {
    const iterator = benchModelIter(model, options);
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return step.value;
    }
}

function checkCount(what: string, value: number): number {
    if (!Number.isInteger(value) || value < 0 || value > MAX_BENCH_TOKENS) throw new R1Error(`${what} must be 0–${MAX_BENCH_TOKENS}, got ${value}`, {exitCode: 2});
    return value;
}

function fillerTokens(model: LlamaLoadedModel, count: number): Token[] {
    const unit = model.model.tokenize(FILLER, false);
    if (unit.length === 0) throw new R1Error("the model's tokenizer produced no tokens");
    const tokens: Token[] = [];
    while (tokens.length < count) tokens.push(...unit);
    return tokens.slice(0, count);
}

async function promptRun(model: LlamaLoadedModel, count: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const sequence = model.acquireSequence();
    try {
        await sequence.clearHistory();
        const tokens = fillerTokens(model, count);
        const started = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(tokens);
        const ms = performance.now() - started;
        return {tokensPerSecond: count / (ms / 1000), tokenMs: []};
    } finally {
        model.releaseSequence(sequence);
    }
}

/** One token at a time from an empty cache, greedy (sampling costs ~0.2 ms), every token timed. */
async function generationRun(model: LlamaLoadedModel, count: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const sequence = model.acquireSequence();
    try {
        const first = model.model.tokens.bos ?? fillerTokens(model, 1)[0]!;
        const {tokenMs, elapsedMs} = await timeTokenLoop(sequence, first, count);
        return {tokensPerSecond: tokenMs.length / (elapsedMs / 1000), tokenMs};
    } finally {
        model.releaseSequence(sequence);
    }
}

/** A real reply (template, sampling, detokenizing, reasoning split); speed from its own timings. */
async function endToEndRun(model: LlamaLoadedModel, count: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    for await (const event of model.chat([{role: "user", content: E2E_PROMPT}], {maxTokens: count})) {
        if (event.type !== "done") continue;
        const {usage, timings} = event.result;
        const speed = usage.completionTokens > 1 && timings.generationMs > 0 ? (usage.completionTokens - 1) / (timings.generationMs / 1000) : 0;
        return {tokensPerSecond: speed, tokenMs: []};
    }
    throw new R1Error("generation ended without a result");
}
