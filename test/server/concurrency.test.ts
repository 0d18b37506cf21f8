import {test} from "node:test";
import assert from "node:assert/strict";
import {setTimeout as sleep} from "node:timers/promises";
import {createServerApp, type ServerAppOptions} from "../../src/server/createServerApp.js";
import {FakeSource, type FakeScript} from "./FakeModel.js";

const slow: FakeScript = {reasoning: Array(10).fill("r"), answer: Array(10).fill("a"), tokenDelayMs: 10};

function server(options: Partial<ServerAppOptions> = {}, script: FakeScript = slow) {
    const source = new FakeSource({r1: script, other: script});
    return {source, ...createServerApp({source, ...options})};
}

const chat = (extra: object = {}, signal?: AbortSignal) => ({
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({model: "r1", messages: [{role: "user", content: "x"}], ...extra}),
    ...(signal === undefined ? {} : {signal})
});

async function until(condition: () => boolean, what: string, limitMs = 5000) {
    const started = Date.now();
    while (!condition()) {
        if (Date.now() - started > limitMs) assert.fail(`timed out waiting for ${what}`);
        await sleep(5);
    }
}

test("--parallel 2 runs two generations at once on one loaded model", async () => {
    const {app, source} = server({parallel: 2});
    const responses = await Promise.all([0, 1, 2, 3].map(() => app.request("/v1/chat/completions", chat())));
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200]);
    assert.equal(source.loads, 1, "concurrent first requests share one load");
    assert.equal(source.models[0]!.maxActive, 2);
    for (const response of responses) assert.equal((await response.json() as any).choices[0].message.content, "a".repeat(10));
});

test("a full queue answers 429 with Retry-After, in each API's shape", async () => {
    const {app} = server({parallel: 1, maxQueue: 1});
    const first = app.request("/v1/chat/completions", chat());
    const second = app.request("/v1/chat/completions", chat());
    await sleep(20);
    const third = await app.request("/v1/chat/completions", chat());
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get("retry-after")) >= 1);
    assert.equal((await third.json() as any).error.code, "queue_full");
    const ollama = await app.request("/api/chat", chat({stream: false}));
    assert.equal(ollama.status, 429);
    assert.equal(typeof (await ollama.json() as any).error, "string");
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
});

test("a client that disconnects mid-stream stops its generation and frees its sequence", async () => {
    const {app, source, pool, metrics} = server({parallel: 1}, {answer: Array(500).fill("a"), tokenDelayMs: 5});
    const controller = new AbortController();
    const response = await app.request("/v1/chat/completions", chat({stream: true}, controller.signal));
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    assert.equal(pool.loaded()[0]!.active, 1);
    controller.abort();
    await reader.cancel().catch(() => {});
    const abortedAt = Date.now();
    await until(() => pool.loaded()[0]!.active === 0 && source.models[0]!.active === 0, "the sequence to be freed", 1000);
    assert.ok(Date.now() - abortedAt < 1000);
    await until(() => metrics.aborted("r1") === 1, "the abort to be counted", 1000);
    const metricsText = await (await app.request("/metrics")).text();
    assert.match(metricsText, /r1_active_sequences 0/);
    assert.match(metricsText, /r1_generations_aborted_total\{model="r1"\} 1/);
    // The freed sequence serves the next request.
    const next = await app.request("/api/chat", chat({stream: false, options: {num_predict: 3}}));
    assert.equal(next.status, 200);
});

test("a request queued behind a busy sequence leaves the queue when its client goes away", async () => {
    const {app, pool} = server({parallel: 1, maxQueue: 4});
    const running = app.request("/v1/chat/completions", chat());
    await sleep(20);
    const controller = new AbortController();
    const queued = Promise.resolve(app.request("/v1/chat/completions", chat({}, controller.signal))).catch(() => undefined);
    await until(() => pool.loaded()[0]!.queued === 1, "the request to queue");
    controller.abort();
    await until(() => pool.loaded()[0]!.queued === 0, "the queue to empty", 1000);
    await queued;
    assert.equal((await running).status, 200);
});

test("a request past its time limit is stopped: 504 when not streaming, an error event when streaming", async () => {
    const {app, pool} = server({requestTimeoutMs: 60}, {answer: Array(200).fill("a"), tokenDelayMs: 5});
    const response = await app.request("/v1/chat/completions", chat());
    assert.equal(response.status, 504);
    assert.equal((await response.json() as any).error.code, "timeout");
    const streamed = await app.request("/api/chat", chat());
    const lines = (await streamed.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.match(lines.at(-1).error, /time limit/);
    assert.equal(pool.loaded()[0]!.active, 0);
});

test("models unload after keep_alive and at most --max-loaded stay loaded", async () => {
    const {app, source, pool} = server({keepAliveMs: 50, maxLoaded: 1}, {answer: ["a"]});
    assert.equal((await app.request("/v1/chat/completions", chat())).status, 200);
    assert.equal(pool.loaded().length, 1);
    await until(() => pool.loaded().length === 0, "the keep-alive to expire", 2000);
    assert.equal(source.models[0]!.disposed, true);
    assert.equal((await app.request("/api/chat", chat({keep_alive: -1, stream: false}))).status, 200);
    await app.request("/api/chat", chat({model: "other", stream: false}));
    assert.deepEqual(pool.loaded().map((e) => e.descriptor.name), ["other"]);
    assert.equal(source.models[1]!.disposed, true, "the idle model made room");
});

test("when every loaded model is busy, loading another answers 503 with Retry-After", async () => {
    const {app} = server({maxLoaded: 1});
    const busy = app.request("/v1/chat/completions", chat());
    await sleep(20);
    const other = await app.request("/v1/chat/completions", chat({model: "other"}));
    assert.equal(other.status, 503);
    assert.ok(Number(other.headers.get("retry-after")) >= 1);
    assert.equal((await busy).status, 200);
});

test("concurrent first requests for two models never load more than --max-loaded", async () => {
    const {app, source} = server({maxLoaded: 1}, {answer: ["a"], tokenDelayMs: 5});
    const statuses = await Promise.all([
        app.request("/v1/chat/completions", chat()),
        app.request("/v1/chat/completions", chat({model: "other"}))
    ]).then((responses) => responses.map((r) => r.status).sort());
    assert.deepEqual(statuses, [200, 503]);
    assert.equal(source.loads, 1);
});

test("a num_ctx change while the model is busy waits for the running request, then reloads; it never runs beside the old copy", async () => {
    const {app, source, pool} = server({parallel: 2});
    const running = app.request("/v1/chat/completions", chat({num_ctx: 128}));
    await until(() => pool.loaded()[0]?.active === 1, "the first request to start");
    const resized = app.request("/v1/chat/completions", chat({num_ctx: 512}));
    await sleep(30);
    assert.equal(source.loads, 1, "no second copy while the first is busy");
    assert.equal(source.models[0]!.disposed, false);
    // A request without num_ctx arriving meanwhile does not keep the old copy alive either.
    const plain = app.request("/v1/chat/completions", chat());
    assert.deepEqual([(await running).status, (await resized).status, (await plain).status], [200, 200, 200]);
    assert.equal(source.loads, 2);
    assert.equal(source.models[0]!.disposed, true);
    assert.equal(source.models[1]!.info.contextSize, 512);
    assert.deepEqual(pool.loaded().map((e) => e.model?.info.contextSize), [512]);
});

test("a request waiting for a reload leaves when its client goes away", async () => {
    const {app, source, pool} = server({parallel: 1});
    const running = app.request("/v1/chat/completions", chat({num_ctx: 128}));
    await until(() => pool.loaded()[0]?.active === 1, "the first request to start");
    const controller = new AbortController();
    const waiting = Promise.resolve(app.request("/v1/chat/completions", chat({num_ctx: 512}, controller.signal))).catch(() => undefined);
    await sleep(20);
    controller.abort();
    await waiting;
    assert.equal((await running).status, 200);
    await sleep(20);
    assert.equal(source.loads, 1, "the abandoned request loaded nothing");
});

test("a reload starts only once the old copy's memory is freed", async () => {
    const {app, source} = server();
    assert.equal((await app.request("/v1/chat/completions", chat({num_ctx: 128}))).status, 200);
    const events: string[] = [];
    const old = source.models[0]!;
    old.dispose = async () => {
        events.push("dispose started");
        await sleep(50);
        old.disposed = true;
        events.push("freed");
    };
    const load = source.load.bind(source);
    source.load = (model, options) => {
        events.push("load started");
        return load(model, options);
    };
    assert.equal((await app.request("/v1/chat/completions", chat({num_ctx: 512}))).status, 200);
    assert.deepEqual(events, ["dispose started", "freed", "load started"]);
});

test("a request waiting to reload a model whose load then fails loads it afresh", {timeout: 10_000}, async () => {
    const {app, source} = server();
    const load = source.load.bind(source);
    let calls = 0;
    source.load = async (model, options) => {
        if (++calls === 1) {
            await sleep(30);
            throw new Error("out of memory");
        }
        return load(model, options);
    };
    const failing = app.request("/v1/chat/completions", chat({num_ctx: 4096}));
    await sleep(5);
    const waiting = app.request("/v1/chat/completions", chat({num_ctx: 512}));
    assert.equal((await failing).status, 500);
    const started = Date.now();
    assert.equal((await waiting).status, 200);
    assert.ok(Date.now() - started < 2000, "it did not wait for the request timeout");
    assert.equal(source.models[0]!.info.contextSize, 512);
});
