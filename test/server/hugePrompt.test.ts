// A prompt of a megabyte, within a large context, is tokenized off the main thread: r1 serve keeps
// answering /health while it is prepared (tokenizing it on the main thread held every request for
// seconds: see bench/promptTokenizing.ts).
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";

const skip = skipWithoutShared(R1_VOCAB);
let server: RunningServer;
let cleanup = () => {};

before(async () => {
    if (skip !== false) return;
    const written = await writeTinyR1Model();
    cleanup = written.cleanup;
    // 131,072 tokens × the vocabulary's longest token admits any body the server accepts by its length.
    const source = new FileModelSource({files: [{name: "tiny-r1", path: written.path}],
        load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: 131_072, threads: 1})});
    server = await startServer({source, port: 0});
});

after(async () => {
    await server?.stop();
    cleanup();
});

const chat = (content: string, signal?: AbortSignal) => fetch(`${server.url}/v1/chat/completions`, {
    method: "POST", headers: {"Content-Type": "application/json"}, ...(signal === undefined ? {} : {signal}),
    body: JSON.stringify({model: "tiny-r1", max_tokens: 1, messages: [{role: "user", content}]})
});

test("/health answers while a 1 MB prompt is being tokenized", {skip}, async () => {
    assert.equal((await chat("Hi")).status, 200, "the model is loaded");
    // ~230,000 tokens: over the context, so the engine refuses it once it has counted them.
    const started = performance.now();
    let settledAt: number | undefined;
    const huge = chat("The quick brown fox jumps over the lazy dog. ".repeat(23_000)).then(async (response) => {
        settledAt = performance.now();
        return {status: response.status, body: await response.text()};
    });
    // /health, one request after another, until the huge one is answered; the longest wait between
    // two answers is how long the server could not answer anything.
    let last = performance.now();
    let longestGap = 0;
    let answers = 0;
    while (settledAt === undefined) {
        const health = await fetch(`${server.url}/health`);
        assert.equal(health.status, 200);
        await health.text();
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
        answers++;
    }
    const {status, body} = await huge;
    assert.equal(status, 400, body);
    assert.match(body, /context/);
    const pending = settledAt - started;
    // On the main thread the tokenizer is one native call of (nearly) the whole wait, so one gap is most of it.
    assert.ok(longestGap < pending / 2, `longest /health gap ${longestGap.toFixed(0)} ms of ${pending.toFixed(0)} ms pending (${answers} answers)`);
});
