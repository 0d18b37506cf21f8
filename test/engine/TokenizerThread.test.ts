// The tokenizer thread gives exactly the main thread's tokens (R1 text with special tokens, plain
// text, a chat wrapper's LlamaText), and a long prompt through the engine is the prompt a short
// route would have made (the count the main thread gives).
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {getLlama, LlamaText, SpecialTokensText} from "node-llama-cpp";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../src/engine/embedded/LlamaLoadedModel.js";
import {MAIN_THREAD_TOKENIZE_CHARS, TokenizerThread} from "../../src/engine/embedded/TokenizerThread.js";
import {ContextOverflowError} from "../../src/engine/errors.js";
import {formatR1Prompt} from "../../src/engine/formatR1Prompt.js";
import type {GenerationEvent} from "../../src/engine/types.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "./tinyR1Model.js";

const skip = skipWithoutShared(R1_VOCAB);
let model: LlamaLoadedModel;
let path = "";
let cleanup = () => {};

before(async () => {
    if (skip !== false) return;
    const written = await writeTinyR1Model();
    ({path, cleanup} = written);
    model = await loadModel({path, contextSize: 512, threads: 1});
});

after(async () => {
    await model?.dispose();
    cleanup();
});

test("the tokenizer thread's tokens are the main thread's", {skip}, async () => {
    const thread = new TokenizerThread({path, gpu: (await getLlama({build: "never"})).gpu});
    try {
        const text = "<｜User｜>Why is the sky blue? 12345 ünïcödé 空 🙂\n\n<｜Assistant｜><think>\n".repeat(50);
        const ids = async (tokens: Promise<Uint32Array>) => Array.from(await tokens);
        assert.deepEqual(await ids(thread.tokenize(text, true)), model.model.tokenize(text, true), "special tokens parsed");
        assert.deepEqual(await ids(thread.tokenize(text, false)), model.model.tokenize(text, false), "special tokens as text");
        const llamaText = LlamaText([new SpecialTokensText("<｜User｜>"), "Hi <｜Assistant｜> there", new SpecialTokensText("<｜Assistant｜>")]);
        assert.deepEqual(await ids(thread.tokenizeLlamaText(llamaText.toJSON())), llamaText.tokenize(model.model.tokenizer));
        // Jobs queue one after another and each gets its own answer.
        const [a, b] = await Promise.all([ids(thread.tokenize("one two", false)), ids(thread.tokenize("three", false))]);
        assert.deepEqual([a, b], [model.model.tokenize("one two", false), model.model.tokenize("three", false)]);
    } finally {
        await thread.close();
    }
});

test("a prompt over MAIN_THREAD_TOKENIZE_CHARS is tokenized off the main thread into the same prompt", {skip}, async () => {
    const long = "The sky is blue because of Rayleigh scattering. ".repeat(Math.ceil((MAIN_THREAD_TOKENIZE_CHARS + 1) / 48));
    // Over the context: the engine refuses it only after tokenizing, with the exact count.
    const messages = [{role: "user" as const, content: long}];
    // Counted on the main thread, as the engine tokenized every prompt before.
    const expected = model.model.tokenize(formatR1Prompt(messages, {bos: model.model.tokens.bosString ?? undefined}), true).length;
    assert.equal(await model.countChatTokens(messages), expected, "count_tokens counts the same off the main thread");
    assert.ok(expected > 512, String(expected));
    await assert.rejects(async () => {
        for await (const _ of model.chat(messages) as AsyncIterable<GenerationEvent>) { /* refused before any event */ }
    }, (error: unknown) => error instanceof ContextOverflowError && !error.atLeast && error.promptTokens === expected);
});
