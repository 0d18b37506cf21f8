// A client that hangs up (a raw socket destroyed mid-answer, no SDK abort) stops its generation
// and frees its sequence, on every generating route, streaming or not, over real loopback HTTP.
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {setTimeout as sleep} from "node:timers/promises";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {FakeSource} from "./FakeModel.js";
import {postAndHangUp} from "./rawHttp.js";

// Long enough (10 s at 5 ms a token) that only a stop, never the end of the script, frees the sequence.
const source = new FakeSource({r1: {reasoning: Array(1000).fill("r"), answer: Array(1000).fill("a"), tokenDelayMs: 5}});
let server: RunningServer;

before(async () => {
    server = await startServer({source, port: 0, parallel: 1});
});
after(async () => {
    await server?.stop();
});

const messages = [{role: "user", content: "x"}];
const disconnectCases: [string, string, object][] = [
    ["openai chat, streaming", "/v1/chat/completions", {model: "r1", messages, stream: true}],
    ["openai completions, streaming", "/v1/completions", {model: "r1", prompt: "x", stream: true, max_tokens: 5000}],
    ["ollama chat, streaming", "/api/chat", {model: "r1", messages}],
    ["ollama generate, streaming", "/api/generate", {model: "r1", prompt: "x"}],
    ["openai chat, not streaming", "/v1/chat/completions", {model: "r1", messages}],
    ["ollama chat, not streaming", "/api/chat", {model: "r1", messages, stream: false}]
];

async function until(condition: () => boolean, what: string, limitMs: number) {
    const started = Date.now();
    while (!condition()) {
        if (Date.now() - started > limitMs) assert.fail(`${what} took more than ${limitMs} ms`);
        await sleep(5);
    }
}

for (const [name, path, body] of disconnectCases) {
    test(`${name}: a client that hangs up frees its sequence within a second`, async () => {
        const streaming = !name.endsWith("not streaming");
        const abortedBefore = server.metrics.aborted("r1");
        const read = await postAndHangUp(server.url, path, body, streaming ? {afterBodyBytes: 200} : {afterMs: 100});
        const left = Date.now();
        if (streaming) assert.match(read, /^HTTP\/1\.1 200/, "it hung up mid-stream, not on an error");
        else assert.equal(read, "", "it hung up before the answer");
        await until(() => server.pool.loaded()[0]?.active === 0 && source.models[0]!.active === 0, "freeing the sequence", 1000);
        await until(() => server.metrics.aborted("r1") === abortedBefore + 1, "counting the abort", 1000);
        assert.ok(Date.now() - left < 1000);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^r1_active_sequences 0$/m);
    });
}

test("after all that, the one sequence still serves a request", async () => {
    const response = await fetch(`${server.url}/api/generate`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({model: "r1", prompt: "x", stream: false, options: {num_predict: 3}})});
    assert.equal(response.status, 200);
    assert.equal((await response.json() as {eval_count: number}).eval_count, 3);
});
