import {test} from "node:test";
import assert from "node:assert/strict";
import {createServerApp} from "../../src/server/createServerApp.js";
import {OLLAMA_COMPAT_VERSION} from "../../src/server/ollamaRoutes.js";
import {FakeSource} from "./FakeModel.js";

function server(options: {keepAliveMs?: number} = {}) {
    const source = new FakeSource({
        r1: {reasoning: ["Let me ", "think."], answer: ["The answer ", "is 4."]},
        plain: {answer: ["Once ", "upon"]}
    });
    return {source, ...createServerApp({source, ...options})};
}

const send = (body: unknown, method = "POST") => ({method, headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});

async function ndjson(response: Response): Promise<any[]> {
    return (await response.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

test("/api/version, /api/tags and /api/show describe the models", async () => {
    const {app} = server();
    assert.deepEqual(await (await app.request("/api/version")).json(), {version: OLLAMA_COMPAT_VERSION});
    const tags = await (await app.request("/api/tags")).json() as any;
    assert.deepEqual(tags.models.map((m: any) => m.name), ["r1", "plain"]);
    assert.equal(tags.models[0].details.format, "gguf");
    assert.ok(!Number.isNaN(Date.parse(tags.models[0].modified_at)));
    const show = await (await app.request("/api/show", send({model: "r1"}))).json() as any;
    assert.equal(show.details.family, "fake");
    assert.ok(show.capabilities.includes("completion"));
    const missing = await app.request("/api/show", send({model: "nope"}));
    assert.equal(missing.status, 404);
    assert.match((await missing.json() as any).error, /nope/);
});

test("streaming /api/chat puts reasoning in message.thinking, then content, then nanosecond durations", async () => {
    const {app} = server();
    const response = await app.request("/api/chat", send({model: "r1", messages: [{role: "user", content: "2+2?"}], think: true}));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /ndjson/);
    const lines = await ndjson(response);
    const last = lines.at(-1);
    assert.equal(last.done, true);
    assert.equal(last.done_reason, "stop");
    for (const field of ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"])
        assert.equal(typeof last[field], "number", field);
    assert.equal(last.eval_count, 4);
    assert.ok(last.total_duration >= last.eval_duration);
    assert.ok(last.eval_duration >= 1e6, "durations are in nanoseconds");
    const parts = lines.slice(0, -1);
    assert.ok(parts.every((l) => l.done === false && l.message.role === "assistant"));
    assert.equal(parts.map((l) => l.message.thinking ?? "").join(""), "Let me think.");
    assert.equal(parts.map((l) => l.message.content).join(""), "The answer is 4.");
    const firstAnswer = parts.findIndex((l) => l.message.content !== "");
    assert.ok(parts.slice(0, firstAnswer).every((l) => l.message.thinking));
});

test("non-streaming /api/chat and think:false", async () => {
    const {app, source} = server();
    const body = await (await app.request("/api/chat", send({model: "r1", stream: false, messages: [{role: "user", content: "x"}]}))).json() as any;
    assert.equal(body.message.content, "The answer is 4.");
    assert.equal(body.message.thinking, "Let me think.");
    assert.equal(body.done, true);
    const noThink = await (await app.request("/api/chat", send({
        model: "r1", stream: false, think: false, messages: [{role: "user", content: "x"}], options: {num_predict: 1, temperature: 0.1, stop: ["x"]}
    }))).json() as any;
    assert.equal(noThink.message.thinking, undefined);
    assert.equal(noThink.done_reason, "length");
    const options = source.models[0]!.calls[1]!.options;
    assert.equal(options.think, false);
    assert.equal(options.maxTokens, 1);
    assert.equal(options.temperature, 0.1);
    assert.deepEqual(options.stop, ["x"]);
});

test("/api/generate templates the prompt with system, or sends it raw", async () => {
    const {app, source} = server();
    const lines = await ndjson(await app.request("/api/generate", send({model: "r1", prompt: "2+2?", system: "be exact"})));
    assert.equal(lines.slice(0, -1).map((l) => l.thinking ?? "").join(""), "Let me think.");
    assert.equal(lines.map((l) => l.response).join(""), "The answer is 4.");
    assert.equal(lines.at(-1).done, true);
    assert.deepEqual(source.models[0]!.calls[0]!.messages, [{role: "system", content: "be exact"}, {role: "user", content: "2+2?"}]);
    const raw = await (await app.request("/api/generate", send({model: "plain", prompt: "Once", raw: true, stream: false}))).json() as any;
    assert.equal(raw.response, "Once upon");
    assert.equal(source.models[1]!.calls[0]!.prompt, "Once");
});

test("empty /api/generate loads the model, keep_alive 0 unloads it; /api/ps shows it meanwhile", async () => {
    const {app, source} = server();
    const loaded = await (await app.request("/api/generate", send({model: "r1"}))).json() as any;
    assert.equal(loaded.done_reason, "load");
    const ps = await (await app.request("/api/ps")).json() as any;
    assert.equal(ps.models.length, 1);
    assert.equal(ps.models[0].name, "r1");
    assert.equal(ps.models[0].context_length, 256);
    assert.ok(Date.parse(ps.models[0].expires_at) > Date.now());
    const unloaded = await (await app.request("/api/generate", send({model: "r1", keep_alive: 0}))).json() as any;
    assert.equal(unloaded.done_reason, "unload");
    assert.equal(source.models[0]!.disposed, true);
    assert.equal(((await (await app.request("/api/ps")).json()) as any).models.length, 0);
});

test("num_ctx loads the model with that context; another num_ctx reloads it, as Ollama does; none keeps it", async () => {
    const {app, source} = server();
    const chat = (options: object = {}) => app.request("/api/chat", send({model: "r1", stream: false, messages: [{role: "user", content: "x"}], options}));
    assert.equal((await chat({num_ctx: 512})).status, 200);
    assert.equal(source.models[0]!.info.contextSize, 512);
    assert.equal((await chat({num_ctx: 512})).status, 200);
    assert.equal((await chat()).status, 200);
    assert.equal(source.loads, 1, "the same size, or none, uses the loaded model");
    assert.equal((await chat({num_ctx: 1024})).status, 200);
    assert.equal(source.loads, 2);
    assert.equal(source.models[0]!.disposed, true, "the old context is unloaded, never kept beside the new one");
    const ps = await (await app.request("/api/ps")).json() as any;
    assert.deepEqual(ps.models.map((m: any) => m.context_length), [1024]);
    // Ollama's "load" request (no messages) also takes num_ctx.
    const loaded = await (await app.request("/api/generate", send({model: "r1", options: {num_ctx: 2048}}))).json() as any;
    assert.equal(loaded.done_reason, "load");
    assert.equal(source.models.at(-1)!.info.contextSize, 2048);
    // And so does /v1 (r1's extension there).
    const openai = await app.request("/v1/chat/completions", send({model: "r1", messages: [{role: "user", content: "x"}], num_ctx: 256}));
    assert.equal(openai.status, 200);
    assert.equal(source.models.at(-1)!.info.contextSize, 256);
    assert.equal(source.models.filter((m) => !m.disposed).length, 1);
});

test("/api/pull streams progress then success; a failure is an {error} line", async () => {
    const {app} = server();
    const lines = await ndjson(await app.request("/api/pull", send({model: "newmodel"})));
    assert.equal(lines[0].status, "pulling manifest");
    assert.equal(lines.at(-1).status, "success");
    assert.ok(lines.some((l) => l.completed === 100 && l.total === 100));
    const tags = await (await app.request("/api/tags")).json() as any;
    assert.ok(tags.models.some((m: any) => m.name === "newmodel"));
    const failed = await ndjson(await app.request("/api/pull", send({model: "broken"})));
    assert.match(failed.at(-1).error, /no such model/);
    const quiet = await (await app.request("/api/pull", send({name: "other", stream: false}))).json();
    assert.deepEqual(quiet, {status: "success"});
});

test("DELETE /api/delete removes a model (unloading it first) and 404s an unknown one", async () => {
    const {app, source} = server();
    await app.request("/api/generate", send({model: "plain"}));
    const deleted = await app.request("/api/delete", send({model: "plain"}, "DELETE"));
    assert.equal(deleted.status, 200);
    assert.deepEqual(source.removed, ["plain"]);
    assert.equal(source.models[0]!.disposed, true);
    const again = await app.request("/api/delete", send({model: "plain"}, "DELETE"));
    assert.equal(again.status, 404);
    assert.ok(typeof (await again.json() as any).error === "string");
});
