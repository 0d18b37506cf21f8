// OpenAI's Responses API through the official `openai` client (`responses.create`, plain and
// streaming): against a scripted R1-shaped model (every mapping checked exactly), then against the
// real engine on a tiny R1-shaped model (reasoning items, a schema-valid function call).
import {after, before, describe, test} from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {checkJsonSchema} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import {FileModelSource} from "../../src/server/FileModelSource.js";
import {ResponseStore} from "../../src/server/ResponseStore.js";
import {startServer, type RunningServer} from "../../src/server/startServer.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "../engine/tinyR1Model.js";
import {FakeSource} from "./FakeModel.js";

const WEATHER = {
    type: "function" as const, name: "get_weather", description: "Current weather of a city", strict: true,
    parameters: {type: "object", properties: {city: {type: "string", maxLength: 12}}, required: ["city"], additionalProperties: false}
};

describe("OpenAI Responses API on a scripted model", () => {
    let server: RunningServer;
    let source: FakeSource;
    let openai: OpenAI;

    before(async () => {
        source = new FakeSource({
            "deepseek-r1:tiny": {reasoning: ["Two ", "plus ", "two."], answer: ["4", "."]},
            caller: {reasoning: ["Need ", "weather."], answer: [], toolCalls: [{id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}"}]}
        });
        server = await startServer({source, port: 0});
        openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
    });

    after(async () => {
        await server?.stop();
    });

    const lastCall = () => source.models.flatMap((m) => m.calls).at(-1)!;

    test("responses.create: instructions and text input; a reasoning item, then the message; output_text and usage", async () => {
        const response = await openai.responses.create({model: "deepseek-r1:tiny", instructions: "Be brief.", input: "2+2?", max_output_tokens: 100, temperature: 0.2});
        assert.equal(response.object, "response");
        assert.equal(response.status, "completed");
        assert.match(response.id, /^resp_/);
        assert.deepEqual(response.output.map((item) => item.type), ["reasoning", "message"]);
        const reasoning = response.output[0] as OpenAI.Responses.ResponseReasoningItem;
        assert.deepEqual(reasoning.content, [{type: "reasoning_text", text: "Two plus two."}]);
        assert.equal(response.output_text, "4.");
        assert.equal(response.usage?.output_tokens, 5);
        assert.equal(response.usage?.output_tokens_details.reasoning_tokens, 3);
        assert.equal(response.usage?.input_tokens, 3);
        assert.deepEqual(lastCall().messages, [{role: "system", content: "Be brief."}, {role: "user", content: "2+2?"}]);
        assert.deepEqual([lastCall().options.maxTokens, lastCall().options.temperature], [100, 0.2]);
    });

    test("streaming: response.created … reasoning_text deltas, output_text deltas … response.completed, in order", async () => {
        const stream = await openai.responses.create({model: "deepseek-r1:tiny", input: [{role: "user", content: "2+2?"}], stream: true});
        const types: string[] = [];
        let reasoning = "";
        let text = "";
        let completed: OpenAI.Responses.Response | undefined;
        let last = -1;
        for await (const event of stream) {
            types.push(event.type);
            assert.equal(event.sequence_number, last + 1);
            last = event.sequence_number;
            if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
            if (event.type === "response.output_text.delta") text += event.delta;
            if (event.type === "response.completed") completed = event.response;
        }
        const collapsed = types.filter((t, i) => t !== types[i - 1]);
        assert.deepEqual(collapsed, [
            "response.created", "response.in_progress",
            "response.output_item.added", "response.content_part.added", "response.reasoning_text.delta", "response.reasoning_text.done", "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.completed"
        ]);
        assert.equal(reasoning, "Two plus two.");
        assert.equal(text, "4.");
        assert.deepEqual(completed?.output.map((item) => item.type), ["reasoning", "message"]);
        assert.equal(completed?.usage?.output_tokens, 5);
    });

    test("function tools: a function_call item; its function_call_output goes back as a tool turn, by input or by previous_response_id", async () => {
        const first = await openai.responses.create({model: "caller", input: "Weather in Paris?", tools: [WEATHER], tool_choice: "required", parallel_tool_calls: false});
        const call = first.output.find((item) => item.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
        assert.deepEqual([call.call_id, call.name, call.arguments], ["call_1", "get_weather", "{\"city\":\"Paris\"}"]);
        assert.equal(lastCall().options.toolChoice, "required");
        assert.equal(lastCall().options.parallelToolCalls, false);

        const turns = [
            {role: "user", content: "Weather in Paris?"},
            {role: "assistant", content: "", toolCalls: [{id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}"}]},
            {role: "tool", content: "18 C", toolCallId: "call_1"}
        ];
        await openai.responses.create({model: "deepseek-r1:tiny", tools: [WEATHER], input: [
            {role: "user", content: "Weather in Paris?"}, ...first.output, {type: "function_call_output", call_id: "call_1", output: "18 C"}
        ] as OpenAI.Responses.ResponseInput});
        assert.deepEqual(lastCall().messages, turns);

        const chained = await openai.responses.create({model: "deepseek-r1:tiny", tools: [WEATHER], previous_response_id: first.id, input: [{type: "function_call_output", call_id: "call_1", output: "18 C"}]});
        assert.deepEqual(lastCall().messages, turns);
        assert.equal(chained.previous_response_id, first.id);
        // And one more turn on top of the chained one.
        await openai.responses.create({model: "deepseek-r1:tiny", previous_response_id: chained.id, input: "Thanks"});
        assert.deepEqual(lastCall().messages, [...turns, {role: "assistant", content: "4."}, {role: "user", content: "Thanks"}]);
    });

    test("store: false is not kept; stored responses can be read and deleted; max_output_tokens gives status incomplete", async () => {
        const unstored = await openai.responses.create({model: "deepseek-r1:tiny", input: "x", store: false});
        await assert.rejects(openai.responses.create({model: "deepseek-r1:tiny", input: "y", previous_response_id: unstored.id}),
            (e: unknown) => e instanceof OpenAI.NotFoundError && /not stored here/.test(e.message) && e.param === "previous_response_id");
        const stored = await openai.responses.create({model: "deepseek-r1:tiny", input: "x", max_output_tokens: 2});
        assert.equal(stored.status, "incomplete");
        assert.equal(stored.incomplete_details?.reason, "max_output_tokens");
        assert.equal((await openai.responses.retrieve(stored.id)).id, stored.id);
        await openai.responses.delete(stored.id);
        await assert.rejects(openai.responses.retrieve(stored.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    });

    test("bad input is a 400 naming the field, in OpenAI's shape", async () => {
        const cases: [object, RegExp][] = [
            [{model: "deepseek-r1:tiny", input: [{role: "user", content: [{type: "input_image", image_url: "http://x/y.png"}]}]}, /input_image/],
            [{model: "deepseek-r1:tiny", input: [{type: "item_reference", id: "x"}]}, /item_reference/],
            [{model: "deepseek-r1:tiny", input: "x", tools: [WEATHER], tool_choice: {type: "function", name: "nope"}}, /tool_choice/],
            [{model: "deepseek-r1:tiny", input: "x", tools: [{type: "web_search"}]}, /only function tools/],
            [{model: "deepseek-r1:tiny", input: [{type: "function_call_output", call_id: "call_9", output: "x"}]}, /call_9/],
            [{model: "deepseek-r1:tiny", input: "x", background: true}, /background/],
            [{model: "deepseek-r1:tiny", input: "x", text: {format: {type: "json_schema", name: "s", schema: {type: "object", properties: {a: {type: "string", pattern: "x+"}}}}}}, /text\.format/]
        ];
        for (const [body, message] of cases)
            await assert.rejects(openai.responses.create(body as OpenAI.Responses.ResponseCreateParamsNonStreaming),
                (e: unknown) => e instanceof OpenAI.BadRequestError && message.test(e.message), JSON.stringify(body));
    });
});

test("ResponseStore keeps at most its count and bytes, least recently used first", () => {
    const store = new ResponseStore({maxResponses: 2, maxBytes: 1000});
    const entry = (text: string) => ({response: {text}, messages: [{role: "user" as const, content: text}]});
    store.put("a", entry("a"));
    store.put("b", entry("b"));
    assert.ok(store.get("a"));
    store.put("c", entry("c"));
    assert.deepEqual(["a", "b", "c"].map((id) => store.get(id) !== undefined), [true, false, true]);
    assert.equal(store.put("big", entry("x".repeat(2000))), false);
    store.put("d", entry("d".repeat(400)));
    store.put("e", entry("e".repeat(400)));
    assert.equal(store.size, 1, "two of 400+ bytes twice over do not fit in 1000 with the rest");
});

describe("OpenAI Responses API on the real engine (tiny R1-shaped model, random weights)", {skip: skipWithoutShared(R1_VOCAB)}, () => {
    let server: RunningServer;
    let cleanup: (() => void) | undefined;
    let openai: OpenAI;

    before(async () => {
        const written = await writeTinyR1Model();
        cleanup = written.cleanup;
        const source = new FileModelSource({
            files: [{name: "tiny-r1", path: written.path}],
            load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: 2048, threads: 1})
        });
        server = await startServer({source, port: 0});
        openai = new OpenAI({baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0});
    });

    after(async () => {
        await server?.stop();
        cleanup?.();
    });

    test("responses.create plain and streaming: the budgeted reasoning as a reasoning item, then text", async () => {
        const plain = await openai.responses.create({model: "tiny-r1", input: "Why is the sky blue?", max_output_tokens: 10, temperature: 0, ...({reasoning_budget: 3, seed: 1} as object)});
        assert.equal(plain.output[0]!.type, "reasoning");
        assert.ok(((plain.output[0] as OpenAI.Responses.ResponseReasoningItem).content?.[0]?.text ?? "").length > 0);
        assert.equal(plain.usage?.output_tokens_details.reasoning_tokens, 3);
        const stream = await openai.responses.create({model: "tiny-r1", input: "Why is the sky blue?", max_output_tokens: 10, temperature: 0, stream: true, ...({reasoning_budget: 3, seed: 1} as object)});
        const kinds: string[] = [];
        let text = "";
        let final: OpenAI.Responses.Response | undefined;
        for await (const event of stream) {
            if (event.type === "response.reasoning_text.delta") kinds.push("r");
            if (event.type === "response.output_text.delta") {
                kinds.push("a");
                text += event.delta;
            }
            if (event.type === "response.completed" || event.type === "response.incomplete") final = event.response;
        }
        assert.ok(kinds.includes("r"));
        if (kinds.includes("a")) assert.ok(kinds.lastIndexOf("r") < kinds.indexOf("a"));
        const message = final?.output.find((item) => item.type === "message") as OpenAI.Responses.ResponseOutputMessage | undefined;
        assert.equal((message?.content[0] as {text?: string} | undefined)?.text, text);
        assert.equal(final?.usage?.output_tokens, plain.usage?.output_tokens, "greedy: the same reply both ways");
    });

    test("a forced function tool gives a function_call whose arguments validate against its schema", async () => {
        const response = await openai.responses.create({
            model: "tiny-r1", input: "Weather in Paris?", tools: [WEATHER], tool_choice: {type: "function", name: "get_weather"},
            parallel_tool_calls: false, max_output_tokens: 300, temperature: 0, ...({reasoning_budget: 4} as object)
        });
        const calls = response.output.filter((item) => item.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall[];
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.name, "get_weather");
        assert.equal(validateJson(JSON.parse(calls[0]!.arguments), checkJsonSchema(WEATHER.parameters, "s")), undefined, calls[0]!.arguments);
    });
});
