// Anthropic's Messages API through the official `@anthropic-ai/sdk`: against a scripted R1-shaped
// model (every mapping checked exactly), then against the real engine on a tiny R1-shaped model
// (thinking, tools with a schema-valid call even from random weights, streaming, count_tokens).
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {checkJsonSchema} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";
import {FakeSource} from "./FakeModel.js";

const WEATHER = {
    name: "get_weather",
    description: "Current weather of a city",
    input_schema: {type: "object" as const, properties: {city: {type: "string", maxLength: 12}}, required: ["city"], additionalProperties: false}
};

describe("Anthropic Messages API on a scripted model", () => {
    let server: RunningServer;
    let source: FakeSource;
    let client: Anthropic;

    before(async () => {
        source = new FakeSource({
            "deepseek-r1:tiny": {reasoning: ["Two ", "plus ", "two."], answer: ["4", "."]},
            caller: {reasoning: ["Need ", "weather."], answer: [], toolCalls: [{id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}"}]}
        });
        server = await startServer({source, port: 0, apiKey: "secret"});
        client = new Anthropic({baseURL: server.url, apiKey: "secret", maxRetries: 0});
    });

    after(async () => {
        await server?.stop();
    });

    const lastCall = () => source.models.flatMap((m) => m.calls).at(-1)!;

    test("messages.create with thinking: a thinking block then the text, the budget reaches the engine, usage adds up", async () => {
        const message = await client.messages.create({
            model: "deepseek-r1:tiny", max_tokens: 100, system: "Be brief.",
            thinking: {type: "enabled", budget_tokens: 1024},
            messages: [{role: "user", content: "2+2?"}]
        });
        assert.equal(message.type, "message");
        assert.equal(message.role, "assistant");
        assert.match(message.id, /^msg_/);
        assert.deepEqual(message.content.map((b) => b.type), ["thinking", "text"]);
        assert.equal((message.content[0] as Anthropic.ThinkingBlock).thinking, "Two plus two.");
        assert.equal((message.content[1] as Anthropic.TextBlock).text, "4.");
        assert.equal(message.stop_reason, "end_turn");
        assert.equal(message.usage.output_tokens, 5);
        assert.equal(message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0), 3);
        const call = lastCall();
        assert.equal(call.options.thinkBudget, 1024);
        assert.equal(call.options.maxTokens, 100);
        assert.deepEqual(call.messages, [{role: "system", content: "Be brief."}, {role: "user", content: "2+2?"}]);
    });

    test("without thinking the model still reasons but shows only text; thinking disabled skips reasoning", async () => {
        const plain = await client.messages.create({model: "deepseek-r1:tiny", max_tokens: 100, messages: [{role: "user", content: "2+2?"}]});
        assert.deepEqual(plain.content.map((b) => b.type), ["text"]);
        assert.equal(lastCall().options.think, undefined);
        const disabled = await client.messages.create({model: "deepseek-r1:tiny", max_tokens: 100, thinking: {type: "disabled"}, messages: [{role: "user", content: "2+2?"}]});
        assert.deepEqual(disabled.content.map((b) => b.type), ["text"]);
        assert.equal(lastCall().options.think, false);
    });

    test("max_tokens cuts with stop_reason max_tokens; sampling fields reach the engine", async () => {
        // The SDK's types no longer list the sampling fields (newer models ignore them); the API still takes them.
        const message = await client.messages.create({
            model: "deepseek-r1:tiny", max_tokens: 2, stop_sequences: ["END"], messages: [{role: "user", content: "2+2?"}],
            ...({temperature: 0.3, top_p: 0.9, top_k: 5} as object)
        });
        assert.equal(message.stop_reason, "max_tokens");
        const {options} = lastCall();
        assert.deepEqual([options.temperature, options.topP, options.topK, options.stop], [0.3, 0.9, 5, ["END"]]);
    });

    test("tools: tool_use blocks with parsed input and stop_reason tool_use; the tool_result turn reaches the engine as a tool turn, returned thinking dropped", async () => {
        const first = await client.messages.create({
            model: "caller", max_tokens: 100, tools: [WEATHER], tool_choice: {type: "any", disable_parallel_tool_use: true},
            thinking: {type: "enabled", budget_tokens: 2000}, messages: [{role: "user", content: "Weather in Paris?"}]
        });
        assert.equal(first.stop_reason, "tool_use");
        const use = first.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
        assert.deepEqual([use.id, use.name, use.input], ["call_1", "get_weather", {city: "Paris"}]);
        const options = lastCall().options;
        assert.equal(options.toolChoice, "required");
        assert.equal(options.parallelToolCalls, false);
        assert.deepEqual(options.tools, [{name: "get_weather", description: "Current weather of a city", parameters: WEATHER.input_schema}]);

        await client.messages.create({
            model: "deepseek-r1:tiny", max_tokens: 100, tools: [WEATHER],
            messages: [
                {role: "user", content: "Weather in Paris?"},
                {role: "assistant", content: first.content},
                {role: "user", content: [{type: "tool_result", tool_use_id: "call_1", content: [{type: "text", text: "18 C"}]}, {type: "text", text: "Thanks"}]}
            ]
        });
        assert.deepEqual(lastCall().messages, [
            {role: "user", content: "Weather in Paris?"},
            {role: "assistant", content: "", toolCalls: [{id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}"}]},
            {role: "tool", content: "18 C", toolCallId: "call_1"},
            {role: "user", content: "Thanks"}
        ]);
        const named = await client.messages.create({model: "caller", max_tokens: 100, tools: [WEATHER], tool_choice: {type: "tool", name: "get_weather"}, messages: [{role: "user", content: "x"}]});
        assert.equal(named.stop_reason, "tool_use");
        assert.deepEqual(lastCall().options.toolChoice, {name: "get_weather"});
    });

    test("messages.stream: Anthropic's event order, thinking and text deltas, tool_use input, the final message", async () => {
        const stream = client.messages.stream({
            model: "deepseek-r1:tiny", max_tokens: 100, thinking: {type: "enabled", budget_tokens: 1024}, messages: [{role: "user", content: "2+2?"}]
        });
        const types: string[] = [];
        let thinking = "";
        let text = "";
        for await (const event of stream) {
            types.push(event.type === "content_block_delta" ? `delta:${event.delta.type}` : event.type === "content_block_start" ? `start:${event.content_block.type}` : event.type);
            if (event.type === "content_block_delta" && event.delta.type === "thinking_delta") thinking += event.delta.thinking;
            if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
        }
        const collapsed = types.filter((t, i) => t !== types[i - 1]);
        assert.deepEqual(collapsed, [
            "message_start", "start:thinking", "delta:thinking_delta", "delta:signature_delta", "content_block_stop",
            "start:text", "delta:text_delta", "content_block_stop", "message_delta", "message_stop"
        ]);
        assert.equal(thinking, "Two plus two.");
        assert.equal(text, "4.");
        const final = await stream.finalMessage();
        assert.deepEqual(final.content.map((b) => b.type), ["thinking", "text"]);
        assert.equal(final.usage.output_tokens, 5);
        assert.equal(final.stop_reason, "end_turn");

        const tools = client.messages.stream({model: "caller", max_tokens: 100, tools: [WEATHER], messages: [{role: "user", content: "Weather?"}]});
        const message = await tools.finalMessage();
        assert.equal(message.stop_reason, "tool_use");
        assert.deepEqual(message.content.map((b) => b.type), ["tool_use"]);
        assert.deepEqual((message.content[0] as Anthropic.ToolUseBlock).input, {city: "Paris"});
    });

    test("a stop sequence ends the reply with stop_reason stop_sequence naming it, streamed or not; message_start counts the prompt", async () => {
        const request = {model: "deepseek-r1:tiny", max_tokens: 100, stop_sequences: ["END", "."], system: "Be brief.", messages: [{role: "user" as const, content: "what is two plus two"}]};
        const message = await client.messages.create(request);
        assert.equal((message.content[0] as Anthropic.TextBlock).text, "4");
        assert.equal(message.stop_reason, "stop_sequence");
        assert.equal(message.stop_sequence, ".");

        const stream = client.messages.stream(request);
        let start: Anthropic.Usage | undefined;
        let delta: Anthropic.MessageDeltaEvent | undefined;
        for await (const event of stream) {
            // A copy: the SDK makes message_start's message its snapshot and updates it from message_delta.
            if (event.type === "message_start") start = structuredClone(event.message.usage);
            if (event.type === "message_delta") delta = event;
        }
        // The prompt's size before any output: "Be brief." and the question, seven words (the scripted model counts words).
        assert.deepEqual(start, {input_tokens: 7, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0});
        assert.deepEqual([delta?.delta.stop_reason, delta?.delta.stop_sequence], ["stop_sequence", "."]);
        const final = await stream.finalMessage();
        assert.deepEqual([final.stop_reason, final.stop_sequence, final.usage.input_tokens], ["stop_sequence", ".", 7]);

        const unmatched = await client.messages.create({...request, stop_sequences: ["END"]});
        assert.deepEqual([unmatched.stop_reason, unmatched.stop_sequence], ["end_turn", null]);
    });

    test("count_tokens answers input_tokens", async () => {
        const counted = await client.messages.countTokens({model: "deepseek-r1:tiny", system: "Be brief.", messages: [{role: "user", content: "what is two plus two"}]});
        assert.equal(counted.input_tokens, 7);
    });

    test("errors come in Anthropic's shape as the SDK's typed errors", async () => {
        await assert.rejects(client.messages.create({model: "missing", max_tokens: 10, messages: [{role: "user", content: "x"}]}),
            (e: unknown) => e instanceof Anthropic.NotFoundError && (e.error as any).type === "error" && (e.error as any).error.type === "not_found_error");
        const bad = (body: object) => client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming);
        const cases: [object, RegExp][] = [
            [{model: "deepseek-r1:tiny", messages: [{role: "user", content: "x"}]}, /max_tokens/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, messages: [{role: "user", content: [{type: "image", source: {type: "base64", media_type: "image/png", data: "AA=="}}]}]}, /"image" are not supported/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, tools: [WEATHER], tool_choice: {type: "tool", name: "nope"}, messages: [{role: "user", content: "x"}]}, /tool_choice/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, messages: [{role: "user", content: [{type: "tool_result", tool_use_id: "call_9", content: "x"}]}]}, /call_9/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, tools: [{name: "web", type: "web_search_20250305"}], messages: [{role: "user", content: "x"}]}, /custom tools/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, messages: [{role: "user", content: "x"}], container: "c"}, /container/],
            [{model: "deepseek-r1:tiny", max_tokens: 10, tools: [{...WEATHER, input_schema: {type: "object", properties: {a: {type: "string", pattern: "x+"}}}}], messages: [{role: "user", content: "x"}]}, /tools\.0\.input_schema/]
        ];
        for (const [body, message] of cases)
            await assert.rejects(bad(body), (e: unknown) => e instanceof Anthropic.BadRequestError && (e.error as any).error.type === "invalid_request_error" && message.test((e.error as any).error.message),
                JSON.stringify(body));
        const stranger = new Anthropic({baseURL: server.url, apiKey: "wrong", maxRetries: 0});
        await assert.rejects(stranger.messages.create({model: "deepseek-r1:tiny", max_tokens: 10, messages: [{role: "user", content: "x"}]}),
            (e: unknown) => e instanceof Anthropic.AuthenticationError && (e.error as any).error.type === "authentication_error");
    });
});

describe("Anthropic Messages API on the real engine (tiny R1-shaped model, random weights)", {skip: skipWithoutShared(R1_VOCAB)}, () => {
    let server: RunningServer;
    let cleanup: (() => void) | undefined;
    let client: Anthropic;

    before(async () => {
        const written = await writeTinyR1Model();
        cleanup = written.cleanup;
        const source = new FileModelSource({
            files: [{name: "tiny-r1", path: written.path}],
            load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: 2048, threads: 1})
        });
        server = await startServer({source, port: 0});
        client = new Anthropic({baseURL: server.url, apiKey: "unused", maxRetries: 0});
    });

    after(async () => {
        await server?.stop();
        cleanup?.();
    });

    test("messages.create with thinking and a forced tool: a thinking block and a schema-valid tool_use", async () => {
        const message = await client.messages.create({
            model: "tiny-r1", max_tokens: 300, thinking: {type: "enabled", budget_tokens: 4},
            tools: [WEATHER], tool_choice: {type: "tool", name: "get_weather", disable_parallel_tool_use: true},
            messages: [{role: "user", content: "Weather in Paris?"}], ...({temperature: 0} as object)
        });
        assert.equal(message.stop_reason, "tool_use");
        assert.equal(message.content[0]!.type, "thinking");
        const uses = message.content.filter((b) => b.type === "tool_use") as Anthropic.ToolUseBlock[];
        assert.ok(uses.length >= 1);
        for (const use of uses) {
            assert.equal(use.name, "get_weather");
            assert.equal(validateJson(use.input, checkJsonSchema(WEATHER.input_schema, "s")), undefined, JSON.stringify(use.input));
        }
    });

    test("messages.stream with thinking: thinking deltas before text deltas; count_tokens equals the prompt the engine evaluated", async () => {
        const messages: Anthropic.MessageParam[] = [{role: "user", content: "Why is the sky blue?"}];
        const stream = client.messages.stream({model: "tiny-r1", max_tokens: 12, thinking: {type: "enabled", budget_tokens: 3}, system: "Answer briefly.", messages, ...({temperature: 0} as object)});
        const kinds: string[] = [];
        let startUsage: Anthropic.Usage | undefined;
        for await (const event of stream) {
            if (event.type === "content_block_delta") kinds.push(event.delta.type);
            if (event.type === "message_start") startUsage = structuredClone(event.message.usage);
        }
        assert.ok(kinds.includes("thinking_delta"), kinds.join(","));
        if (kinds.includes("text_delta")) assert.ok(kinds.lastIndexOf("thinking_delta") < kinds.indexOf("text_delta"));
        const final = await stream.finalMessage();
        assert.ok(final.usage.output_tokens > 3 && final.usage.output_tokens <= 12);
        const counted = await client.messages.countTokens({model: "tiny-r1", system: "Answer briefly.", thinking: {type: "enabled", budget_tokens: 3}, messages});
        assert.equal(counted.input_tokens, final.usage.input_tokens + (final.usage.cache_read_input_tokens ?? 0));
        assert.ok(counted.input_tokens > 10, String(counted.input_tokens));
        assert.deepEqual(startUsage && [startUsage.input_tokens, startUsage.cache_read_input_tokens], [final.usage.input_tokens, final.usage.cache_read_input_tokens],
            "message_start already counts the prompt the engine evaluated");
    });

    test("a stop sequence the model generates: stop_reason stop_sequence, the text before it, streamed and not", async () => {
        const request = {model: "tiny-r1", max_tokens: 10, thinking: {type: "disabled" as const}, messages: [{role: "user" as const, content: "Hi"}], ...({temperature: 0} as object)};
        const free = await client.messages.create(request);
        const text = (free.content[0] as Anthropic.TextBlock).text;
        assert.ok([...text].length >= 3, JSON.stringify(text));
        const stop = [...text][2]!;
        const expected = text.slice(0, text.indexOf(stop));
        const stopped = await client.messages.create({...request, stop_sequences: [stop]});
        assert.deepEqual([stopped.stop_reason, stopped.stop_sequence, (stopped.content[0] as Anthropic.TextBlock).text], ["stop_sequence", stop, expected]);
        const streamed = await client.messages.stream({...request, stop_sequences: [stop]}).finalMessage();
        assert.deepEqual([streamed.stop_reason, streamed.stop_sequence, (streamed.content[0] as Anthropic.TextBlock).text], ["stop_sequence", stop, expected]);
    });
});
