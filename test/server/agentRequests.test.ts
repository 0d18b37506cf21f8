// Tools, structured output and the client-found fixes at the HTTP level, on a scripted model:
// what reaches the engine, how calls come back in each dialect, and every bad input as a 4xx in
// that API's own error shape (the server keeps serving).
import {test} from "node:test";
import assert from "node:assert/strict";
import {apiField} from "../../src/server/checkChatRequest.js";
import {createServerApp} from "../../src/server/createServerApp.js";
import {FakeSource} from "./FakeModel.js";

const CALL = {id: "call_abc", name: "get_weather", arguments: "{\"city\":\"Oslo\"}"};
const WEATHER = {type: "function", function: {name: "get_weather", parameters: {type: "object", properties: {city: {type: "string"}}, required: ["city"]}}};

function server() {
    const source = new FakeSource({
        r1: {reasoning: ["hm"], answer: ["ok"]},
        caller: {reasoning: ["hm"], toolCalls: [CALL]}
    });
    return {source, ...createServerApp({source})};
}

const post = (body: object) => ({method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
const user = [{role: "user", content: "x"}];

test("openai: tools, tool_choice, parallel_tool_calls and response_format reach the engine", async () => {
    const {app, source} = server();
    const response = await app.request("/v1/chat/completions", post({
        model: "r1", messages: user, tools: [WEATHER], tool_choice: {type: "function", function: {name: "get_weather"}}, parallel_tool_calls: false,
        response_format: {type: "json_schema", json_schema: {name: "x", schema: {type: "object", properties: {a: {type: "string"}}}}}
    }));
    assert.equal(response.status, 200);
    const options = source.models[0]!.calls[0]!.options;
    assert.deepEqual(options.tools, [{name: "get_weather", parameters: WEATHER.function.parameters}]);
    assert.deepEqual(options.toolChoice, {name: "get_weather"});
    assert.equal(options.parallelToolCalls, false);
    assert.deepEqual(options.responseFormat, {type: "json_schema", name: "x", schema: {type: "object", properties: {a: {type: "string"}}}});
});

test("openai: calls come back as tool_calls (content null, finish tool_calls), streamed as tool_calls deltas", async () => {
    const {app} = server();
    const whole = await (await app.request("/v1/chat/completions", post({model: "caller", messages: user, tools: [WEATHER]}))).json() as any;
    assert.equal(whole.choices[0].finish_reason, "tool_calls");
    assert.equal(whole.choices[0].message.content, null);
    assert.deepEqual(whole.choices[0].message.tool_calls, [{id: "call_abc", type: "function", function: {name: "get_weather", arguments: "{\"city\":\"Oslo\"}"}}]);
    const text = await (await app.request("/v1/chat/completions", post({model: "caller", messages: user, tools: [WEATHER], stream: true}))).text();
    const chunks = text.split("\n\n").filter((l) => l.startsWith("data: {")).map((l) => JSON.parse(l.slice(6)));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.deepEqual(deltas, [{index: 0, id: "call_abc", type: "function", function: {name: "get_weather", arguments: "{\"city\":\"Oslo\"}"}}]);
    assert.equal(chunks.at(-1).choices[0].finish_reason, "tool_calls");
});

test("openai: role tool with a matching tool_call_id reaches the engine as a tool turn", async () => {
    const {app, source} = server();
    const response = await app.request("/v1/chat/completions", post({
        model: "r1", messages: [...user,
            {role: "assistant", content: null, tool_calls: [{id: "call_abc", type: "function", function: {name: "get_weather", arguments: "{}"}}]},
            {role: "tool", tool_call_id: "call_abc", content: "sunny"}]
    }));
    assert.equal(response.status, 200);
    const messages = source.models[0]!.calls[0]!.messages!;
    assert.deepEqual(messages[1], {role: "assistant", content: "", toolCalls: [{id: "call_abc", name: "get_weather", arguments: "{}"}]});
    assert.deepEqual(messages[2], {role: "tool", content: "sunny", toolCallId: "call_abc"});
});

const openaiBad: [string, object, RegExp, string | null][] = [
    ["unknown tool in tool_choice", {tools: [WEATHER], tool_choice: {type: "function", function: {name: "nope"}}}, /tool_choice: tool "nope" is not among the offered tools: get_weather/, "tool_choice"],
    ["tool_choice required without tools", {tool_choice: "required"}, /tool_choice/, "tool_choice"],
    ["unsupported schema feature", {tools: [{type: "function", function: {name: "f", parameters: {type: "object", properties: {q: {type: "string", pattern: "^a"}}}}}]},
        /tools\.0\.function\.parameters\.properties\.q\.pattern: JSON Schema keyword "pattern" is not supported/, "tools.0.function.parameters.properties.q.pattern"],
    ["oversized schema", {response_format: {type: "json_schema", json_schema: {name: "big", schema: {type: "object", properties: Object.fromEntries(Array.from({length: 3000}, (_, i) => [`p${i}_${"x".repeat(20)}`, {type: "string"}]))}}}},
        /response_format\.json_schema\.schema: .*MAX_SCHEMA_BYTES/, "response_format.json_schema.schema"],
    ["invalid schema", {response_format: {type: "json_schema", json_schema: {name: "x", schema: {type: "object", required: ["a"]}}}}, /"a" is required but not among the properties/, "response_format.json_schema.schema.required"],
    ["bad tool name", {tools: [{type: "function", function: {name: "has space", parameters: {}}}]}, /tools\.0\.function\.name/, "tools.0.function.name"],
    ["tool result without a matching call", {messages: [...user, {role: "tool", tool_call_id: "call_zzz", content: "r"}]}, /answers tool call "call_zzz", which no earlier assistant turn made/, "messages"],
    ["tool message without tool_call_id", {messages: [...user, {role: "tool", content: "r"}]}, /tool_call_id/, "messages.1.tool_call_id"],
    ["image content part", {messages: [{role: "user", content: [{type: "image_url", image_url: {url: "data:"}}]}]}, /messages\.0\.content\.0\.type: content parts of type "image_url" are not supported/, "messages.0.content.0.type"],
    ["logprobs", {logprobs: true}, /logprobs is not supported/, "logprobs"],
    ["a participant name", {messages: [{role: "user", name: "bob", content: "x"}]}, /participant names are not supported/, "messages.0.name"],
    ["non-function tool", {tools: [{type: "retrieval"}]}, /only function tools/, "tools.0.type"],
    ["unknown response_format", {response_format: {type: "yaml"}}, /response_format/, "response_format.type"],
    ["a field r1 does not know", {frobnicate: 1}, /^frobnicate: "frobnicate" is not a field r1 supports/, "frobnicate"],
    ["reasoning_effort", {reasoning_effort: "high"}, /reasoning_effort .*reasoning_budget/, "reasoning_effort"],
    ["deprecated functions", {functions: [{name: "f"}]}, /functions \(deprecated; send tools\)/, "functions"],
    ["store true", {store: true}, /store is not supported/, "store"]
];

test("openai: bad tool / schema / content input is a 400 in OpenAI's shape naming the field, streaming or not", async () => {
    const {app, source} = server();
    for (const [name, fields, message, param] of openaiBad) {
        for (const stream of [false, true]) {
            const response = await app.request("/v1/chat/completions", post({model: "r1", messages: user, ...fields, stream}));
            assert.equal(response.status, 400, name);
            const error = (await response.json() as any).error;
            assert.match(error.message, message, name);
            assert.equal(error.param, param, name);
            assert.equal(error.type, "invalid_request_error", name);
        }
    }
    const malformed = await app.request("/v1/chat/completions", post({model: "r1", messages: user, stream: "yes", stream_options: {include_usage: "always"}}));
    assert.equal(malformed.status, 400, "a malformed streaming request");
    assert.equal((await malformed.json() as any).error.param, "stream");
    assert.equal(source.loads, 0, "nothing was loaded for a bad request");
    assert.equal((await app.request("/v1/chat/completions", post({model: "r1", messages: user}))).status, 200);
    const harmless = await app.request("/v1/chat/completions", post({model: "r1", messages: user, store: false, service_tier: "auto", user: "u", modalities: ["text"], logprobs: false, frequency_penalty: 0}));
    assert.equal(harmless.status, 200, "fields whose off value is all r1 does are accepted");
});

test("ollama: tools and format reach the engine; calls come back as message.tool_calls with object arguments", async () => {
    const {app, source} = server();
    const response = await app.request("/api/chat", post({model: "r1", messages: user, tools: [WEATHER], format: {type: "object", properties: {a: {type: "string"}}}, stream: false}));
    assert.equal(response.status, 200);
    const options = source.models[0]!.calls[0]!.options;
    assert.equal(options.tools?.[0]?.name, "get_weather");
    assert.deepEqual(options.responseFormat, {type: "json_schema", schema: {type: "object", properties: {a: {type: "string"}}}});
    await app.request("/api/chat", post({model: "r1", messages: user, format: "json", stream: false}));
    assert.deepEqual(source.models[0]!.calls[1]!.options.responseFormat, {type: "json_object"});

    const whole = await (await app.request("/api/chat", post({model: "caller", messages: user, tools: [WEATHER], stream: false}))).json() as any;
    assert.deepEqual(whole.message.tool_calls, [{id: "call_abc", function: {name: "get_weather", arguments: {city: "Oslo"}}}]);
    const lines = (await (await app.request("/api/chat", post({model: "caller", messages: user, tools: [WEATHER]}))).text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.flatMap((l) => l.message.tool_calls ?? []), whole.message.tool_calls);
    assert.equal(lines.at(-1).done, true);
});

test("ollama: a message without content is empty; tool results answer the earlier calls by tool_name", async () => {
    const {app, source} = server();
    const response = await app.request("/api/chat", post({model: "r1", stream: false, messages: [
        {role: "user", content: "x"},
        {role: "assistant", thinking: "long thought", tool_calls: [{function: {name: "a", arguments: {}}}, {function: {name: "b", arguments: {n: 1}}}]},
        {role: "tool", tool_name: "b", content: "B"},
        {role: "tool", content: "A"},
        {role: "assistant"},
        {role: "user", content: "y"}
    ]}));
    assert.equal(response.status, 200, await response.clone().text());
    const messages = source.models[0]!.calls[0]!.messages!;
    assert.deepEqual(messages[1], {role: "assistant", content: "", toolCalls: [{id: "call_1_0", name: "a", arguments: "{}"}, {id: "call_1_1", name: "b", arguments: "{\"n\":1}"}]});
    assert.deepEqual(messages[2], {role: "tool", content: "B", toolCallId: "call_1_1"});
    assert.deepEqual(messages[3], {role: "tool", content: "A", toolCallId: "call_1_0"});
    assert.deepEqual(messages[4], {role: "assistant", content: ""});
});

test("ollama: unsupported fields and bad tool input are 400s in Ollama's shape naming the field", async () => {
    const {app, source} = server();
    const cases: [string, string, object, RegExp][] = [
        ["/api/chat", "tool result without a call", {messages: [...user, {role: "tool", content: "r"}]}, /messages\.1: this tool result answers no earlier tool call/],
        ["/api/chat", "bad format schema", {messages: user, format: {type: "string", pattern: "x"}}, /^format\.pattern: JSON Schema keyword "pattern"/],
        ["/api/chat", "unknown tool schema feature", {messages: user, tools: [{type: "function", function: {name: "f", parameters: {type: "object", properties: {n: {type: "number", minimum: 0}}}}}]}, /tools\.0\.function\.parameters\.properties\.n\.minimum/],
        ["/api/chat", "images", {messages: [{role: "user", content: "x", images: ["AAAA"]}]}, /images are not supported/],
        ["/api/generate", "suffix", {prompt: "x", suffix: "y"}, /suffix .* not supported/],
        ["/api/generate", "context", {prompt: "x", context: [1, 2, 3]}, /context .* not supported/],
        ["/api/chat", "a field r1 does not know", {messages: user, frobnicate: 1}, /^frobnicate: "frobnicate" is not a field r1 supports/],
        ["/api/generate", "a custom template", {prompt: "x", template: "{{ .Prompt }}"}, /^template: "template" is not a field r1 supports/],
        ["/api/generate", "format on a raw prompt", {prompt: "x", raw: true, format: "json"}, /^format: a raw completion is not constrained/]
    ];
    for (const [path, name, fields, message] of cases) {
        for (const stream of [false, true]) {
            const response = await app.request(path, post({model: "r1", ...fields, stream}));
            assert.equal(response.status, 400, name);
            assert.match((await response.json() as any).error, message, name);
        }
    }
});

test("embeddings on a model whose engine cannot embed: a 400 saying so in each dialect; bad embedding input is a 400", async () => {
    const {app} = server();
    const openai = await app.request("/v1/embeddings", post({model: "r1", input: "x"}));
    assert.equal(openai.status, 400);
    assert.match((await openai.json() as any).error.message, /does not embed/);
    const ollama = await app.request("/api/embed", post({model: "r1", input: ["x"]}));
    assert.equal(ollama.status, 400);
    assert.match((await ollama.json() as any).error, /does not embed/);
    for (const [path, body, message] of [
        ["/v1/embeddings", {model: "r1", input: [1, 2, 3]}, /token-id input is not supported/],
        ["/v1/embeddings", {model: "r1", input: "x", dimensions: 8}, /dimensions is not supported/],
        ["/api/embed", {model: "r1", input: "x", truncate: true}, /truncate is not supported/]
    ] as const) {
        const response = await app.request(path, post(body));
        assert.equal(response.status, 400, path);
        const json = await response.json() as any;
        assert.match(typeof json.error === "string" ? json.error : json.error.message, message);
    }
});

test("apiField names the engine's options as the APIs do", () => {
    assert.equal(apiField("tools[2].parameters.properties.q.pattern"), "tools.2.function.parameters.properties.q.pattern");
    assert.equal(apiField("toolChoice"), "tool_choice");
    assert.equal(apiField("responseFormat.schema.required"), "response_format.json_schema.schema.required");
    assert.equal(apiField("thinkBudget"), "reasoning_budget");
    assert.equal(apiField("think"), "think");
});
