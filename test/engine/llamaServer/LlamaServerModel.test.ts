import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {loadModel} from "../../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../../src/engine/embedded/LlamaLoadedModel.js";
import {NoFreeSequenceError} from "../../../src/engine/errors.js";
import {formatR1Prompt} from "../../../src/engine/formatR1Prompt.js";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import type {GenerationEvent, GenerationResult} from "../../../src/engine/types.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {processesMatching, waitUntil} from "../../helpers/processTable.js";
import {sharedPath, skipWithoutShared} from "../../helpers/shared.js";
import {R1_VOCAB, writeSteadyTinyR1Model, writeTinyR1Model} from "../tinyR1Model.js";

const skip = skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(R1_VOCAB) || skipWithoutShared("models/stories260K.golden.json");
let model: LlamaServerModel;
let embedded: LlamaLoadedModel;
let tinyPath = "";
let cleanup = () => {};

before(async () => {
    if (skip !== false) return;
    const written = await writeTinyR1Model();
    cleanup = written.cleanup;
    tinyPath = written.path;
    // One thread keeps this fast on a busy shared machine.
    model = await LlamaServerModel.load({path: written.path, binary: llamaCppToolPath("llama-server"), launch: {contextSize: 4096, threads: 1}, onNotice: () => {}});
    embedded = await loadModel({path: written.path, contextSize: 512, threads: 1});
});

after(async () => {
    await model?.dispose();
    await embedded?.dispose();
    if (tinyPath !== "") assert.deepEqual(processesMatching(tinyPath), [], "no llama-server left running");
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

test("stories260K through llama-server: the greedy raw continuation equals llama.cpp's golden text", {skip}, async () => {
    const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
    const stories = await LlamaServerModel.load({path: sharedPath("models/stories260K.gguf"), binary: llamaCppToolPath("llama-server"), launch: {contextSize: 256, threads: 1}});
    try {
        assert.equal(stories.info.engine, "llama-server");
        for (const {prompt, n_predict, output} of golden.greedy) {
            const {result} = await collect(stories.complete(prompt, {...GREEDY, maxTokens: n_predict, echoPrompt: true}));
            assert.equal(result.answer, output);
            assert.equal(result.usage.completionTokens, n_predict);
            assert.equal(result.finishReason, "length");
            assert.ok(result.timings.generationMs > 0 && result.timings.promptMs > 0, "llama-server's timings are mapped");
        }
    } finally {
        await stories.dispose();
    }
});

test("an R1-shaped model: R1's template, the requested context per slot, reasoning", {skip}, () => {
    assert.equal(model.info.architecture, "qwen2");
    assert.equal(model.info.reasoning, true);
    assert.equal(model.info.contextSize, 4096);
    assert.equal(model.info.trainContextSize, 131072);
    assert.equal(model.info.parallel, 1);
    assert.equal(model.countTokens(formatR1Prompt([{role: "user", content: "What is 2+2?"}])),
        embedded.countTokens(formatR1Prompt([{role: "user", content: "What is 2+2?"}])), "the same tokens as the embedded engine");
});

test("chat sends the embedded engine's prompt; budget, no-think and lengths behave the same", {skip}, async () => {
    // Random weights give near-flat logits, so the two builds' kernels (repacked or not, other SIMD
    // paths) may pick different tokens: the text is compared on stories260K's trained weights
    // above, here what both engines decide themselves.
    const messages = [{role: "system" as const, content: "Be brief."}, {role: "user" as const, content: "What is 2+2?"}];
    for (const options of [{maxTokens: 12, thinkBudget: 4}, {maxTokens: 10}, {maxTokens: 6, think: false}]) {
        const server = await collect(model.chat(messages, {...GREEDY, ...options}));
        const local = await collect(embedded.chat(messages, {...GREEDY, ...options}));
        const label = JSON.stringify(options);
        assert.equal(server.result.usage.promptTokens, local.result.usage.promptTokens, label);
        assert.equal(server.result.finishReason, local.result.finishReason, label);
        if (options.thinkBudget !== undefined) assert.equal(server.result.usage.reasoningTokens, options.thinkBudget, label);
        if (options.think === false) assert.equal(server.result.usage.reasoningTokens, 0, label);
        if (server.result.usage.completionTokens === options.maxTokens) assert.equal(server.result.finishReason, "length", label);
    }
});

test("chat streams reasoning first, then the answer once the think budget closes the thought", {skip}, async () => {
    const messages = [{role: "user" as const, content: "What is 2+2?"}];
    const {events, result} = await collect(model.chat(messages, {...GREEDY, maxTokens: 12, thinkBudget: 4}));
    const types = events.map((e) => e.type);
    const firstAnswer = types.indexOf("answer");
    assert.ok(types.indexOf("reasoning") >= 0 && types.indexOf("reasoning") < firstAnswer, `reasoning then answer: ${types.join(",")}`);
    assert.ok(types.lastIndexOf("reasoning") < firstAnswer, "no reasoning after the answer started");
    const text = (type: string) => events.filter((e) => e.type === type).map((e) => (e as {text: string}).text).join("");
    assert.equal(result.reasoning, text("reasoning").trim());
    assert.equal(result.answer, text("answer"));
    assert.equal(result.usage.reasoningTokens, 4);
    assert.ok(result.usage.completionTokens > 4 && result.usage.completionTokens <= 12);
    assert.equal(result.usage.promptTokens, model.countTokens(formatR1Prompt(messages)));
    assert.ok(result.timings.firstAnswerMs !== undefined && result.timings.firstAnswerMs >= result.timings.firstTokenMs);
});

test("the next turn reuses llama-server's cached prompt prefix", {skip}, async () => {
    const first = await collect(model.chat([{role: "user", content: "Name a colour."}], {...GREEDY, maxTokens: 5}));
    const again = await collect(model.chat([{role: "user", content: "Name a colour."}], {...GREEDY, maxTokens: 5}));
    assert.equal(again.result.reasoning, first.result.reasoning);
    assert.ok((again.result.usage.cachedPromptTokens ?? 0) > 0, "the shared prefix was not evaluated again");
});

test("a stop string ends the answer and is not shown", {skip}, async () => {
    const free = await collect(model.chat([{role: "user", content: "Hi"}], {...GREEDY, maxTokens: 8, think: false}));
    assert.ok(free.result.answer.length >= 2, free.result.answer);
    const stop = free.result.answer.slice(1, 2);
    const {result, events} = await collect(model.chat([{role: "user", content: "Hi"}], {...GREEDY, maxTokens: 8, think: false, stop: [stop]}));
    assert.equal(result.answer, free.result.answer.slice(0, free.result.answer.indexOf(stop)));
    assert.equal(result.finishReason, "stop");
    assert.equal(result.stopSequence, stop);
    assert.equal(free.result.stopSequence, undefined);
    assert.deepEqual(events[0], {type: "prompt", promptTokens: result.usage.promptTokens}, "the prompt's size comes first");
});

test("aborting reaches llama-server (its slot goes idle); a busy model refuses a second generation", {skip}, async () => {
    // A reply that never ends by itself (see writeSteadyTinyR1Model): the abort is what stops it.
    const written = await writeSteadyTinyR1Model();
    const steady = await LlamaServerModel.load({path: written.path, binary: llamaCppToolPath("llama-server"), launch: {contextSize: 4096, threads: 1}, onNotice: () => {}});
    try {
        const controller = new AbortController();
        const events: GenerationEvent[] = [];
        const slotBusy = async () => {
            const response = await fetch(`${steady.process.url}/slots`, {headers: {Authorization: `Bearer ${steady.process.apiKey}`}});
            return ((await response.json()) as {is_processing: boolean}[]).some((slot) => slot.is_processing);
        };
        for await (const event of steady.chat([{role: "user", content: "Go"}], {maxTokens: 4000, signal: controller.signal, temperature: 0})) {
            events.push(event);
            // The first generated piece (the prompt's size comes before llama-server is asked).
            if (events.filter((e) => e.type !== "prompt").length === 1) {
                await assert.rejects(collect(steady.chat([{role: "user", content: "Me too"}])), NoFreeSequenceError);
                assert.equal(await slotBusy(), true, "llama-server is generating");
                controller.abort();
            }
        }
        const done = events.at(-1);
        assert.equal(done?.type === "done" && done.result.finishReason, "abort");
        await waitUntil(async () => !await slotBusy(), "llama-server's slot is idle after the abort");
        const {result} = await collect(steady.chat([{role: "user", content: "Again"}], {maxTokens: 2}));
        assert.equal(result.usage.completionTokens, 2);
    } finally {
        await steady.dispose();
        written.cleanup();
    }
});
