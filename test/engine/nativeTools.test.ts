// Tool calls in a model's own format, on random-weight stand-ins: the tiny R1 whose vocabulary
// has R1-0528's tool markers as tokens (so its template's format counts as trained), one with a
// Qwen-style template (<tool_call>), and the plain distill vocabulary (no markers: the JSON
// envelope). The context the sequence holds afterwards shows which format was written.
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import type {LlamaLoadedModel} from "../../src/engine/embedded/LlamaLoadedModel.js";
import {checkJsonSchema} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import {detectNativeToolFormat} from "../../src/engine/nativeToolFormat.js";
import type {GenerationEvent, GenerationOptions, GenerationResult, ToolDefinition} from "../../src/engine/types.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model, writeTinyR1ModelWithVocab} from "./tinyR1Model.js";

const R1_TOOL_TOKENS = ["<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>", "<｜tool▁sep｜>",
    "<｜tool▁outputs▁begin｜>", "<｜tool▁outputs▁end｜>", "<｜tool▁output▁begin｜>", "<｜tool▁output▁end｜>"];
const QWEN_TEMPLATE = "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}"
    + "{#- tools: <tool_call>{\"name\": …, \"arguments\": …}</tool_call> #}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const WEATHER: ToolDefinition = {
    name: "get_weather",
    parameters: {type: "object", properties: {city: {type: "string", maxLength: 12}, unit: {enum: ["c", "f"]}}, required: ["city", "unit"]}
};
const SEARCH: ToolDefinition = {name: "search", parameters: {type: "object", properties: {q: {type: "string", maxLength: 8}}, required: ["q"]}};
const ask = [{role: "user" as const, content: "Weather in Paris?"}];

async function run(model: LlamaLoadedModel, options: GenerationOptions): Promise<{result: GenerationResult, context: string, events: GenerationEvent[]}> {
    const events: GenerationEvent[] = [];
    for await (const event of model.chat(ask, options)) events.push(event);
    const done = events.at(-1) as {type: "done", result: GenerationResult};
    const sequence = model.acquireSequence();
    const context = model.model.detokenize(sequence.contextTokens, true);
    model.releaseSequence(sequence);
    return {result: done.result, context, events};
}

function assertValid(result: GenerationResult, tools: ToolDefinition[]): void {
    assert.equal(result.finishReason, "tool_calls");
    assert.ok(result.toolCalls.length >= 1);
    for (const call of result.toolCalls) {
        const tool = tools.find((t) => t.name === call.name);
        assert.ok(tool, call.name);
        assert.equal(validateJson(JSON.parse(call.arguments), checkJsonSchema(tool.parameters, "p")), undefined, call.arguments);
    }
}

test("detectNativeToolFormat: a format counts only when the template writes it and its marker is one token", () => {
    const r1 = "<｜User｜>{{c}}<｜Assistant｜>{{'<｜tool▁calls▁begin｜>'}}";
    assert.equal(detectNativeToolFormat(r1, () => true)?.name, "r1");
    assert.equal(detectNativeToolFormat(r1, () => false), undefined, "R1's distills: the template mentions calls, the vocabulary has no such token");
    assert.equal(detectNativeToolFormat("<|im_start|>{{'<tool_call>'}}", (t) => t === "<tool_call>")?.name, "qwen");
    assert.equal(detectNativeToolFormat("<|im_start|>", () => true), undefined);
    assert.equal(detectNativeToolFormat(undefined, () => true), undefined);
});

describe("native tool formats on random weights", {skip: skipWithoutShared(R1_VOCAB)}, () => {
    const models: Record<string, LlamaLoadedModel> = {};
    const cleanups: (() => void)[] = [];

    before(async () => {
        for (const [name, written] of [
            ["r1", await writeTinyR1ModelWithVocab({tokens: R1_TOOL_TOKENS})],
            ["qwen", await writeTinyR1ModelWithVocab({chatTemplate: QWEN_TEMPLATE})],
            ["distill", await writeTinyR1Model()]
        ] as const) {
            cleanups.push(written.cleanup);
            models[name] = await loadModel({path: written.path, contextSize: 2048, threads: 1});
        }
    });

    after(async () => {
        for (const model of Object.values(models)) await model.dispose();
        for (const cleanup of cleanups) cleanup();
    });

    test("R1-0528 format: a required call is written in R1's markers after the reasoning, name and arguments valid", async () => {
        for (const seed of [1, 2]) {
            const {result, context, events} = await run(models.r1!, {seed, thinkBudget: 6, maxTokens: 600, tools: [WEATHER, SEARCH], toolChoice: "required"});
            assertValid(result, [WEATHER, SEARCH]);
            assert.match(context, /<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>(get_weather|search)\n```json\n\{/);
            assert.ok(context.includes("You can call any of the following function tools"), "the tools are offered in R1's words");
            assert.equal(result.usage.reasoningTokens, 6, "the reasoning ran first");
            assert.deepEqual(events.filter((e) => e.type === "toolCall").map((e) => (e as {call: unknown}).call), result.toolCalls);
        }
    });

    test("R1-0528 format: a named choice without parallel calls makes exactly one call to that tool", async () => {
        const {result, context} = await run(models.r1!, {seed: 3, think: false, maxTokens: 400, tools: [WEATHER, SEARCH], toolChoice: {name: "search"}, parallelToolCalls: false});
        assertValid(result, [SEARCH]);
        assert.equal(result.toolCalls.length, 1);
        assert.ok(context.includes("function<｜tool▁sep｜>search\n```json\n{"));
    });

    test("R1-0528 format: with tool_choice auto the model may answer or open a block; any call is valid", async () => {
        for (const seed of [4, 5, 6]) {
            const {result} = await run(models.r1!, {seed, think: false, maxTokens: 300, tools: [WEATHER]});
            if (result.toolCalls.length > 0) assertValid(result, [WEATHER]);
            else assert.ok(result.finishReason === "stop" || result.finishReason === "length");
        }
    });

    test("Qwen format: a required call is written inside <tool_call> as {name, arguments}", async () => {
        const {result, context} = await run(models.qwen!, {seed: 7, maxTokens: 600, tools: [WEATHER], toolChoice: "required", parallelToolCalls: false});
        assertValid(result, [WEATHER]);
        assert.match(context, /<tool_call>\n\{\s*"name":\s*"get_weather",\s*"arguments":/);
        assert.ok(context.includes("<tools>"), "the tools are offered in Qwen's words");
    });

    test("the distill vocabulary has no tool tokens: the JSON envelope, not R1's markers", async () => {
        const {result, context} = await run(models.distill!, {seed: 8, thinkBudget: 4, maxTokens: 600, tools: [WEATHER], toolChoice: "required", parallelToolCalls: false});
        assertValid(result, [WEATHER]);
        assert.ok(!context.includes("function<｜tool▁sep｜>"));
        assert.match(context, /\{\s*"tool_calls":/);
    });
});
