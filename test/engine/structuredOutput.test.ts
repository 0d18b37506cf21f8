import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../src/engine/embedded/LlamaLoadedModel.js";
import {UnsupportedOptionError} from "../../src/engine/errors.js";
import {checkJsonSchema} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import type {GenerationEvent, GenerationOptions, GenerationResult, ToolDefinition} from "../../src/engine/types.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "./tinyR1Model.js";

const STORIES = "models/stories260K.gguf";
const skipR1 = skipWithoutShared(R1_VOCAB);
const skipStories = skipWithoutShared(STORIES);
let r1: LlamaLoadedModel;
let stories: LlamaLoadedModel;
let cleanup = () => {};

before(async () => {
    if (skipR1 === false) {
        const written = await writeTinyR1Model();
        cleanup = written.cleanup;
        r1 = await loadModel({path: written.path, contextSize: 2048, threads: 1});
    }
    if (skipStories === false) stories = await loadModel({path: sharedPath(STORIES), contextSize: 2048, threads: 1});
});

after(async () => {
    await r1?.dispose();
    await stories?.dispose();
    cleanup();
});

async function collect(events: AsyncIterable<GenerationEvent>): Promise<{events: GenerationEvent[], result: GenerationResult}> {
    const all: GenerationEvent[] = [];
    for await (const event of events) all.push(event);
    const done = all.at(-1);
    assert.equal(done?.type, "done");
    return {events: all, result: (done as {type: "done", result: GenerationResult}).result};
}

const WEATHER: ToolDefinition = {
    name: "get_weather",
    description: "Current weather of a city",
    parameters: {type: "object", properties: {city: {type: "string", maxLength: 12}, unit: {enum: ["c", "f"]}}, required: ["city", "unit"]}
};
const SEARCH: ToolDefinition = {name: "search", parameters: {type: "object", properties: {query: {type: "string", maxLength: 12}, limit: {type: "integer"}}, required: ["query"]}};
const ask = [{role: "user" as const, content: "What is the weather in Paris?"}];

function assertValidCalls(result: GenerationResult, events: GenerationEvent[], tools: ToolDefinition[]): void {
    assert.equal(result.finishReason, "tool_calls");
    assert.ok(result.toolCalls.length >= 1);
    const streamed = events.filter((e) => e.type === "toolCall").map((e) => (e as {call: unknown}).call);
    assert.deepEqual(streamed, result.toolCalls, "each call is streamed once, as in the result");
    for (const call of result.toolCalls) {
        const tool = tools.find((t) => t.name === call.name);
        assert.ok(tool, `calls an offered tool, not ${call.name}`);
        assert.match(call.id, /^call_/);
        assert.equal(validateJson(JSON.parse(call.arguments), checkJsonSchema(tool.parameters, "p")), undefined, call.arguments);
    }
}

for (const [label, get, think] of [["tiny R1 (random weights)", () => r1, {thinkBudget: 8}], ["stories260K", () => stories, {}]] as const) {
    const skip = label === "stories260K" ? skipStories : skipR1;

    test(`${label}: tool_choice required makes a schema-valid call after the reasoning`, {skip}, async () => {
        for (const seed of [1, 2, 3]) {
            const {events, result} = await collect(get().chat(ask, {...think, seed, maxTokens: 400, tools: [WEATHER, SEARCH], toolChoice: "required"}));
            assertValidCalls(result, events, [WEATHER, SEARCH]);
            assert.equal(result.answer, "");
        }
    });

    test(`${label}: a named tool choice calls exactly that tool, once without parallel calls`, {skip}, async () => {
        const {events, result} = await collect(get().chat(ask, {...think, seed: 4, maxTokens: 400, tools: [WEATHER, SEARCH], toolChoice: {name: "search"}, parallelToolCalls: false}));
        assertValidCalls(result, events, [SEARCH]);
        assert.equal(result.toolCalls.length, 1);
    });

    test(`${label}: tool_choice auto either calls validly or answers with text`, {skip}, async () => {
        for (const seed of [5, 6]) {
            const {events, result} = await collect(get().chat(ask, {...think, seed, maxTokens: 400, tools: [WEATHER]}));
            // Random weights may ramble in the free-text branch until max_tokens; a call is never half-made.
            if (result.toolCalls.length > 0) assertValidCalls(result, events, [WEATHER]);
            else assert.ok(result.finishReason === "stop" || result.finishReason === "length", result.finishReason);
        }
    });

    test(`${label}: a json_schema response format gives an answer that parses and validates`, {skip}, async () => {
        const schema = {type: "object", properties: {name: {type: "string", maxLength: 10}, age: {type: "integer"}, tags: {type: "array", items: {type: "boolean"}, maxItems: 3}}, required: ["name", "age", "tags"], additionalProperties: false};
        const options: GenerationOptions = {...think, seed: 7, maxTokens: 400, responseFormat: {type: "json_schema", schema}};
        const {events, result} = await collect(get().chat(ask, options));
        assert.equal(result.finishReason, "stop");
        assert.equal(validateJson(JSON.parse(result.answer), checkJsonSchema(schema, "s")), undefined, result.answer);
        assert.equal(events.filter((e) => e.type === "answer").map((e) => (e as {text: string}).text).join(""), result.answer, "the JSON streams as answer text");
        // Tools offered but not to be called: the format still applies and streams.
        const none = await collect(get().chat(ask, {...think, seed: 7, maxTokens: 400, tools: [WEATHER], toolChoice: "none", responseFormat: {type: "json_schema", schema}}));
        assert.equal(validateJson(JSON.parse(none.result.answer), checkJsonSchema(schema, "s")), undefined, none.result.answer);
        assert.equal(none.events.filter((e) => e.type === "answer").length > 1 || none.result.answer.length <= 2, true, "streamed in pieces");
        // Any object: random weights may keep adding keys until max_tokens; a finished one parses.
        const json = await collect(get().chat(ask, {...think, seed: 8, maxTokens: 400, responseFormat: {type: "json_object"}}));
        if (json.result.finishReason === "stop") assert.equal(typeof JSON.parse(json.result.answer), "object");
        else assert.equal(json.result.finishReason, "length");
    });
}

test("tiny R1: the reasoning runs free before the constrained answer", {skip: skipR1}, async () => {
    const {result} = await collect(r1.chat(ask, {thinkBudget: 8, seed: 9, maxTokens: 400, responseFormat: {type: "json_object"}}));
    assert.equal(result.usage.reasoningTokens, 8);
    assert.ok(result.reasoning.length > 0);
});

test("an unknown tool in toolChoice or an unsupported schema is refused by name before generating", {skip: skipR1}, () => {
    assert.throws(() => r1.chat(ask, {tools: [WEATHER], toolChoice: {name: "nope"}}), (e: unknown) => e instanceof UnsupportedOptionError && e.option === "toolChoice" && /nope/.test(e.message));
    assert.throws(() => r1.chat(ask, {tools: [{name: "x", parameters: {type: "object", properties: {a: {type: "string", pattern: "^a"}}}}]}),
        (e: unknown) => e instanceof UnsupportedOptionError && e.option === "tools[0].parameters.properties.a.pattern");
});
