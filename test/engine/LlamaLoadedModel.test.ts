import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {benchContextSize, benchModel} from "../../src/bench/benchModel.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../src/engine/embedded/LlamaLoadedModel.js";
import {NoFreeSequenceError, ModelLoadError} from "../../src/engine/errors.js";
import {formatR1Prompt} from "../../src/engine/formatR1Prompt.js";
import type {GenerationEvent, GenerationResult} from "../../src/engine/types.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "./tinyR1Model.js";

const skip = skipWithoutShared(R1_VOCAB);
let model: LlamaLoadedModel;
let cleanup = () => {};

before(async () => {
    if (skip !== false) return;
    const written = await writeTinyR1Model();
    cleanup = written.cleanup;
    // One thread keeps this fast on a busy shared machine; the default is tested through the CLI.
    model = await loadModel({path: written.path, contextSize: 512, threads: 1});
});

after(async () => {
    await model?.dispose();
    cleanup();
});

async function collect(events: AsyncIterable<GenerationEvent>): Promise<{events: GenerationEvent[], result: GenerationResult}> {
    const all: GenerationEvent[] = [];
    for await (const event of events) all.push(event);
    const done = all.at(-1);
    assert.equal(done?.type, "done", "the stream ends with done");
    return {events: all, result: (done as {type: "done", result: GenerationResult}).result};
}

const GREEDY = {temperature: 0} as const;

test("an R1-shaped model gets R1's template and reports itself as reasoning", {skip}, () => {
    assert.equal(model.info.architecture, "qwen2");
    assert.equal(model.info.reasoning, true);
    assert.equal(model.info.contextSize >= 512 && model.info.contextSize < 1024, true, "the requested context, not the trained 131072");
    assert.equal(model.info.parallel, 1);
});

test("chat streams reasoning first, then the answer once the think budget closes the thought", {skip}, async () => {
    const messages = [{role: "user" as const, content: "What is 2+2?"}];
    const {events, result} = await collect(model.chat(messages, {...GREEDY, maxTokens: 12, thinkBudget: 4}));
    const types = events.map((e) => e.type);
    const firstAnswer = types.indexOf("answer");
    assert.ok(types.indexOf("reasoning") >= 0 && types.indexOf("reasoning") < firstAnswer, `reasoning then answer: ${types.join(",")}`);
    assert.ok(types.lastIndexOf("reasoning") < firstAnswer, "no reasoning after the answer started");
    const text = (type: string) => events.filter((e) => e.type === type).map((e) => (e as {text: string}).text).join("");
    assert.equal(result.reasoning, text("reasoning"), "streamed reasoning is exactly the reported one (no trailing newline delta)");
    assert.equal(result.answer, text("answer"));
    assert.equal(result.usage.reasoningTokens, 4);
    assert.ok(result.usage.completionTokens > 4 && result.usage.completionTokens <= 12);
    assert.equal(result.usage.promptTokens, model.countTokens(formatR1Prompt(messages)), "the prompt is R1's template, tokenized with its special tokens");
    assert.ok(result.timings.firstAnswerMs !== undefined && result.timings.firstAnswerMs >= result.timings.firstTokenMs);
});

test("--no-think: no reasoning at all, every token is the answer", {skip}, async () => {
    const {events, result} = await collect(model.chat([{role: "user", content: "Hi"}], {...GREEDY, maxTokens: 6, think: false}));
    assert.equal(events.some((e) => e.type === "reasoning"), false);
    assert.equal(result.usage.reasoningTokens, 0);
    assert.equal(result.finishReason, "length");
});

test("the next turn reuses the cached prompt prefix and greedy output is reproducible", {skip}, async () => {
    const first = await collect(model.chat([{role: "user", content: "Name a colour."}], {...GREEDY, maxTokens: 5}));
    const again = await collect(model.chat([{role: "user", content: "Name a colour."}], {...GREEDY, maxTokens: 5}));
    assert.equal(again.result.reasoning, first.result.reasoning);
    assert.ok((again.result.usage.cachedPromptTokens ?? 0) > 0, "the shared prefix was not evaluated again");
    assert.deepEqual(again.events[0], {type: "prompt", promptTokens: again.result.usage.promptTokens, cachedPromptTokens: again.result.usage.cachedPromptTokens},
        "the prompt's size, cache included, comes before any generated piece");
    const history = [
        {role: "user" as const, content: "Name a colour."},
        {role: "assistant" as const, content: "Blue.", reasoning: first.result.reasoning},
        {role: "user" as const, content: "Another?"}
    ];
    const next = await collect(model.chat(history, {...GREEDY, maxTokens: 3}));
    assert.ok((next.result.usage.cachedPromptTokens ?? 0) >= model.countTokens(formatR1Prompt(history.slice(0, 1))) - 3);
});

test("a stop string ends the answer, is not shown, and is reported", {skip}, async () => {
    const free = await collect(model.chat([{role: "user", content: "Hi"}], {...GREEDY, maxTokens: 8, think: false}));
    assert.ok(free.result.answer.length >= 2, free.result.answer);
    const stop = free.result.answer.slice(1, 2);
    const {result, events} = await collect(model.chat([{role: "user", content: "Hi"}], {...GREEDY, maxTokens: 8, think: false, stop: [stop]}));
    assert.equal(result.answer, free.result.answer.slice(0, free.result.answer.indexOf(stop)));
    assert.equal(events.filter((e) => e.type === "answer").map((e) => (e as {text: string}).text).join(""), result.answer);
    assert.equal(result.finishReason, "stop");
    assert.equal(result.stopSequence, stop);
    assert.equal(free.result.stopSequence, undefined);
});

test("aborting stops within a token; a busy model refuses a second generation", {skip}, async () => {
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    const busy = model.chat([{role: "user", content: "Go"}], {maxTokens: 50, signal: controller.signal, seed: 1});
    for await (const event of busy) {
        events.push(event);
        if (events.filter((e) => e.type !== "prompt").length === 1) {
            await assert.rejects(collect(model.chat([{role: "user", content: "Me too"}])), NoFreeSequenceError);
            controller.abort();
        }
    }
    const done = events.at(-1);
    assert.equal(done?.type, "done");
    if (done?.type === "done") {
        assert.equal(done.result.finishReason, "abort");
        assert.ok(done.result.usage.completionTokens <= 2);
    }
    // The sequence is free again.
    const {result} = await collect(model.chat([{role: "user", content: "Again"}], {maxTokens: 2}));
    assert.equal(result.usage.completionTokens, 2);
});

test("benchModel measures pp, tg (per-token percentiles) and e2e through the engine", {skip}, async () => {
    const results = await benchModel(model, {promptTokens: 32, generateTokens: 6, repetitions: 2});
    assert.deepEqual(results.map((r) => r.name), ["pp32", "tg6", "e2e6"]);
    for (const r of results) {
        assert.equal(r.samples.length, 2);
        assert.ok(r.meanTokensPerSecond > 0 && Number.isFinite(r.meanTokensPerSecond));
        assert.ok(r.sdTokensPerSecond >= 0);
    }
    const tg = results[1]!;
    assert.ok(tg.msPerToken !== undefined && tg.msPerToken.median > 0 && tg.msPerToken.p90 >= tg.msPerToken.median);
    await assert.rejects(benchModel(model, {promptTokens: 100_000}), /must be 0–65536|smaller than the benchmark/);
});

test("the bench artifact's cause: a prompt filling node-llama-cpp's context is evaluated again (511 + 411 + 1 tokens)", {skip}, async () => {
    // Filler without BOS, exactly the context size: the last token finds no free cell, the context
    // shift's erase starts at the cache's first cell, and node-llama-cpp re-evaluates what is left.
    const sequence = model.acquireSequence();
    try {
        await sequence.clearHistory();
        const unit = model.model.tokenize("The quick brown fox jumps over the lazy dog. ", false);
        const tokens = Array.from({length: 512}, (_, i) => unit[i % unit.length]!);
        const before = sequence.tokenMeter.usedInputTokens;
        await sequence.evaluateWithoutGeneratingNewTokens(tokens);
        assert.equal(sequence.tokenMeter.usedInputTokens - before, 511 + 411 + 1);
        // One token fewer fits: evaluated once.
        await sequence.clearHistory();
        const again = sequence.tokenMeter.usedInputTokens;
        await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 511));
        assert.equal(sequence.tokenMeter.usedInputTokens - again, 511);
    } finally {
        model.releaseSequence(sequence);
    }
});

test("benchModel refuses a prompt that would fill the context, and measures at a depth (llama-bench -d)", {skip}, async () => {
    assert.equal(benchContextSize({promptTokens: 512, generateTokens: 128}), 513);
    assert.equal(benchContextSize({promptTokens: 512, generateTokens: 128, depth: 4096}), 4096 + 513);
    await assert.rejects(benchModel(model, {promptTokens: 512, generateTokens: 0, repetitions: 1}), /smaller than the benchmark \(513 tokens\)/);
    const full = await benchModel(model, {promptTokens: 511, generateTokens: 0, repetitions: 1});
    assert.equal(full[0]!.name, "pp511");
    const deep = await benchModel(model, {promptTokens: 32, generateTokens: 4, depth: 200, repetitions: 1, endToEnd: false});
    assert.deepEqual(deep.map((r) => [r.name, r.depth]), [["pp32 @ d200", 200], ["tg4 @ d200", 200]]);
    assert.ok(deep.every((r) => r.meanTokensPerSecond > 0));
    await assert.rejects(benchModel(model, {promptTokens: 32, generateTokens: 4, depth: 480, repetitions: 1}), /smaller than the benchmark/);
});

test("a missing or broken file is a ModelLoadError, not a crash", async () => {
    await assert.rejects(loadModel({path: "/nonexistent/model.gguf"}), ModelLoadError);
    await assert.rejects(loadModel({path: import.meta.filename ?? new URL(import.meta.url).pathname}), ModelLoadError);
});
