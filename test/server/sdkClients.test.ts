// The official `openai` and `ollama` npm clients against a loopback server with a scripted
// R1-shaped model: what those SDKs parse is what real clients will see.
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {setTimeout as sleep} from "node:timers/promises";
import OpenAI from "openai";
import {Ollama} from "ollama";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {FakeSource} from "./FakeModel.js";

let server: RunningServer;
let source: FakeSource;
let openai: OpenAI;
let ollama: Ollama;

before(async () => {
    source = new FakeSource({
        "deepseek-r1:tiny": {reasoning: ["Two ", "plus ", "two."], answer: ["4", "."], tokenDelayMs: 2},
        endless: {answer: Array(5000).fill("a"), tokenDelayMs: 5}
    });
    server = await startServer({source, port: 0, parallel: 4, maxLoaded: 2});
    openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
    ollama = new Ollama({host: server.url});
});

after(async () => {
    await server?.stop();
});

async function activeSequences(): Promise<number> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^r1_active_sequences (\d+)$/m.exec(text)?.[1]);
}

test("openai: model list and a non-streaming chat with reasoning_content and reasoning tokens", async () => {
    const models = await openai.models.list();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ["deepseek-r1:tiny", "endless"]);
    const completion = await openai.chat.completions.create({model: "deepseek-r1:tiny", messages: [{role: "user", content: "2+2?"}]});
    const message = completion.choices[0]!.message as typeof completion.choices[0]["message"] & {reasoning_content?: string};
    assert.equal(message.content, "4.");
    assert.equal(message.reasoning_content, "Two plus two.");
    assert.equal(completion.usage?.completion_tokens, 5);
    assert.equal(completion.usage?.completion_tokens_details?.reasoning_tokens, 3);
});

test("openai: streaming chat yields reasoning deltas before content, and usage when asked", async () => {
    const stream = await openai.chat.completions.create({
        model: "deepseek-r1:tiny", messages: [{role: "user", content: "2+2?"}], stream: true, stream_options: {include_usage: true}
    });
    let reasoning = "";
    let content = "";
    let reasoningAfterContent = false;
    let usage;
    for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as {content?: string | null, reasoning_content?: string} | undefined;
        if (delta?.reasoning_content) {
            if (content !== "") reasoningAfterContent = true;
            reasoning += delta.reasoning_content;
        }
        if (delta?.content) content += delta.content;
        if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(reasoning, "Two plus two.");
    assert.equal(content, "4.");
    assert.equal(reasoningAfterContent, false);
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 3);
});

test("openai: errors arrive as the SDK's typed errors", async () => {
    await assert.rejects(openai.chat.completions.create({model: "missing", messages: [{role: "user", content: "x"}]}),
        (error: unknown) => error instanceof OpenAI.NotFoundError && /missing/.test(error.message));
    await assert.rejects(openai.chat.completions.create({model: "deepseek-r1:tiny", messages: [], temperature: 5}),
        (error: unknown) => error instanceof OpenAI.BadRequestError);
});

test("ollama: list, show, non-streaming and streaming chat with thinking and nanosecond timings", async () => {
    const list = await ollama.list();
    assert.ok(list.models.some((m) => m.name === "deepseek-r1:tiny"));
    const show = await ollama.show({model: "deepseek-r1:tiny"});
    assert.equal(show.details.format, "gguf");
    const reply = await ollama.chat({model: "deepseek-r1:tiny", messages: [{role: "user", content: "2+2?"}], think: true});
    assert.equal(reply.message.content, "4.");
    assert.equal(reply.message.thinking, "Two plus two.");
    assert.equal(reply.eval_count, 5);
    assert.ok(reply.eval_duration > 1e6, "eval_duration is in nanoseconds");
    assert.ok(reply.total_duration >= reply.eval_duration);
    const stream = await ollama.chat({model: "deepseek-r1:tiny", messages: [{role: "user", content: "2+2?"}], think: true, stream: true});
    let thinking = "";
    let content = "";
    let last;
    for await (const part of stream) {
        thinking += part.message.thinking ?? "";
        content += part.message.content;
        last = part;
    }
    assert.equal(thinking, "Two plus two.");
    assert.equal(content, "4.");
    assert.equal(last?.done, true);
    assert.equal(last?.done_reason, "stop");
    const generated = await ollama.generate({model: "deepseek-r1:tiny", prompt: "2+2?", think: true});
    assert.equal(generated.response, "4.");
    assert.equal(generated.thinking, "Two plus two.");
    const ps = await ollama.ps();
    assert.ok(ps.models.some((m) => m.name === "deepseek-r1:tiny"));
    await assert.rejects(ollama.chat({model: "missing", messages: [{role: "user", content: "x"}]}), /missing/);
});

test("four concurrent streams (two per API) all complete", async () => {
    const viaOpenai = async () => {
        let content = "";
        const stream = await openai.chat.completions.create({model: "deepseek-r1:tiny", messages: [{role: "user", content: "x"}], stream: true});
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
        return content;
    };
    const viaOllama = async () => {
        let content = "";
        for await (const part of await ollama.chat({model: "deepseek-r1:tiny", messages: [{role: "user", content: "x"}], stream: true}))
            content += part.message.content;
        return content;
    };
    const results = await Promise.all([viaOpenai(), viaOllama(), viaOpenai(), viaOllama()]);
    assert.deepEqual(results, ["4.", "4.", "4.", "4."]);
    assert.ok(source.models.find((m) => m.script === source.scripts["deepseek-r1:tiny"])!.maxActive >= 2, "streams overlapped");
});

test("a client that disconnects mid-stream frees its sequence within a second (seen in /metrics)", async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({model: "endless", messages: [{role: "user", content: "x"}], stream: true}, {signal: controller.signal});
    let chunks = 0;
    try {
        for await (const _ of stream) if (++chunks === 5) controller.abort();
    } catch {
        // The SDK may end the loop quietly or throw its abort error; either way the client is gone.
    }
    assert.equal(chunks, 5);
    const left = Date.now();
    while (await activeSequences() !== 0) {
        assert.ok(Date.now() - left < 1000, "the sequence was not freed within a second");
        await sleep(20);
    }
    const ollamaStream = await ollama.chat({model: "endless", messages: [{role: "user", content: "x"}], stream: true});
    let parts = 0;
    try {
        for await (const _ of ollamaStream) if (++parts === 5) ollamaStream.abort();
    } catch (error) {
        assert.equal((error as Error).name, "AbortError");
    }
    assert.equal(parts, 5);
    const abortedAt = Date.now();
    while (await activeSequences() !== 0) {
        assert.ok(Date.now() - abortedAt < 1000, "the sequence was not freed within a second");
        await sleep(20);
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /r1_generations_aborted_total\{model="endless"\} 2/);
});
