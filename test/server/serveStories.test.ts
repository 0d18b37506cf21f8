// The real engine behind the real server: stories260K (a 260K-parameter Llama, no reasoning)
// through the official SDKs over loopback. Small max_tokens keep it fast.
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import {setTimeout as sleep} from "node:timers/promises";
import OpenAI from "openai";
import {Ollama} from "ollama";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {postAndHangUp} from "./rawHttp.js";

const MODEL = "models/stories260K.gguf";

describe("r1 serve on stories260K", {skip: skipWithoutShared(MODEL)}, () => {
    let server: RunningServer;
    let openai: OpenAI;
    let ollama: Ollama;

    before(async () => {
        const source = new FileModelSource({
            files: [sharedPath(MODEL)],
            // One thread: the model is tiny and the test machine is shared.
            load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: options.contextSize ?? 512, threads: 1})
        });
        server = await startServer({source, port: 0, parallel: 4});
        openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
        ollama = new Ollama({host: server.url});
    });

    after(async () => {
        await server?.stop();
    });

    async function metric(name: string): Promise<number> {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1]);
    }

    test("openai: models, a chat with usage, a streamed completion", async () => {
        assert.deepEqual((await openai.models.list()).data.map((m) => m.id), ["stories260K"]);
        const chat = await openai.chat.completions.create({model: "stories260K", messages: [{role: "user", content: "Once upon a time"}], max_tokens: 8});
        const message = chat.choices[0]!.message as typeof chat.choices[0]["message"] & {reasoning_content?: string | null};
        assert.equal(typeof message.content, "string");
        assert.ok(message.content!.length > 0);
        assert.equal(message.reasoning_content, null, "stories260K does not reason");
        assert.ok(chat.usage!.prompt_tokens > 0);
        assert.ok(chat.usage!.completion_tokens > 0 && chat.usage!.completion_tokens <= 8);
        assert.equal(chat.usage!.completion_tokens_details?.reasoning_tokens, 0);
        let text = "";
        let finish;
        const stream = await openai.completions.create({model: "stories260K", prompt: "Once upon a time", max_tokens: 8, stream: true});
        for await (const chunk of stream) {
            text += chunk.choices[0]?.text ?? "";
            finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        assert.ok(text.length > 0);
        assert.ok(finish === "length" || finish === "stop");
    });

    test("ollama: tags, a raw generate and a chat with nanosecond timings", async () => {
        assert.deepEqual((await ollama.list()).models.map((m) => m.name), ["stories260K"]);
        const generated = await ollama.generate({model: "stories260K", prompt: "Once upon a time", raw: true, options: {num_predict: 8}});
        assert.ok((generated.response ?? "").length > 0);
        assert.ok(generated.eval_count > 0 && generated.eval_count <= 8);
        assert.ok(generated.prompt_eval_count > 0);
        assert.ok(generated.eval_duration > 0 && generated.total_duration >= generated.eval_duration);
        const chat = await ollama.chat({model: "stories260K", messages: [{role: "user", content: "Tell a story"}], options: {num_predict: 8}});
        assert.ok(chat.message.content.length > 0);
        assert.equal(chat.done, true);
        const ps = await ollama.ps();
        assert.equal(ps.models[0]?.name, "stories260K");
        assert.equal((ps.models[0] as {context_length?: number} | undefined)?.context_length, 512);
    });

    test("four concurrent streams on four sequences all complete", async () => {
        const viaOpenai = async () => {
            let text = "";
            const stream = await openai.chat.completions.create({model: "stories260K", messages: [{role: "user", content: "Once"}], max_tokens: 8, stream: true});
            for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
            return text;
        };
        const viaOllama = async () => {
            let text = "";
            for await (const part of await ollama.chat({model: "stories260K", messages: [{role: "user", content: "Once"}], stream: true, options: {num_predict: 8}}))
                text += part.message.content;
            return text;
        };
        const texts = await Promise.all([viaOpenai(), viaOllama(), viaOpenai(), viaOllama()]);
        for (const text of texts) assert.ok(text.length > 0);
        assert.equal(await metric("r1_active_sequences"), 0);
    });

    test("a client that disconnects mid-stream frees its sequence within a second", async () => {
        const abortedBefore = await metric("r1_generations_aborted_total");
        const controller = new AbortController();
        const stream = await openai.completions.create(
            {model: "stories260K", prompt: "Once upon a time", max_tokens: 400, stream: true}, {signal: controller.signal});
        let chunks = 0;
        try {
            for await (const _ of stream) if (++chunks === 3) controller.abort();
        } catch {
            // the SDK's abort error
        }
        assert.equal(chunks, 3);
        const left = Date.now();
        const expectAborted = (Number.isNaN(abortedBefore) ? 0 : abortedBefore) + 1;
        // Freed means the engine's generation has ended (counted as aborted), not only the HTTP side.
        while (await metric("r1_active_sequences") !== 0 || await metric("r1_generations_aborted_total") !== expectAborted) {
            assert.ok(Date.now() - left < 1000, "the sequence was not freed within a second");
            await sleep(20);
        }
        const next = await openai.completions.create({model: "stories260K", prompt: "Once", max_tokens: 4});
        assert.ok(next.choices[0]!.text.length > 0);
    });

    test("a chat without max_tokens on a model that never ends its turn stops when the context is full", async () => {
        // stories260K has no chat template and, in chat mode, no end of turn: only the context bounds it.
        const chat = await openai.chat.completions.create({model: "stories260K", messages: [{role: "user", content: "Hello"}], temperature: 0, seed: 1});
        assert.equal(chat.choices[0]!.finish_reason, "length");
        assert.equal(chat.usage!.prompt_tokens + chat.usage!.completion_tokens, 512, "the whole context (512 in this test), no more");
        assert.equal(await metric("r1_active_sequences"), 0);
    });

    // `curl -N … | head -c 200`: a raw socket closed mid-stream, on each generating route, with no
    // max_tokens (only the context bounds these), so only a stop ends them within the second.
    const messages = [{role: "user", content: "Tell me a story"}];
    for (const [path, body] of [
        ["/v1/chat/completions", {model: "stories260K", messages, stream: true}],
        ["/v1/completions", {model: "stories260K", prompt: "Once upon a time", stream: true, max_tokens: 2048}],
        ["/api/chat", {model: "stories260K", messages}],
        ["/api/generate", {model: "stories260K", prompt: "Tell me a story"}]
    ] as const) {
        test(`${path}: a client that hangs up mid-stream stops the engine within a second`, async () => {
            const abortedBefore = await metric("r1_generations_aborted_total");
            const read = await postAndHangUp(server.url, path, body, {afterBodyBytes: 200});
            const left = Date.now();
            assert.match(read, /^HTTP\/1\.1 200/);
            // A story may end (EOS) before 200 bytes; then there was nothing to stop.
            const ended = read.includes("[DONE]") || read.includes("\"done\":true");
            const expectAborted = (Number.isNaN(abortedBefore) ? 0 : abortedBefore) + (ended ? 0 : 1);
            while (await metric("r1_active_sequences") !== 0 || await metric("r1_generations_aborted_total") !== expectAborted) {
                assert.ok(Date.now() - left < 1000, "the generation was not stopped within a second");
                await sleep(20);
            }
        });
    }
});
