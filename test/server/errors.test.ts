import {test} from "node:test";
import assert from "node:assert/strict";
import {createServerApp, type ServerAppOptions} from "../../src/server/createServerApp.js";
import type {WebPlanResponse} from "../../src/server/webApiTypes.js";
import {mountWebUi} from "../../src/server/webUi.js";
import {FakeSource} from "./FakeModel.js";

function server(options: Partial<ServerAppOptions> = {}) {
    const source = new FakeSource({r1: {reasoning: ["a"], answer: ["b"]}});
    return {source, ...createServerApp({source, ...options})};
}

const post = (body: string, headers: Record<string, string> = {}) =>
    ({method: "POST", headers: {"Content-Type": "application/json", ...headers}, body});

const openaiCases: [string, string, number][] = [
    ["malformed JSON", "{\"model\": ", 400],
    ["not an object", "[1,2]", 400],
    ["wrong type", JSON.stringify({model: "r1", messages: "hello"}), 400],
    ["empty messages", JSON.stringify({model: "r1", messages: []}), 400],
    ["bad role", JSON.stringify({model: "r1", messages: [{role: "wizard", content: "x"}]}), 400],
    ["temperature out of range", JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}], temperature: 9}), 400],
    ["max_tokens not whole", JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}], max_tokens: 1.5}), 400],
    ["n > 1", JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}], n: 2}), 400],
    ["path-like model name", JSON.stringify({model: "../../etc/passwd", messages: [{role: "user", content: "x"}]}), 400],
    ["unknown model", JSON.stringify({model: "nope", messages: [{role: "user", content: "x"}]}), 404]
];

test("bad OpenAI requests get 4xx in OpenAI's error shape and the server keeps serving", async () => {
    const {app} = server();
    for (const [name, body, status] of openaiCases) {
        const response = await app.request("/v1/chat/completions", post(body));
        assert.equal(response.status, status, name);
        const error = (await response.json() as any).error;
        assert.equal(typeof error.message, "string", name);
        assert.equal(typeof error.type, "string", name);
        assert.ok("code" in error && "param" in error, name);
    }
    const wrongType = await (await app.request("/v1/chat/completions", post(JSON.stringify({model: "r1", messages: "x"})))).json() as any;
    assert.equal(wrongType.error.param, "messages");
    const unknown = await (await app.request("/v1/chat/completions", post(openaiCases.at(-1)![1]))).json() as any;
    assert.equal(unknown.error.code, "model_not_found");
    const ok = await app.request("/v1/chat/completions", post(JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}]})));
    assert.equal(ok.status, 200);
});

test("bad Ollama requests get 4xx with {error}", async () => {
    const {app} = server();
    const cases: [string, string, string, number][] = [
        ["/api/chat", "malformed", "{", 400],
        ["/api/chat", "wrong type", JSON.stringify({model: "r1", messages: [{role: "user", content: 5}]}), 400],
        ["/api/chat", "bad keep_alive", JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}], keep_alive: "soon"}), 400],
        ["/api/chat", "images", JSON.stringify({model: "r1", messages: [{role: "user", content: "x", images: ["AAAA"]}]}), 400],
        ["/api/generate", "format not json or a schema", JSON.stringify({model: "r1", prompt: "x", format: "yaml"}), 400],
        ["/api/generate", "unknown model", JSON.stringify({model: "nope", prompt: "x"}), 404],
        ["/api/show", "no model", JSON.stringify({}), 400]
    ];
    for (const [path, name, body, status] of cases) {
        const response = await app.request(path, post(body));
        assert.equal(response.status, status, name);
        const json = await response.json() as any;
        assert.equal(typeof json.error, "string", name);
    }
    const ok = await app.request("/api/chat", post(JSON.stringify({model: "r1", stream: false, messages: [{role: "user", content: "x"}]})));
    assert.equal(ok.status, 200);
});

test("an oversized body gets 413 without being read whole", async () => {
    const {app} = server({maxBodyBytes: 1024});
    const big = JSON.stringify({model: "r1", messages: [{role: "user", content: "x".repeat(4096)}]});
    const openai = await app.request("/v1/chat/completions", post(big));
    assert.equal(openai.status, 413);
    assert.equal((await openai.json() as any).error.code, "body_too_large");
    const ollama = await app.request("/api/chat", post(big));
    assert.equal(ollama.status, 413);
    assert.equal(typeof (await ollama.json() as any).error, "string");
});

test("unknown routes 404 in the dialect of their prefix", async () => {
    const {app} = server();
    const openai = await app.request("/v1/nothing");
    assert.equal(openai.status, 404);
    assert.equal(typeof (await openai.json() as any).error.message, "string");
    const ollama = await app.request("/api/nothing");
    assert.equal(ollama.status, 404);
    assert.equal(typeof (await ollama.json() as any).error, "string");
});

test("with an API key, /v1, /api and /metrics need the Bearer key; /health does not", async () => {
    const {app} = server({apiKey: "s3cret"});
    assert.equal((await app.request("/v1/models")).status, 401);
    assert.equal((await app.request("/api/tags")).status, 401);
    assert.equal((await app.request("/metrics")).status, 401);
    assert.equal((await app.request("/v1/models", {headers: {Authorization: "Bearer wrong"}})).status, 401);
    assert.equal((await app.request("/v1/models", {headers: {Authorization: "Bearer s3cret"}})).status, 200);
    assert.equal((await app.request("/api/tags", {headers: {Authorization: "Bearer s3cret"}})).status, 200);
    assert.equal((await app.request("/health")).status, 200);
    const denied = await app.request("/v1/models");
    assert.equal((await denied.json() as any).error.type, "authentication_error");
});

test("CORS headers appear only for the configured origin", async () => {
    const off = server();
    const plain = await off.app.request("/v1/models", {headers: {Origin: "https://evil.example"}});
    assert.equal(plain.headers.get("access-control-allow-origin"), null);
    const on = server({corsOrigins: ["https://ui.example"]});
    const allowed = await on.app.request("/v1/models", {headers: {Origin: "https://ui.example"}});
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://ui.example");
    const other = await on.app.request("/v1/models", {headers: {Origin: "https://evil.example"}});
    assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
});

test("/health answers and /metrics is Prometheus text with request counts", async () => {
    const {app} = server();
    await app.request("/v1/chat/completions", post(JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}]})));
    await app.request("/v1/chat/completions", post("{"));
    assert.deepEqual(await (await app.request("/health")).json(), {status: "ok", loaded_models: 1});
    const metrics = await app.request("/metrics");
    assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /# TYPE r1_requests_total counter/);
    assert.match(text, /r1_requests_total\{route="\/v1\/chat\/completions",status="200"\} 1/);
    assert.match(text, /r1_requests_total\{route="\/v1\/chat\/completions",status="400"\} 1/);
    assert.match(text, /r1_completion_tokens_total\{model="r1"\} 2/);
    assert.match(text, /r1_reasoning_tokens_total\{model="r1"\} 1/);
    assert.match(text, /r1_time_to_first_token_seconds_count 1/);
    assert.match(text, /r1_loaded_models 1/);
    assert.match(text, /r1_queue_depth 0/);
});

test("/health is 503 with llama-server's unavailable shape and /metrics shows the lost worker while a model is degraded; ok again after", async () => {
    const {app, source} = server();
    await app.request("/v1/chat/completions", post(JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}]})));
    const before = await app.request("/metrics");
    assert.match(await before.text(), /^r1_model_degraded\{model="r1"\} 0$/m);
    const since = new Date("2026-12-06T10:00:00.000Z");
    const message = "RPC worker 10.0.0.2:50052 refused the connection (no r1 worker listens there), so llama-server for m.gguf stopped (was killed by SIGABRT)";
    source.models[0]!.degraded = {message, rpcWorker: "10.0.0.2:50052", since, restartAttempts: 3};
    const health = await app.request("/health");
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), {
        status: "degraded", loaded_models: 1, error: {code: 503, message, type: "unavailable_error"},
        degraded: [{model: "r1", rpc_worker: "10.0.0.2:50052", since: since.toISOString(), restart_attempts: 3, message}]
    });
    const text = await (await app.request("/metrics")).text();
    assert.match(text, /^r1_model_degraded\{model="r1"\} 1$/m);
    assert.match(text, new RegExp(`^r1_rpc_worker_lost_since_seconds\\{model="r1",worker="10\\.0\\.0\\.2:50052"\\} ${since.getTime() / 1000}$`, "m"));
    assert.match(text, /^r1_rpc_worker_restart_attempts\{model="r1",worker="10\.0\.0\.2:50052"\} 3$/m);
    source.models[0]!.degraded = undefined;
    const back = await app.request("/health");
    assert.equal(back.status, 200);
    assert.deepEqual(await back.json(), {status: "ok", loaded_models: 1});
    assert.doesNotMatch(await (await app.request("/metrics")).text(), /^r1_rpc_worker_restart_attempts\{/m);
});

test("a prompt longer than the context is a 400 before any stream starts, and frees its sequence", async () => {
    const source = new FakeSource({small: {answer: ["a"], maxPromptWords: 3}});
    const {app, pool} = createServerApp({source});
    const long = {role: "user", content: "one two three four five"};
    for (const stream of [false, true]) {
        const openai = await app.request("/v1/chat/completions", post(JSON.stringify({model: "small", messages: [long], stream})));
        assert.equal(openai.status, 400, `openai stream=${stream}`);
        assert.equal((await openai.json() as any).error.code, "context_length_exceeded");
        const ollama = await app.request("/api/chat", post(JSON.stringify({model: "small", messages: [long], stream})));
        assert.equal(ollama.status, 400, `ollama stream=${stream}`);
        assert.match((await ollama.json() as any).error, /context/);
    }
    assert.equal(pool.loaded()[0]!.active, 0);
    const ok = await app.request("/v1/chat/completions", post(JSON.stringify({model: "small", messages: [{role: "user", content: "hi"}]})));
    assert.equal(ok.status, 200);
});

test("the mount hook adds routes outside the API prefixes (the web UI's place)", async () => {
    const source = new FakeSource({r1: {answer: ["b"]}});
    const {app} = createServerApp({source, apiKey: "k", mount: (hono, server) => {
        hono.get("/", (c) => c.html("<h1>page</h1>"));
        hono.get("/ui/api/models", async (c) => c.json((await server.pool.source.list()).map((m) => m.name)));
    }});
    const page = await app.request("/");
    assert.equal(page.status, 200);
    assert.equal(await page.text(), "<h1>page</h1>");
    assert.equal((await app.request("/ui/api/models")).status, 401, "the page's JSON needs the key too");
    assert.deepEqual(await (await app.request("/ui/api/models", {headers: {Authorization: "Bearer k"}})).json(), ["r1"]);
    assert.equal((await app.request("/v1/models")).status, 401, "API routes keep their key");
});

test("with an API key, the real web UI's /ui/api routes need it while the page and its assets do not", async () => {
    const source = new FakeSource({r1: {answer: ["b"]}});
    const plan = {hardware: "stub"} as unknown as WebPlanResponse;
    const {app} = createServerApp({source, apiKey: "k", mount: (hono) => mountWebUi(hono, {
        root: "/nonexistent-web-root",
        planner: {plan: async () => plan, annotate: async (models) => [...models]},
        models: async () => [{id: "r1", sizeBytes: 1}]
    })});
    // Unbuilt root: the page answers 503 (how to build it) but is not behind the key.
    assert.notEqual((await app.request("/")).status, 401);
    assert.equal((await app.request("/assets/x.js")).status, 404);
    for (const path of ["/ui/api/plan", "/ui/api/models"]) {
        const denied = await app.request(path);
        assert.equal(denied.status, 401, path);
        assert.equal(denied.headers.get("www-authenticate"), "Bearer");
        assert.equal((await app.request(path, {headers: {Authorization: "Bearer wrong"}})).status, 401, path);
    }
    const authorized = {headers: {Authorization: "Bearer k"}};
    assert.deepEqual(await (await app.request("/ui/api/plan", authorized)).json(), plan);
    assert.deepEqual((await (await app.request("/ui/api/models", authorized)).json() as any).models.map((m: {id: string}) => m.id), ["r1"]);
});
