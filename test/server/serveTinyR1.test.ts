// The real engine on a tiny synthetic R1-Distill-Qwen (random weights, the real tokenizer and
// chat template) behind the server: reasoning reaches each API's own field, apart from the
// answer. `reasoning_budget` closes the thought after a few tokens, so both parts appear.
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import {Ollama} from "ollama";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";

describe("r1 serve on a tiny R1-shaped model", {skip: skipWithoutShared(R1_VOCAB)}, () => {
    let server: RunningServer;
    let cleanup: (() => void) | undefined;
    let openai: OpenAI;
    let ollama: Ollama;
    const greedy = {temperature: 0, seed: 1};

    before(async () => {
        const written = await writeTinyR1Model();
        cleanup = written.cleanup;
        const source = new FileModelSource({
            files: [{name: "tiny-r1", path: written.path}],
            load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: options.contextSize ?? 256, threads: 1})
        });
        server = await startServer({source, port: 0, parallel: 2});
        openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
        ollama = new Ollama({host: server.url});
    });

    after(async () => {
        await server?.stop();
        cleanup?.();
    });

    test("openai: reasoning_content holds the budgeted reasoning, content the answer", async () => {
        const chat = await openai.chat.completions.create({
            model: "tiny-r1", messages: [{role: "user", content: "Why is the sky blue?"}], max_tokens: 10, ...greedy,
            // r1's extension; the SDK passes unknown fields through.
            ...({reasoning_budget: 3} as object)
        });
        const message = chat.choices[0]!.message as typeof chat.choices[0]["message"] & {reasoning_content?: string | null};
        assert.equal(typeof message.reasoning_content, "string");
        assert.ok(message.reasoning_content!.length > 0);
        assert.equal(typeof message.content, "string");
        assert.equal(chat.usage!.completion_tokens_details?.reasoning_tokens, 3);
        assert.ok(chat.usage!.completion_tokens > 3);
        assert.ok(!message.content!.includes("<think>") && !message.reasoning_content!.includes("<think>"));
    });

    test("openai streaming: every reasoning delta comes before the first content delta", async () => {
        const stream = await openai.chat.completions.create({
            model: "tiny-r1", messages: [{role: "user", content: "Why?"}], max_tokens: 10, stream: true, ...greedy, ...({reasoning_budget: 3} as object)
        });
        const kinds: string[] = [];
        for await (const chunk of stream) {
            const delta = chunk.choices[0]?.delta as {content?: string | null, reasoning_content?: string} | undefined;
            if (delta?.reasoning_content) kinds.push("r");
            if (delta?.content) kinds.push("a");
        }
        assert.ok(kinds.includes("r"), kinds.join(""));
        if (kinds.includes("a")) assert.ok(kinds.lastIndexOf("r") < kinds.indexOf("a"), kinds.join(""));
    });

    test("ollama: message.thinking with think, none with think:false", async () => {
        const thinking = await ollama.chat({
            model: "tiny-r1", messages: [{role: "user", content: "Why?"}], think: true,
            options: {num_predict: 10, ...greedy, ...({reasoning_budget: 3} as object)}
        });
        assert.ok((thinking.message.thinking ?? "").length > 0);
        assert.equal(thinking.done, true);
        assert.ok(thinking.eval_count > 3 && thinking.eval_count <= 10);
        const direct = await ollama.chat({model: "tiny-r1", messages: [{role: "user", content: "Why?"}], think: false, options: {num_predict: 4, ...greedy}});
        assert.equal(direct.message.thinking, undefined);
        assert.ok(direct.message.content.length > 0);
    });
});
