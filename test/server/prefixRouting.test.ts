// A conversation keeps its cache: with 4 sequences and conversations interleaved, each returning
// conversation lands on the sequence that holds its history and reuses it (usage's cached tokens),
// through the real engine on a tiny R1-shaped model. Without routing (the sequence freed last),
// the next conversation would overwrite it.
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import {ContextOverflowError} from "../../src/engine/errors.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../src/engine/embedded/LlamaLoadedModel.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";

describe("prefix routing over 4 sequences on a tiny R1-shaped model", {skip: skipWithoutShared(R1_VOCAB)}, () => {
    let server: RunningServer;
    let cleanup: (() => void) | undefined;
    let openai: OpenAI;
    let loaded: LlamaLoadedModel | undefined;

    before(async () => {
        const written = await writeTinyR1Model();
        cleanup = written.cleanup;
        const source = new FileModelSource({
            files: [{name: "tiny-r1", path: written.path}],
            load: async (path, options) => {
                loaded = await loadModel({path, parallel: options.parallel, contextSize: 512, threads: 1});
                return loaded;
            }
        });
        server = await startServer({source, port: 0, parallel: 4});
        openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
    });

    after(async () => {
        await server?.stop();
        cleanup?.();
    });

    type Turn = {role: "user" | "assistant", content: string};
    async function say(history: Turn[], text: string): Promise<{cached: number, prompt: number}> {
        history.push({role: "user", content: text});
        const chat = await openai.chat.completions.create({
            model: "tiny-r1", messages: history, max_tokens: 4, temperature: 0, seed: 1, ...({reasoning_budget: 1} as object)
        });
        history.push({role: "assistant", content: chat.choices[0]!.message.content ?? ""});
        return {cached: chat.usage!.prompt_tokens_details?.cached_tokens ?? -1, prompt: chat.usage!.prompt_tokens};
    }

    const topic = (name: string) => `Conversation ${name}: ` + `${name} likes long stories about rivers and mountains. `.repeat(6);

    test("interleaved conversations each come back to their own cache", async () => {
        const conversations: Record<string, Turn[]> = {a: [], b: [], c: [], d: []};
        const first: Record<string, number> = {};
        for (const name of ["a", "b", "c"]) first[name] = (await say(conversations[name]!, topic(name))).prompt;
        // a returns after b and c ran, then d starts, then b and c return.
        const a2 = await say(conversations.a!, "And then?");
        assert.ok(a2.cached >= first.a! - 2, `a reused ${a2.cached} of its ${first.a} first-turn prompt tokens`);
        await say(conversations.d!, topic("d"));
        for (const name of ["b", "c", "a"]) {
            const again = await say(conversations[name]!, "Tell me more.");
            assert.ok(again.cached >= first[name]! - 2, `${name} reused ${again.cached} of ${first[name]}`);
        }
    });

    test("new conversations overwrite the least recently used caches, not a short one that just ran", async () => {
        // Every sequence now holds an older conversation; x's is the newest and the smallest.
        const x: Turn[] = [];
        const first = await say(x, "Conversation x: hello.");
        for (const name of ["y", "z", "w"]) await say([], topic(name));
        const again = await say(x, "And then?");
        assert.ok(again.cached >= first.prompt - 2, `x reused ${again.cached} of ${first.prompt}`);
    });

    test("the same turns without routing (the sequence freed last) lose the cache: the test can fail", async () => {
        assert.ok(loaded !== undefined);
        loaded.prefixRouting = false;
        try {
            const conversations: Record<string, Turn[]> = {e: [], f: []};
            const e1 = await say(conversations.e!, topic("e"));
            await say(conversations.f!, topic("f"));
            const e2 = await say(conversations.e!, "And then?");
            assert.ok(e2.cached < e1.prompt / 2, `without routing e reused ${e2.cached} of ${e1.prompt}`);
        } finally {
            loaded.prefixRouting = true;
        }
    });

    test("a 3.8 MB prompt is refused by its length before it is tokenized", async () => {
        assert.ok(loaded !== undefined);
        const model = loaded.model as unknown as {tokenize: (...args: unknown[]) => unknown};
        const tokenize = model.tokenize;
        let calls = 0;
        model.tokenize = (...args: unknown[]) => {
            calls++;
            return tokenize.apply(loaded!.model, args);
        };
        try {
            const huge = "The quick brown fox jumps. ".repeat(140_000);
            await assert.rejects(async () => {
                for await (const _ of loaded!.chat([{role: "user", content: huge}])) { /* drained */ }
            }, (error: unknown) => error instanceof ContextOverflowError && error.atLeast && error.contextSize === 512);
            assert.equal(calls, 0);
        } finally {
            model.tokenize = tokenize;
        }
        // Through the API it is a 400, and the server answers the next request.
        await assert.rejects(openai.chat.completions.create({model: "tiny-r1", messages: [{role: "user", content: "x ".repeat(1_000_000)}]}),
            (error: unknown) => error instanceof OpenAI.BadRequestError && /at least/.test(error.message));
        assert.equal((await openai.models.list()).data.length, 1);
    });
});
