import type {Token} from "node-llama-cpp";
import type {LlamaLoadedModel} from "../engine/embedded/LlamaLoadedModel.js";
import type {GenerationResult, LoadedModel} from "../engine/types.js";
import {timeTokenLoop} from "./timeTokenLoop.js";
import {ExitCode, R1Error} from "../util/R1Error.js";
import {mean, percentile, standardDeviation} from "./stats.js";

export type BenchTest = "pp" | "tg" | "e2e";

export interface BenchOptions {
    /** Prompt tokens per prompt-processing run (llama-bench `-p`). `0` skips it. Defaults to `512`. */
    promptTokens?: number;
    /** Tokens per generation run (llama-bench `-n`). `0` skips generation and end-to-end. Defaults to `128`. */
    generateTokens?: number;
    /**
     * Tokens already in the context before each prompt and generation run (llama-bench `-d`): the
     * speed at that depth, where attention reads a KV cache of this many tokens. Filled unmeasured
     * before every run. End-to-end replies start from an empty context. Defaults to `0`.
     */
    depth?: number;
    /** Measured runs per test, after one unmeasured warm-up. Defaults to `3`. */
    repetitions?: number;
    /** Also run real chat generations with sampling on (temperature 0.6, top-p 0.95). Defaults to `true`. */
    endToEnd?: boolean;
    signal?: AbortSignal;
}

export interface BenchTestResult {
    test: BenchTest;
    /** llama-bench's name: `pp512`, `tg128`, `pp512 @ d4096` at a depth; `e2e128` for sampled chat generation. */
    name: string;
    tokens: number;
    /** Tokens in the context before the measured ones (0 for end-to-end). */
    depth: number;
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
 * into an empty cache, or after `depth` tokens) and generation (N tokens one at a time from an
 * empty cache or after `depth` tokens, timing every token) measured separately, each after one warm-up run, then end-to-end chat generations with
 * sampling through the same code path as `r1 run`. Yields each run and each test's result.
 */
export async function* benchModelIter(model: LoadedModel, options: BenchOptions = {}): AsyncGenerator<BenchEvent, BenchTestResult[], void> {
    const promptTokens = checkCount("prompt tokens", options.promptTokens ?? 512);
    const generateTokens = checkCount("generated tokens", options.generateTokens ?? 128);
    const depth = checkCount("depth", options.depth ?? 0);
    const repetitions = options.repetitions ?? 3;
    if (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 1000) throw new R1Error(`repetitions must be 1–1000, got ${repetitions}`, {exitCode: ExitCode.usage});
    // One cell more than the tokens: node-llama-cpp keeps the last cell free, and a batch that would
    // fill it shifts the context first — which, for a sequence that does not start with BOS (the
    // benchmark's filler), drops the whole KV cache and evaluates the prompt again. A 512-token
    // prompt in a 512-token context was processed as 511 + 411 + 1 tokens and measured half its speed.
    const needed = benchContextSize({promptTokens, generateTokens, depth});
    if (needed > model.info.contextSize)
        throw new R1Error(`the context (${model.info.contextSize} tokens) is smaller than the benchmark (${needed} tokens)`, {exitCode: ExitCode.usage, hint: "use a larger -c or fewer tokens"});
    const results: BenchTestResult[] = [];

    const at = depth > 0 ? ` @ d${depth}` : "";
    const tests: {test: BenchTest, name: string, tokens: number, depth: number, run: () => Promise<{tokensPerSecond: number, tokenMs: number[]}>}[] = [];
    // The embedded engine is timed at its sequences; an HTTP engine (llama-server, upstream) through
    // its replies, with the server's own timings.
    const embedded = isEmbedded(model) ? model : undefined;
    if (embedded === undefined && depth > 0) throw new R1Error(`-d (depth) is measured on the embedded engine only; this model runs on ${model.info.engine ?? "another engine"}`, {exitCode: ExitCode.usage});
    let round = 0;
    if (promptTokens > 0) tests.push({test: "pp", name: `pp${promptTokens}${at}`, tokens: promptTokens, depth,
        run: () => embedded === undefined ? replyPromptRun(model, promptTokens, round++) : promptRun(embedded, promptTokens, depth)});
    if (generateTokens > 0) tests.push({test: "tg", name: `tg${generateTokens}${at}`, tokens: generateTokens, depth,
        run: () => embedded === undefined ? replyGenerationRun(model, generateTokens) : generationRun(embedded, generateTokens, depth)});
    if (generateTokens > 0 && options.endToEnd !== false)
        tests.push({test: "e2e", name: `e2e${generateTokens}`, tokens: generateTokens, depth: 0, run: () => endToEndRun(model, generateTokens)});

    for (const spec of tests) {
        const samples: number[] = [];
        const tokenMs: number[] = [];
        for (let repetition = 0; repetition <= repetitions; repetition++) {
            if (options.signal?.aborted === true) throw new R1Error("benchmark interrupted", {exitCode: ExitCode.interrupted});
            const run = await spec.run();
            const warmup = repetition === 0;
            if (!warmup) {
                samples.push(run.tokensPerSecond);
                tokenMs.push(...run.tokenMs);
            }
            yield {type: "run", test: spec.test, name: spec.name, repetition, repetitions, warmup, tokensPerSecond: run.tokensPerSecond};
        }
        const result: BenchTestResult = {
            test: spec.test, name: spec.name, tokens: spec.tokens, depth: spec.depth, repetitions, samples,
            meanTokensPerSecond: mean(samples), sdTokensPerSecond: standardDeviation(samples),
            ...(tokenMs.length === 0 ? {} : {msPerToken: {median: percentile(tokenMs, 50), p90: percentile(tokenMs, 90)}})
        };
        results.push(result);
        yield {type: "result", result};
    }
    return results;
}

/** `benchModelIter` drained. */
export async function benchModel(model: LoadedModel, options: BenchOptions = {}): Promise<BenchTestResult[]> {
    const iterator = benchModelIter(model, options);
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return step.value;
    }
}

/**
 * The context a benchmark needs: the depth plus the larger of its prompt and its generated tokens
 * (and a reply's chat template), plus the cell node-llama-cpp keeps free. `r1 bench` sizes its
 * context with it, like llama-bench's n_prompt + n_gen + n_depth.
 */
export function benchContextSize(options: {promptTokens: number, generateTokens: number, depth?: number}): number {
    return (options.depth ?? 0) + Math.max(options.promptTokens, options.generateTokens + 1) + 1;
}

/** The prompt was evaluated more than once: the figure would be an artifact, never a measurement. */
export class BenchReevaluationError extends R1Error {
    readonly expectedTokens: number;
    readonly evaluatedTokens: number;

    constructor(expectedTokens: number, evaluatedTokens: number, what: "prompt" | "generated" = "prompt") {
        super(what === "prompt"
            ? `the benchmark's ${expectedTokens}-token prompt was evaluated as ${evaluatedTokens} tokens (a context shift re-evaluated it); no figure is reported`
            : `the benchmark's ${expectedTokens} generated tokens took ${evaluatedTokens} token evaluations (a context shift re-evaluated the context); no figure is reported`,
        {hint: "use a larger -c"});
        this.expectedTokens = expectedTokens;
        this.evaluatedTokens = evaluatedTokens;
    }
}

function checkCount(what: string, value: number): number {
    if (!Number.isInteger(value) || value < 0 || value > MAX_BENCH_TOKENS) throw new R1Error(`${what} must be 0–${MAX_BENCH_TOKENS}, got ${value}`, {exitCode: ExitCode.usage});
    return value;
}

function fillerTokens(model: LlamaLoadedModel, count: number): Token[] {
    const unit = model.model.tokenize(FILLER, false);
    if (unit.length === 0) throw new R1Error("the model's tokenizer produced no tokens");
    const tokens: Token[] = [];
    while (tokens.length < count) tokens.push(...unit);
    return tokens.slice(0, count);
}

async function promptRun(model: LlamaLoadedModel, count: number, depth: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const sequence = model.acquireSequence();
    try {
        await sequence.clearHistory();
        if (depth > 0) await sequence.evaluateWithoutGeneratingNewTokens(fillerTokens(model, depth));
        const tokens = fillerTokens(model, count);
        // The sequence's meter counts every token llama.cpp evaluated for it, re-evaluations included.
        const meteredBefore = sequence.tokenMeter.usedInputTokens;
        const started = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(tokens);
        const ms = performance.now() - started;
        const evaluated = sequence.tokenMeter.usedInputTokens - meteredBefore;
        if (evaluated !== count) throw new BenchReevaluationError(count, evaluated);
        return {tokensPerSecond: count / (ms / 1000), tokenMs: []};
    } finally {
        model.releaseSequence(sequence);
    }
}

/**
 * One token at a time after `depth` tokens (an empty cache by default), greedy (sampling costs
 * ~0.2 ms), every token timed. Each timed step evaluates exactly one token: the token meter proves
 * it, so a context shift re-evaluating the depth inside the timed loop is an error, never a figure.
 */
async function generationRun(model: LlamaLoadedModel, count: number, depth: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const sequence = model.acquireSequence();
    try {
        const first = model.model.tokens.bos ?? fillerTokens(model, 1)[0]!;
        // A token whose logits are read counts as output in node-llama-cpp's meter, re-evaluated context as input.
        const metered = () => sequence.tokenMeter.usedInputTokens + sequence.tokenMeter.usedOutputTokens;
        const meter = {before: 0};
        const {tokenMs, elapsedMs} = await timeTokenLoop(sequence, first, count, depth > 0 ? fillerTokens(model, depth) : [], () => meter.before = metered());
        const evaluated = metered() - meter.before;
        if (evaluated !== tokenMs.length) throw new BenchReevaluationError(tokenMs.length, evaluated, "generated");
        return {tokensPerSecond: tokenMs.length / (elapsedMs / 1000), tokenMs};
    } finally {
        model.releaseSequence(sequence);
    }
}

/** A real reply (template, sampling, detokenizing, reasoning split); speed from its own timings. */
function isEmbedded(model: LoadedModel): model is LlamaLoadedModel {
    return typeof (model as Partial<LlamaLoadedModel>).acquireSequence === "function";
}

async function lastResult(events: AsyncIterable<unknown>, onEvent?: () => void): Promise<GenerationResult> {
    for await (const event of events as AsyncIterable<{type: string, result?: GenerationResult}>) {
        if (event.type === "done") return event.result!;
        // Generated pieces only: the prompt's size comes before the prompt is evaluated.
        if (event.type !== "prompt") onEvent?.();
    }
    throw new R1Error("generation ended without a result");
}

/**
 * Prompt processing through a raw completion of one token: a prompt of about `count` tokens
 * (filler after a round number, so no run reuses another's cached prefix), speed from the
 * engine's own prompt time over the tokens it evaluated.
 */
async function replyPromptRun(model: LoadedModel, count: number, round: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const unit = model.countTokens(FILLER);
    if (unit === 0) throw new R1Error("the model's tokenizer produced no tokens");
    const words = `Run ${round}. ${FILLER.repeat(Math.ceil(count / unit) + 1)}`.split(" ");
    // Shorten to the count (one token is left for BOS), halving the excess each step.
    for (let excess = model.countTokens(words.join(" ")) - (count - 1); excess > 0; excess = model.countTokens(words.join(" ")) - (count - 1))
        words.splice(words.length - Math.max(1, Math.floor(excess / 2)));
    const result = await lastResult(model.complete(words.join(" "), {maxTokens: 1, temperature: 0}));
    const evaluated = result.usage.promptTokens - (result.usage.cachedPromptTokens ?? 0);
    return {tokensPerSecond: evaluated / (result.timings.promptMs / 1000), tokenMs: []};
}

/** Generation through a raw greedy completion: per-token times as the pieces arrive, speed from the engine's generation time. */
async function replyGenerationRun(model: LoadedModel, count: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    const tokenMs: number[] = [];
    let last: number | undefined;
    const result = await lastResult(model.complete("The", {maxTokens: count, temperature: 0}), () => {
        const now = performance.now();
        if (last !== undefined) tokenMs.push(now - last);
        last = now;
    });
    const steps = result.usage.completionTokens - 1;
    return {tokensPerSecond: steps > 0 && result.timings.generationMs > 0 ? steps / (result.timings.generationMs / 1000) : 0, tokenMs};
}

async function endToEndRun(model: LoadedModel, count: number): Promise<{tokensPerSecond: number, tokenMs: number[]}> {
    for await (const event of model.chat([{role: "user", content: E2E_PROMPT}], {maxTokens: count})) {
        if (event.type !== "done") continue;
        const {usage, timings} = event.result;
        const speed = usage.completionTokens > 1 && timings.generationMs > 0 ? (usage.completionTokens - 1) / (timings.generationMs / 1000) : 0;
        return {tokensPerSecond: speed, tokenMs: []};
    }
    throw new R1Error("generation ended without a result");
}
