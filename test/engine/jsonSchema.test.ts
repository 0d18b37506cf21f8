import {test} from "node:test";
import assert from "node:assert/strict";
import {UnsupportedOptionError} from "../../src/engine/errors.js";
import {checkJsonSchema, MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH} from "../../src/engine/jsonSchema/checkJsonSchema.js";
import {validateJson} from "../../src/engine/jsonSchema/validateJson.js";
import {checkToolTurns, planOutput} from "../../src/engine/planOutput.js";
import {formatR1Prompt} from "../../src/engine/formatR1Prompt.js";

function refused(fn: () => unknown, option: string, reason: RegExp): void {
    assert.throws(fn, (e: unknown) => e instanceof UnsupportedOptionError && e.option === option && reason.test(e.message), `expected ${option}`);
}

test("checkJsonSchema normalises what the grammar supports", () => {
    const schema = checkJsonSchema({
        $schema: "x", title: "t", type: "object",
        properties: {a: {anyOf: [{type: "string"}, {type: "null"}]}, b: {$ref: "#/definitions/B"}, c: {type: "object"}},
        required: ["a"], definitions: {B: {enum: [1, 2]}}
    }, "s");
    assert.deepEqual(schema, {
        type: "object",
        properties: {a: {oneOf: [{type: "string"}, {type: "null"}]}, b: {$ref: "#/$defs/B"}, c: {type: "object", additionalProperties: true}},
        required: ["a"], additionalProperties: false, $defs: {B: {enum: [1, 2]}}
    });
});

test("checkJsonSchema names each unsupported feature and where it is", () => {
    refused(() => checkJsonSchema({type: "string", pattern: "x"}, "s"), "s.pattern", /pattern/);
    refused(() => checkJsonSchema({type: "object", properties: {n: {type: "number", minimum: 1}}}, "f"), "f.properties.n.minimum", /minimum/);
    refused(() => checkJsonSchema({type: "string", format: "email"}, "s"), "s.format", /email/);
    refused(() => checkJsonSchema({allOf: [{type: "string"}, {type: "null"}]}, "s"), "s.allOf", /single/);
    refused(() => checkJsonSchema({$ref: "https://x"}, "s"), "s.$ref", /\$defs/);
    refused(() => checkJsonSchema({$ref: "#/$defs/missing"}, "s"), "s", /no definition/);
    refused(() => checkJsonSchema({type: "object", required: ["x"], properties: {}}, "s"), "s.required", /"x"/);
    refused(() => checkJsonSchema("string", "s"), "s", /JSON object/);
});

test("checkJsonSchema bounds size and depth with named limits", () => {
    let deep: object = {type: "string"};
    for (let i = 0; i <= MAX_SCHEMA_DEPTH; i++) deep = {type: "array", items: deep};
    refused(() => checkJsonSchema(deep, "s"), `s${".items".repeat(MAX_SCHEMA_DEPTH + 1)}`, /MAX_SCHEMA_DEPTH/);
    const big = {type: "object", properties: Object.fromEntries(Array.from({length: 3000}, (_, i) => [`property_${i}_${"x".repeat(20)}`, {type: "string"}]))};
    assert.ok(JSON.stringify(big).length > MAX_SCHEMA_BYTES);
    refused(() => checkJsonSchema(big, "s"), "s", /MAX_SCHEMA_BYTES/);
});

test("validateJson checks types, required, extras, enums, items and lengths", () => {
    const schema = checkJsonSchema({type: "object", properties: {a: {type: "integer"}, b: {type: "array", items: {enum: ["x"]}, maxItems: 1}, s: {type: "string", maxLength: 2}}, required: ["a"], additionalProperties: false}, "s");
    assert.equal(validateJson({a: 1, b: ["x"], s: "ab"}, schema), undefined);
    assert.match(validateJson({}, schema)!, /missing required property "a"/);
    assert.match(validateJson({a: 1.5}, schema)!, /\$\.a: expected integer/);
    assert.match(validateJson({a: 1, z: 1}, schema)!, /unexpected property "z"/);
    assert.match(validateJson({a: 1, b: ["y"]}, schema)!, /\$\.b\[0\]/);
    assert.match(validateJson({a: 1, b: ["x", "x"]}, schema)!, /more than 1 items/);
    assert.match(validateJson({a: 1, s: "abc"}, schema)!, /longer than 2/);
});

test("planOutput: an envelope of offered tools; none/required/named/parallel shape it; bad choices are refused", () => {
    const tools = [{name: "f", parameters: {type: "object", properties: {x: {type: "string"}}, required: ["x"]}}];
    const auto = planOutput({tools});
    assert.deepEqual(auto.interpret('{"response": "hi"}'), {answer: "hi", toolCalls: []});
    const calls = auto.interpret('{"tool_calls": [{"name": "f", "arguments": {"x": "1"}}]}');
    assert.equal(calls.toolCalls[0]!.name, "f");
    assert.equal(calls.toolCalls[0]!.arguments, '{"x":"1"}');
    assert.throws(() => auto.interpret('{"tool_calls": [{"name": "g", "arguments": {}}]}'), /envelope/);
    const single = planOutput({tools, toolChoice: {name: "f"}, parallelToolCalls: false});
    assert.throws(() => single.interpret('{"response": "hi"}'));
    assert.throws(() => single.interpret('{"tool_calls": [{"name": "f", "arguments": {"x": "1"}}, {"name": "f", "arguments": {"x": "2"}}]}'), /more than 1/);
    assert.equal(planOutput({tools, toolChoice: "none"}).answerSchema, undefined, "none: free text");
    refused(() => planOutput({tools, toolChoice: {name: "g"}}), "toolChoice", /"g" is not among the offered tools: f/);
    refused(() => planOutput({toolChoice: "required"}), "toolChoice", /at least one tool/);
    refused(() => planOutput({tools: [{name: "bad name", parameters: {}}]}), "tools[0].name", /not a valid tool name/);
    refused(() => planOutput({tools: [{name: "f", parameters: {type: "string"}}]}), "tools[0].parameters", /object schema/);
    refused(() => planOutput({responseFormat: {type: "json_schema", schema: {type: "string", pattern: "a"}}}), "responseFormat.schema.pattern", /pattern/);
});

test("checkToolTurns: a tool result must answer an earlier call", () => {
    const call = {id: "call_1", name: "f", arguments: "{}"};
    assert.equal(checkToolTurns([{role: "user", content: "q"}, {role: "assistant", content: "", toolCalls: [call]}, {role: "tool", content: "r", toolCallId: "call_1"}]), undefined);
    assert.match(checkToolTurns([{role: "user", content: "q"}, {role: "tool", content: "r", toolCallId: "call_9"}])!, /messages\[1\] answers tool call "call_9"/);
    assert.match(checkToolTurns([{role: "tool", content: "r"}])!, /no earlier assistant turn made a tool call/);
});

test("formatR1Prompt writes tool calls and results the way R1's template does", () => {
    const text = formatR1Prompt([
        {role: "user", content: "q"},
        {role: "assistant", content: "", toolCalls: [{id: "a", name: "f", arguments: '{"x":1}'}, {id: "b", name: "g", arguments: "{}"}]},
        {role: "tool", content: "one", toolCallId: "a"},
        {role: "tool", content: "two", toolCallId: "b"}
    ], {bos: "", instructions: "use tools"});
    assert.equal(text, "<｜User｜>use tools\n\nq<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"x\":1}\n```<｜tool▁call▁end｜>\n"
        + "<｜tool▁call▁begin｜>function<｜tool▁sep｜>g\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>"
        + "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>one<｜tool▁output▁end｜>\n<｜tool▁output▁begin｜>two<｜tool▁output▁end｜><｜tool▁outputs▁end｜><｜Assistant｜><think>\n");
});
