import {test} from "node:test";
import assert from "node:assert/strict";
import {createServerApp} from "../../src/server/createServerApp.js";
import {FakeSource} from "./FakeModel.js";

function server(options: {parallel?: number} = {}) {
    const source = new FakeSource({
        r1: {reasoning: ["Let me ", "think."], answer: ["The answer ", "is 4."]},
        plain: {answer: ["Once ", "upon ", "a ", "time"]}
    });
    return {source, ...createServerApp({source, ...options})};
}

const post = (body: unknown) => ({method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});

async function sseEvents(response: Response): Promise<unknown[]> {
    const text = await response.text();
    return text.split("\n\n").filter((block) => block.startsWith("data: ")).map((block) => {
        const data = block.slice("data: ".length);
        return data === "[DONE]" ? "[DONE]" : JSON.parse(data);
    });
}

test("GET /v1/models lists the source's models in OpenAI's shape", async () => {
    const {app} = server();
    const response = await app.request("/v1/models");
    assert.equal(response.status, 200);
    const body = await response.json() as {object: string, data: {id: string, object: string}[]};
    assert.equal(body.object, "list");
    assert.deepEqual(body.data.map((m) => m.id), ["r1", "plain"]);
    assert.equal(body.data[0]!.object, "model");
});

test("non-streaming chat puts reasoning in reasoning_content and counts reasoning tokens", async () => {
    const {app} = server();
    const response = await app.request("/v1/chat/completions", post({model: "r1", messages: [{role: "user", content: "2+2?"}]}));
    assert.equal(response.status, 200);
    const body = await response.json() as any;
    assert.equal(body.object, "chat.completion");
    assert.equal(body.model, "r1");
    assert.equal(body.choices[0].message.role, "assistant");
    assert.equal(body.choices[0].message.content, "The answer is 4.");
    assert.equal(body.choices[0].message.reasoning_content, "Let me think.");
    assert.equal(body.choices[0].finish_reason, "stop");
    assert.deepEqual(body.usage, {prompt_tokens: 1, completion_tokens: 4, total_tokens: 5, prompt_tokens_details: {cached_tokens: 0}, completion_tokens_details: {reasoning_tokens: 2}});
});

test("sampling fields reach the engine; max_tokens cuts with finish_reason length", async () => {
    const {app, source} = server();
    const response = await app.request("/v1/chat/completions", post({
        model: "r1", messages: [{role: "developer", content: "be brief"}, {role: "user", content: [{type: "text", text: "hi"}]}],
        max_tokens: 3, temperature: 0.2, top_p: 0.5, seed: 7, stop: "END", reasoning_budget: 1, num_ctx: 128
    }));
    const body = await response.json() as any;
    assert.equal(body.choices[0].finish_reason, "length");
    assert.equal(body.usage.completion_tokens, 3);
    const call = source.models[0]!.calls[0]!;
    assert.deepEqual(call.messages, [{role: "system", content: "be brief"}, {role: "user", content: "hi"}]);
    assert.equal(call.options.maxTokens, 3);
    assert.equal(call.options.temperature, 0.2);
    assert.equal(call.options.topP, 0.5);
    assert.equal(call.options.seed, 7);
    assert.deepEqual(call.options.stop, ["END"]);
    assert.equal(call.options.thinkBudget, 1);
    assert.equal(source.models[0]!.info.contextSize, 128, "num_ctx sizes the context when the request loads the model");
});

test("streaming chat sends reasoning deltas first, then content, then finish, usage and [DONE]", async () => {
    const {app} = server();
    const response = await app.request("/v1/chat/completions", post({
        model: "r1", messages: [{role: "user", content: "2+2?"}], stream: true, stream_options: {include_usage: true}
    }));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const events = await sseEvents(response) as any[];
    assert.equal(events.at(-1), "[DONE]");
    const chunks = events.slice(0, -1);
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    const deltas = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
    const kinds = deltas.map((d) => d.reasoning_content !== undefined ? "r" : d.content ? "a" : "-");
    assert.equal(kinds.join(""), "-rraa-");
    assert.equal(deltas.map((d) => d.reasoning_content ?? "").join(""), "Let me think.");
    assert.equal(deltas.map((d) => d.content ?? "").join(""), "The answer is 4.");
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0].choices[0].finish_reason, "stop");
    const usage = chunks.at(-1);
    assert.deepEqual(usage.choices, []);
    assert.equal(usage.usage.completion_tokens_details.reasoning_tokens, 2);
    assert.equal(usage.usage.total_tokens, usage.usage.prompt_tokens + usage.usage.completion_tokens);
});

test("streaming without include_usage sends no usage chunk", async () => {
    const {app} = server();
    const response = await app.request("/v1/chat/completions", post({model: "r1", messages: [{role: "user", content: "x"}], stream: true}));
    const chunks = (await sseEvents(response)).slice(0, -1) as any[];
    assert.ok(chunks.every((c) => c.usage === undefined && c.choices.length === 1));
});

test("/v1/completions runs the raw prompt, defaulting to 16 tokens, streaming and not", async () => {
    const {app, source} = server();
    const response = await app.request("/v1/completions", post({model: "plain", prompt: "Once"}));
    const body = await response.json() as any;
    assert.equal(body.object, "text_completion");
    assert.equal(body.choices[0].text, "Once upon a time");
    assert.equal(source.models[0]!.calls[0]!.prompt, "Once");
    assert.equal(source.models[0]!.calls[0]!.options.maxTokens, 16);
    const streamed = await app.request("/v1/completions", post({model: "plain", prompt: ["Once"], max_tokens: 2, stream: true}));
    const chunks = (await sseEvents(streamed)).slice(0, -1) as any[];
    assert.equal(chunks.map((c) => c.choices[0].text).join(""), "Once upon ");
    assert.equal(chunks.at(-1).choices[0].finish_reason, "length");
});

test("a model name with :latest finds the bare model", async () => {
    const {app} = server();
    const response = await app.request("/v1/chat/completions", post({model: "r1:latest", messages: [{role: "user", content: "x"}]}));
    assert.equal(response.status, 200);
});
