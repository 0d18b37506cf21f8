import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {UnsupportedOptionError} from "../../../src/engine/errors.js";
import {freeLoopbackPort} from "../../../src/engine/llamaServer/freeLoopbackPort.js";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import type {GenerationEvent, GenerationResult} from "../../../src/engine/types.js";
import {UpstreamError} from "../../../src/engine/upstream/errors.js";
import {upstreamBaseUrl, UpstreamModel} from "../../../src/engine/upstream/UpstreamModel.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {waitUntil} from "../../helpers/processTable.js";
import {skipWithoutShared} from "../../helpers/shared.js";
import {R1_VOCAB, writeSteadyTinyR1Model, writeTinyR1Model} from "../tinyR1Model.js";
import {deltas, startScriptedServer, type ScriptedServer} from "./scriptedOpenAiServer.js";

let scripted: ScriptedServer;
before(async () => {
    scripted = await startScriptedServer({apiKey: "sekret"});
});
after(async () => {
    await scripted.close();
});

async function collect(events: AsyncIterable<GenerationEvent>): Promise<{events: GenerationEvent[], result: GenerationResult}> {
    const all: GenerationEvent[] = [];
    for await (const event of events) all.push(event);
    const done = all.at(-1);
    assert.equal(done?.type, "done");
    return {events: all, result: (done as {type: "done", result: GenerationResult}).result};
}

const text = (events: GenerationEvent[], type: "reasoning" | "answer") => events.filter((e) => e.type === type).map((e) => (e as {text: string}).text).join("");
const oneLine = (error: unknown) => error instanceof UpstreamError && !error.message.includes("\n");

test("base URLs: with or without /v1; not a URL is a usage error", () => {
    assert.equal(upstreamBaseUrl("http://h:1"), "http://h:1/v1");
    assert.equal(upstreamBaseUrl("http://h:1/v1/"), "http://h:1/v1");
    assert.throws(() => upstreamBaseUrl("h:1:2"), (error: unknown) => error instanceof UpstreamError && error.exitCode === 2);
});

test("connects with the key, picks the only model, takes its context", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret"});
    assert.equal(model.modelId, "deepseek-r1-distill-qwen-1.5b");
    assert.equal(model.info.contextSize, 4096);
    assert.equal(model.info.engine, "upstream");
    await assert.rejects(UpstreamModel.load({url: scripted.url, apiKey: "wrong"}), (error: unknown) => oneLine(error) && /refused the API key/.test((error as Error).message));
    await assert.rejects(UpstreamModel.load({url: scripted.url, apiKey: "sekret", model: "other"}), (error: unknown) => oneLine(error) && /has no model "other"/.test((error as Error).message));
});

test("reasoning split, one way: reasoning_content and content; usage mapped; stop strings in r1", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret"});
    scripted.setScript({kind: "chunks", chunks: deltas([{reasoning_content: "Two plus "}, {reasoning_content: "two."}, {content: "It is 4"}, {content: ". Done"}], "stop",
        {prompt_tokens: 12, completion_tokens: 9, prompt_tokens_details: {cached_tokens: 5}, completion_tokens_details: {reasoning_tokens: 4}})});
    const {events, result} = await collect(model.chat([{role: "user", content: "2+2?"}, {role: "assistant", content: "x", reasoning: "never sent"}, {role: "user", content: "again"}],
        {temperature: 0, maxTokens: 50}));
    assert.equal(text(events, "reasoning"), "Two plus two.");
    assert.equal(result.answer, "It is 4. Done");
    assert.deepEqual(result.usage, {promptTokens: 12, completionTokens: 9, reasoningTokens: 4, cachedPromptTokens: 5});
    const sent = scripted.requests.at(-1)!;
    assert.equal(sent.stream, true);
    assert.equal(sent.max_tokens, 50);
    assert.equal(JSON.stringify(sent.messages).includes("never sent"), false, "earlier reasoning is not sent back");
    const stopped = await collect(model.chat([{role: "user", content: "2+2?"}], {stop: [". Do"]}));
    assert.equal(stopped.result.answer, "It is 4");
    assert.equal(stopped.result.finishReason, "stop");
});

test("reasoning split, other way: <think> in the content, also when the template opened it", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret"});
    scripted.setScript({kind: "chunks", chunks: deltas([{content: "<thi"}, {content: "nk>hmm, "}, {content: "yes</th"}, {content: "ink>\n\nYes."}])});
    let {events, result} = await collect(model.chat([{role: "user", content: "?"}]));
    assert.equal(text(events, "reasoning"), "hmm, yes");
    assert.equal(result.answer, "Yes.");
    scripted.setScript({kind: "chunks", chunks: deltas([{content: "thinking"}, {content: " more</think>\n\nNo."}])});
    ({events, result} = await collect(model.chat([{role: "user", content: "?"}])));
    assert.equal(result.reasoning, "thinking more");
    assert.equal(result.answer, "No.");
    const plain = await UpstreamModel.load({url: scripted.url, apiKey: "sekret", startsInReasoning: false});
    ({result} = await collect(plain.chat([{role: "user", content: "?"}])));
    assert.equal(result.answer, "thinking more</think>\n\nNo.", "a model that does not reason keeps its text");
});

test("abort reaches the upstream: the connection closes and the reply ends as aborted", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret", startsInReasoning: false});
    scripted.setScript({kind: "endless"});
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const event of model.chat([{role: "user", content: "go"}], {signal: controller.signal})) {
        events.push(event);
        if (events.length === 3) controller.abort();
    }
    assert.equal(events.at(-1)?.type === "done" && (events.at(-1) as {type: "done", result: GenerationResult}).result.finishReason, "abort");
    await scripted.clientGone;
});

test("garbage, an error status, a closed stream: one-line errors", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret"});
    const cases: [Parameters<ScriptedServer["setScript"]>[0], RegExp][] = [
        [{kind: "raw", body: "data: {not json\n\n"}, /not JSON/],
        [{kind: "raw", body: "<html>oops</html>", contentType: "text/html"}, /not an event stream/],
        [{kind: "raw", body: JSON.stringify({error: {message: "model overloaded"}}), contentType: "application/json", status: 503}, /HTTP 503: model overloaded/],
        [{kind: "close-mid-stream", chunks: deltas([{content: "half"}]).slice(0, 1)}, /broke off|closed the stream/],
        [{kind: "chunks", chunks: deltas([{content: "no end"}]).slice(0, 1), done: false}, /closed the stream before the reply finished/]
    ];
    for (const [script, pattern] of cases) {
        scripted.setScript(script);
        await assert.rejects(collect(model.chat([{role: "user", content: "?"}])), (error: unknown) => oneLine(error) && pattern.test((error as Error).message), String(pattern));
    }
    await assert.rejects(UpstreamModel.load({url: `http://127.0.0.1:${await freeLoopbackPort()}`}), (error: unknown) => oneLine(error) && /connection refused/.test((error as Error).message));
});

test("what an upstream cannot do is refused, not dropped", async () => {
    const model = await UpstreamModel.load({url: scripted.url, apiKey: "sekret"});
    assert.throws(() => model.chat([{role: "user", content: "?"}], {thinkBudget: 10}), UnsupportedOptionError);
    assert.throws(() => model.chat([{role: "user", content: "?"}], {think: false}), UnsupportedOptionError);
    assert.throws(() => model.complete("x", {echoPrompt: true}), UnsupportedOptionError);
});

const skipReal = skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(R1_VOCAB);

test("against a real llama-server: the reasoning both ways (reasoning_content, raw content), streaming, abort reaches it", {skip: skipReal}, async () => {
    const written = await writeTinyR1Model();
    const servers: LlamaServerModel[] = [];
    const cleanups: (() => void)[] = [];
    try {
        for (const reasoningFormat of ["deepseek", "none"] as const) {
            const owned = await LlamaServerModel.load({path: written.path, binary: llamaCppToolPath("llama-server"), launch: {contextSize: 512, threads: 1, reasoningFormat}, onNotice: () => {}});
            servers.push(owned);
            const upstream = await UpstreamModel.load({url: owned.process.url, apiKey: owned.process.apiKey});
            assert.equal(upstream.info.reasoning, true, "tiny-r1 names an R1 model");
            const {events, result} = await collect(upstream.chat([{role: "user", content: "What is 2+2?"}], {temperature: 0, maxTokens: 8}));
            // Random weights never close the thought: everything is reasoning, streamed in pieces.
            assert.ok(events.filter((e) => e.type === "reasoning").length >= 2, reasoningFormat);
            assert.equal(result.answer, "", reasoningFormat);
            assert.equal(result.usage.completionTokens, 8, reasoningFormat);
            assert.equal(result.finishReason, "length", reasoningFormat);
            assert.equal(upstream.countTokens("Hello world"), owned.countTokens("Hello world"));
        }
        // A reply that never ends by itself (see writeSteadyTinyR1Model): the abort is what stops it.
        const steady = await writeSteadyTinyR1Model();
        cleanups.push(steady.cleanup);
        const owned = await LlamaServerModel.load({path: steady.path, binary: llamaCppToolPath("llama-server"), launch: {contextSize: 4096, threads: 1}, onNotice: () => {}});
        servers.push(owned);
        const upstream = await UpstreamModel.load({url: owned.process.url, apiKey: owned.process.apiKey});
        const slotBusy = async () => ((await (await fetch(`${owned.process.url}/slots`, {headers: {Authorization: `Bearer ${owned.process.apiKey}`}})).json()) as {is_processing: boolean}[])
            .some((slot) => slot.is_processing);
        const controller = new AbortController();
        let seen = 0;
        for await (const event of upstream.chat([{role: "user", content: "Go"}], {maxTokens: 4000, temperature: 0, signal: controller.signal})) {
            if (event.type !== "done" && ++seen === 2) {
                assert.equal(await slotBusy(), true);
                controller.abort();
            }
        }
        await waitUntil(async () => !await slotBusy(), "llama-server's slot is idle after the upstream request was aborted");
    } finally {
        for (const server of servers) await server.dispose();
        written.cleanup();
        for (const cleanup of cleanups) cleanup();
    }
});
