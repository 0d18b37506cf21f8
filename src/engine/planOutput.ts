import {randomBytes} from "node:crypto";
import {UnsupportedOptionError} from "./errors.js";
import {checkJsonSchema} from "./jsonSchema/checkJsonSchema.js";
import {validateJson} from "./jsonSchema/validateJson.js";
import type {NativeToolFormat} from "./nativeToolFormat.js";
import type {ChatMessage, GenerationOptions, JsonSchema, ToolCall} from "./types.js";

/** Most tools one request may offer (OpenAI's limit); each adds to the prompt and the grammar. */
export const MAX_TOOLS = 128;
/** Most calls in one turn when parallel calls are allowed: bounds the grammar's output. */
export const MAX_PARALLEL_TOOL_CALLS = 16;
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * How a chat's answer is produced once the reasoning is over: free text, or JSON shaped by a
 * grammar. Built once per request from `GenerationOptions` by `planOutput`.
 */
export interface OutputPlan {
    /** The offered tools by name, their argument schemas normalised; empty when none are offered. */
    tools: Map<string, JsonSchema>;
    /** Schema the answer must match (the tool envelope or the response format); `undefined`: free text. */
    answerSchema?: JsonSchema;
    /** `true`: the constrained answer is the response itself (it streams); otherwise a tool envelope read at the end. */
    jsonAnswer?: boolean;
    /** Text for the system prompt telling the model what it may answer; `undefined` when nothing is constrained. */
    instructions?: string;
    /**
     * Turns the constrained answer's JSON text into the visible answer and tool calls; throws
     * `ToolOutputError` when it does not parse or validate (a grammar bug, never the model's fault).
     */
    interpret(json: string): {answer: string, toolCalls: ToolCall[]};
    /**
     * Set when the model's own tool format is used: the answer is free text until the model opens
     * a calls block (or one is opened for it when `mustCall`), whose name and arguments a grammar shapes.
     */
    native?: {
        format: NativeToolFormat;
        /** The tools that may be called (one for a named choice). */
        names: string[];
        mustCall: boolean;
        parallel: boolean;
    };
}

/** The constrained answer did not parse or validate (the grammar should have made that impossible). */
export class ToolOutputError extends Error {}

/**
 * Checks the tool and response-format options and plans the answer. Tools are offered through a
 * JSON envelope that llama.cpp's generic tool format also uses — `{"tool_calls": [{"name", "arguments"}]}`
 * or `{"response": …}` — so a grammar can admit only valid calls to offered tools (or, with
 * `toolChoice: "none"` and no format, nothing is constrained). Throws `UnsupportedOptionError`
 * naming the option for an unknown tool, a bad name or an unsupported schema.
 */
export function planOutput(options: GenerationOptions, model: {native?: NativeToolFormat} = {}): OutputPlan {
    const tools = new Map<string, JsonSchema>();
    const descriptions: object[] = [];
    const offered = options.tools ?? [];
    if (offered.length > MAX_TOOLS) throw new UnsupportedOptionError("tools", `${offered.length} tools offered; at most ${MAX_TOOLS} (MAX_TOOLS)`);
    offered.forEach((tool, i) => {
        if (!TOOL_NAME.test(tool.name)) throw new UnsupportedOptionError(`tools[${i}].name`, `${JSON.stringify(tool.name)} is not a valid tool name (letters, digits, _ and -, at most 64)`);
        if (tools.has(tool.name)) throw new UnsupportedOptionError(`tools[${i}].name`, `tool "${tool.name}" is offered twice`);
        const parameters = checkJsonSchema(tool.parameters ?? {type: "object", properties: {}}, `tools[${i}].parameters`);
        if (parameters.type !== "object") throw new UnsupportedOptionError(`tools[${i}].parameters`, "a tool's parameters must be an object schema");
        tools.set(tool.name, parameters);
        descriptions.push({name: tool.name, ...(tool.description === undefined ? {} : {description: tool.description}), parameters: tool.parameters});
    });
    const choice = options.toolChoice ?? "auto";
    if (typeof choice === "object" && !tools.has(choice.name))
        throw new UnsupportedOptionError("toolChoice", `tool "${choice.name}" is not among the offered tools${tools.size === 0 ? " (none were offered)" : `: ${[...tools.keys()].join(", ")}`}`);
    if (choice === "required" && tools.size === 0) throw new UnsupportedOptionError("toolChoice", "\"required\" needs at least one tool");

    const format = options.responseFormat;
    const responseSchema = format === undefined ? undefined
        : format.type === "json_object" ? {type: "object", additionalProperties: true}
        : checkJsonSchema(format.schema, "responseFormat.schema");
    const callTools = choice === "none" ? [] : typeof choice === "object" ? [choice.name] : [...tools.keys()];

    if (callTools.length === 0) {
        if (responseSchema === undefined) return {tools, interpret: (json) => ({answer: json, toolCalls: []})};
        return {
            tools,
            answerSchema: responseSchema,
            jsonAnswer: true,
            instructions: `Answer with JSON only${format?.type === "json_schema" ? ` matching this JSON Schema: ${JSON.stringify(format.schema)}` : " (one JSON object)"}.`,
            interpret: (json) => {
                const value = parse(json);
                const problem = validateJson(value, responseSchema);
                if (problem !== undefined) throw new ToolOutputError(`the answer does not match the schema: ${problem}`);
                return {answer: json.trim(), toolCalls: []};
            }
        };
    }

    const callSchema: JsonSchema = {
        type: "array",
        items: {oneOf: callTools.map((name) => ({
            type: "object",
            properties: {name: {const: name}, arguments: tools.get(name)!},
            required: ["name", "arguments"],
            additionalProperties: false
        }))},
        minItems: 1,
        maxItems: options.parallelToolCalls === false ? 1 : MAX_PARALLEL_TOOL_CALLS
    };
    const offeredDescriptions = descriptions.filter((d) => callTools.includes((d as {name: string}).name));
    const mustCall = choice !== "auto";
    // The model's own format, unless a response format also constrains the text answer (then only the envelope can hold both).
    if (model.native !== undefined && responseSchema === undefined) return {
        tools,
        instructions: model.native.instructions(offeredDescriptions),
        interpret: (text) => ({answer: text, toolCalls: []}),
        native: {format: model.native, names: callTools, mustCall, parallel: options.parallelToolCalls !== false}
    };
    const callsBranch: JsonSchema = {type: "object", properties: {tool_calls: callSchema}, required: ["tool_calls"], additionalProperties: false};
    const responseBranch: JsonSchema = {type: "object", properties: {response: responseSchema ?? {type: "string"}}, required: ["response"], additionalProperties: false};
    const answerSchema = mustCall ? callsBranch : {oneOf: [callsBranch, responseBranch]};
    const instructions = [
        `You can call these tools:\n${JSON.stringify(offeredDescriptions)}`,
        mustCall
            ? `After thinking, answer with one JSON object that calls ${typeof choice === "object" ? `the tool "${choice.name}"` : "one or more tools"}: {"tool_calls": [{"name": "<tool name>", "arguments": {…}}]}.`
            : `After thinking, answer with one JSON object: {"tool_calls": [{"name": "<tool name>", "arguments": {…}}]} to call tools, or {"response": ${responseSchema === undefined ? "\"<your reply>\"" : "<your JSON reply>"}} to reply to the user.`
    ].join("\n\n");
    return {
        tools,
        answerSchema,
        instructions,
        interpret: (json) => {
            const value = parse(json);
            const problem = validateJson(value, answerSchema);
            if (problem !== undefined) throw new ToolOutputError(`the answer does not match the tool envelope: ${problem}`);
            const envelope = value as {tool_calls?: {name: string, arguments: unknown}[], response?: unknown};
            if (envelope.tool_calls !== undefined)
                return {answer: "", toolCalls: envelope.tool_calls.map((call) => ({id: newToolCallId(), name: call.name, arguments: JSON.stringify(call.arguments)}))};
            return {answer: typeof envelope.response === "string" ? envelope.response : JSON.stringify(envelope.response), toolCalls: []};
        }
    };
}

/** A fresh call id in OpenAI's style (`call_` and 24 random characters). */
export function newToolCallId(): string {
    return `call_${randomBytes(18).toString("base64url")}`;
}

/**
 * Checks that every tool turn answers a call an earlier assistant turn made (by `toolCallId`
 * when given). Returns the problem as a sentence naming the message, or `undefined`.
 */
export function checkToolTurns(messages: readonly ChatMessage[]): string | undefined {
    const open = new Set<string>();
    let anyCall = false;
    for (const [i, message] of messages.entries()) {
        if (message.role === "assistant") for (const call of message.toolCalls ?? []) {
            open.add(call.id);
            anyCall = true;
        }
        if (message.role !== "tool") continue;
        if (message.toolCallId === undefined) {
            if (!anyCall) return `messages[${i}] is a tool result but no earlier assistant turn made a tool call`;
        } else if (!open.has(message.toolCallId)) {
            return `messages[${i}] answers tool call "${message.toolCallId}", which no earlier assistant turn made`;
        }
    }
    return undefined;
}

function parse(json: string): unknown {
    try {
        return JSON.parse(json);
    } catch (error) {
        throw new ToolOutputError(`the answer is not JSON: ${(error as Error).message}`);
    }
}
