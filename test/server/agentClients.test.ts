// Tool calls and structured output through the official `openai` and `ollama` clients, against
// the real server and engine on stories260K and a tiny random-weight R1-Distill-Qwen (real
// tokenizer and template): with the grammar, even random weights give schema-valid calls/answers.
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import {Ollama} from "ollama";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {checkJsonSchema} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";

const STORIES = "models/stories260K.gguf";
const WEATHER = {
    name: "get_weather",
    description: "Current weather of a city",
    parameters: {type: "object", properties: {city: {type: "string", maxLength: 12}, unit: {type: "string", enum: ["c", "f"]}}, required: ["city", "unit"], additionalProperties: false}
};
const PERSON = {type: "object", properties: {name: {type: "string", maxLength: 10}, age: {type: "integer"}}, required: ["name", "age"], additionalProperties: false};

function assertValid(json: string | object, schema: object): void {
    const value = typeof json === "string" ? JSON.parse(json) : json;
    assert.equal(validateJson(value, checkJsonSchema(schema, "s")), undefined, JSON.stringify(value));
}

for (const [label, modelName, skip, extra] of [
    ["stories260K", "stories", skipWithoutShared(STORIES), {}],
    ["tiny R1 (random weights)", "tiny-r1", skipWithoutShared(R1_VOCAB), {reasoning_budget: 6}]
] as const) {
    describe(`official clients, tools and structured output: ${label}`, {skip}, () => {
        let server: RunningServer;
        let cleanup: (() => void) | undefined;
        let openai: OpenAI;
        let ollama: Ollama;

        before(async () => {
            let path = "";
            if (modelName === "stories") path = sharedPath(STORIES);
            else {
                const written = await writeTinyR1Model();
                cleanup = written.cleanup;
                path = written.path;
            }
            const source = new FileModelSource({
                files: [{name: modelName, path}],
                load: (file, options) => loadModel({path: file, parallel: options.parallel, contextSize: options.contextSize ?? 2048, threads: 1})
            });
            server = await startServer({source, port: 0, parallel: 1});
            openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
            ollama = new Ollama({host: server.url});
        });

        after(async () => {
            await server?.stop();
            cleanup?.();
        });

        test("ollama show, before the model is loaded: family and capabilities read from the file", async () => {
            const show = await ollama.show({model: modelName});
            assert.equal(show.details.family, modelName === "stories" ? "llama" : "qwen2");
            assert.ok(show.capabilities.includes("tools"));
            assert.equal(show.capabilities.includes("thinking"), modelName !== "stories");
            assert.equal((await ollama.ps()).models.length, 0, "showing did not load it");
        });

        test("ollama think: true is honoured on a reasoning model and a 400 naming think on one that does not reason", async () => {
            const request = {model: modelName, messages: [{role: "user", content: "Hi"}], think: true, stream: false as const, options: {num_predict: 8, seed: 1, ...(extra as object)}};
            if (modelName === "stories") {
                await assert.rejects(ollama.chat(request), (e: any) => e.status_code === 400 && /^think: this model does not reason/.test(e.error));
            } else {
                assert.ok((await ollama.chat(request)).message.thinking!.length > 0);
            }
        });

        test("embeddings: openai (base64 by default, and float) and ollama /api/embed give the same unit vectors", async () => {
            const texts = ["a cat sat", "tool calls"];
            const base64 = await openai.embeddings.create({model: modelName, input: texts});
            const float = await openai.embeddings.create({model: modelName, input: texts, encoding_format: "float"});
            const native = await ollama.embed({model: modelName, input: texts});
            assert.equal(base64.data.length, 2);
            assert.ok(base64.usage.prompt_tokens > 0);
            for (let i = 0; i < 2; i++) {
                const vector = float.data[i]!.embedding;
                assert.ok(vector.length > 0);
                assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-3, "unit length");
                assert.deepEqual(base64.data[i]!.embedding.map((x) => Math.fround(x)), vector.map((x) => Math.fround(x)));
                assert.ok(native.embeddings[i]!.every((x, j) => Math.abs(x - vector[j]!) < 1e-6));
            }
            assert.notDeepEqual(float.data[0]!.embedding, float.data[1]!.embedding);
        });

        test("openai: tool_choice required gives tool_calls whose arguments validate; the tool turn goes on", async () => {
            const messages: OpenAI.ChatCompletionMessageParam[] = [{role: "user", content: "Weather in Paris?"}];
            const chat = await openai.chat.completions.create({
                model: modelName, messages, max_tokens: 1200, seed: 1, tools: [{type: "function", function: WEATHER}], tool_choice: "required",
                ...(extra as object)
            });
            const choice = chat.choices[0]!;
            assert.equal(choice.finish_reason, "tool_calls");
            const calls = choice.message.tool_calls!;
            assert.ok(calls.length >= 1);
            for (const call of calls) {
                assert.equal(call.type, "function");
                if (call.type !== "function") continue;
                assert.equal(call.function.name, "get_weather");
                assertValid(call.function.arguments, WEATHER.parameters);
            }
            const next = await openai.chat.completions.create({
                model: modelName, max_tokens: 8, seed: 2, tools: [{type: "function", function: WEATHER}], tool_choice: "none",
                messages: [...messages, choice.message, ...calls.map((call) => ({role: "tool" as const, tool_call_id: call.id, content: "{\"temp\": 21}"}))],
                ...(extra as object)
            });
            assert.equal(next.choices[0]!.message.tool_calls, undefined);
            assert.equal(typeof next.choices[0]!.message.content, "string");
        });

        test("openai streaming: tool_calls deltas accumulate to a named, valid call", async () => {
            const stream = openai.chat.completions.stream({
                model: modelName, messages: [{role: "user", content: "Weather?"}], max_tokens: 300, seed: 3,
                tools: [{type: "function", function: WEATHER}], tool_choice: {type: "function", function: {name: "get_weather"}}, parallel_tool_calls: false,
                ...(extra as object)
            });
            const final = await stream.finalChatCompletion();
            const calls = final.choices[0]!.message.tool_calls!;
            assert.equal(calls.length, 1);
            assert.equal(final.choices[0]!.finish_reason, "tool_calls");
            const call = calls[0]!;
            assert.ok(call.type === "function" && call.id.startsWith("call_"));
            if (call.type === "function") assertValid(call.function.arguments, WEATHER.parameters);
        });

        test("openai: response_format json_schema gives content that parses and validates", async () => {
            const chat = await openai.chat.completions.create({
                model: modelName, messages: [{role: "user", content: "Who?"}], max_tokens: 300, seed: 4,
                response_format: {type: "json_schema", json_schema: {name: "person", schema: PERSON, strict: true}},
                ...(extra as object)
            });
            assert.equal(chat.choices[0]!.finish_reason, "stop");
            assertValid(chat.choices[0]!.message.content!, PERSON);
        });

        test("ollama: tools give message.tool_calls with object arguments that validate; format gives valid JSON", async () => {
            const response = await ollama.chat({
                model: modelName, messages: [{role: "user", content: "Weather in Oslo?"}], stream: false,
                tools: [{type: "function", function: WEATHER as never}],
                options: {num_predict: 300, seed: 5, ...(extra as object)}
            });
            // Ollama has no tool_choice: with tools the model may also answer in text (random weights may ramble).
            for (const call of response.message.tool_calls ?? []) {
                assert.equal(call.function.name, "get_weather");
                assertValid(call.function.arguments, WEATHER.parameters);
            }
            const formatted = await ollama.chat({
                model: modelName, messages: [{role: "user", content: "Who?"}], format: PERSON, stream: false,
                options: {num_predict: 300, seed: 6, ...(extra as object)}
            });
            assertValid(formatted.message.content, PERSON);
            const streamed = await ollama.chat({
                model: modelName, messages: [{role: "user", content: "Who?"}], format: PERSON, stream: true,
                options: {num_predict: 300, seed: 6, ...(extra as object)}
            });
            let content = "";
            for await (const part of streamed) content += part.message.content;
            assert.equal(content, formatted.message.content, "streamed and whole answers are the same JSON");
        });
    });
}
