import {randomUUID} from "node:crypto";
import {Hono} from "hono";
import type {ChatMessage, GenerationOptions, GenerationResult, ToolCall} from "../engine/types.js";
import {type AnthropicBlock, countTokensRequestSchema, messagesRequestSchema, type CountTokensRequest} from "./anthropicSchemas.js";
import {ApiError} from "./ApiError.js";
import {checkChatRequest, type OptionField} from "./checkChatRequest.js";
import {errorBody, toApiError} from "./errorResponse.js";
import {readJsonBody} from "./readJsonBody.js";
import type {ServerContext} from "./ServerContext.js";
import {startGeneration, type Generation} from "./startGeneration.js";
import {streamBody} from "./streamBody.js";

/**
 * Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`). R1's reasoning
 * is a `thinking` block when the request enables thinking (`budget_tokens` → the think budget);
 * without `thinking` the model still reasons but only the answer is shown (as a model without
 * thinking answers), and `{type: "disabled"}` skips reasoning. Thinking blocks a client sends
 * back are dropped before templating. Tools are custom tools on the engine's tool contract.
 */
export function anthropicRoutes(ctx: ServerContext): Hono {
    const app = new Hono();

    app.post("/messages", async (c) => {
        const body = await readJsonBody(c, messagesRequestSchema);
        const messages = toChatMessages(body);
        const options: Omit<GenerationOptions, "signal"> = {...promptOptions(body), maxTokens: body.max_tokens};
        if (body.temperature !== undefined) options.temperature = body.temperature;
        if (body.top_p !== undefined) options.topP = body.top_p;
        if (body.top_k !== undefined) options.topK = body.top_k;
        const stop = body.stop_sequences?.filter((s) => s !== "");
        if (stop !== undefined && stop.length > 0) options.stop = stop;
        checkChatRequest(messages, options, anthropicField);
        const showThinking = body.thinking !== undefined && body.thinking.type !== "disabled";
        const generation = await startGeneration(ctx, {model: body.model, input: {messages}, options, clientSignal: c.req.raw.signal, optionField: anthropicField});
        const id = `msg_${randomUUID().replace(/-/g, "")}`;
        const model = generation.descriptor.name;
        if (body.stream !== true) {
            const result = await generation.collect();
            const content: object[] = [];
            if (showThinking && result.reasoning !== "") content.push({type: "thinking", thinking: result.reasoning, signature: THINKING_SIGNATURE});
            if (result.answer !== "" || result.toolCalls.length === 0) content.push({type: "text", text: result.answer});
            for (const call of result.toolCalls) content.push(toolUseBlock(call));
            return c.json({
                id, type: "message", role: "assistant", model, content,
                ...stopFields(result),
                usage: usage(result)
            });
        }
        await generation.ready();
        return sseResponse(generation, async function* () {
            // The engine has tokenized the prompt by now (`ready()`); an upstream counts it only at the end (message_delta).
            const prompt = generation.prompt;
            const cached = prompt?.cachedPromptTokens ?? 0;
            yield event("message_start", {message: {
                id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null,
                usage: {input_tokens: prompt === undefined ? 0 : prompt.promptTokens - cached, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: cached}
            }});
            yield event("ping", {});
            let index = -1;
            let open: "thinking" | "text" | undefined;
            const close = function* () {
                if (open === "thinking") yield event("content_block_delta", {index, delta: {type: "signature_delta", signature: THINKING_SIGNATURE}});
                if (open !== undefined) yield event("content_block_stop", {index});
                open = undefined;
            };
            const begin = function* (kind: "thinking" | "text") {
                if (open === kind) return;
                yield* close();
                index++;
                open = kind;
                yield event("content_block_start", {index, content_block: kind === "text" ? {type: "text", text: ""} : {type: "thinking", thinking: "", signature: ""}});
            };
            for await (const item of generation.events) {
                if (item.type === "reasoning") {
                    if (!showThinking || item.text === "") continue;
                    yield* begin("thinking");
                    yield event("content_block_delta", {index, delta: {type: "thinking_delta", thinking: item.text}});
                } else if (item.type === "answer") {
                    if (item.text === "") continue;
                    yield* begin("text");
                    yield event("content_block_delta", {index, delta: {type: "text_delta", text: item.text}});
                } else if (item.type === "toolCall") {
                    yield* close();
                    index++;
                    yield event("content_block_start", {index, content_block: {...toolUseBlock(item.call), input: {}}});
                    yield event("content_block_delta", {index, delta: {type: "input_json_delta", partial_json: item.call.arguments}});
                    yield event("content_block_stop", {index});
                } else {
                    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
                    // A reply with no block at all still carries one (empty) text block, as the non-streamed one does.
                    if (index < 0) yield* begin("text");
                    yield* close();
                    yield event("message_delta", {
                        delta: stopFields(item.result),
                        usage: usage(item.result)
                    });
                    yield event("message_stop", {});
                }
            }
        });
    });

    app.post("/messages/count_tokens", async (c) => {
        const body = await readJsonBody(c, countTokensRequestSchema);
        const messages = toChatMessages(body);
        const options = promptOptions(body);
        checkChatRequest(messages, options, anthropicField);
        const tokens = await ctx.pool.withModel(body.model, (model) => model.countChatTokens !== undefined
            ? model.countChatTokens(messages, options)
            : messages.reduce((sum, m) => sum + model.countTokens(m.content), 0), {signal: c.req.raw.signal});
        return c.json({input_tokens: tokens});
    });

    return app;
}

/** Stands in for Anthropic's signature over a thinking block; r1 drops returned thinking, so nothing checks it. */
const THINKING_SIGNATURE = "r1-local";

/** The engine's option names as this API's fields, for 400s. */
const anthropicField: OptionField = (option) => option
    .replace(/^tools\[(\d+)\]\.parameters/, "tools.$1.input_schema")
    .replace(/^tools\[(\d+)\]\./, "tools.$1.")
    .replace(/^toolChoice/, "tool_choice")
    .replace(/^parallelToolCalls/, "tool_choice.disable_parallel_tool_use")
    .replace(/^thinkBudget/, "thinking.budget_tokens");

/** System prompt, tools, tool choice and thinking: what both routes read. */
function promptOptions(body: CountTokensRequest): Omit<GenerationOptions, "signal"> {
    const options: Omit<GenerationOptions, "signal"> = {};
    if (body.thinking?.type === "enabled") options.thinkBudget = body.thinking.budget_tokens;
    if (body.thinking?.type === "disabled") options.think = false;
    if (body.tools !== undefined && body.tools.length > 0)
        options.tools = body.tools.map((tool) => ({name: tool.name, ...(tool.description === undefined ? {} : {description: tool.description}), parameters: tool.input_schema}));
    const choice = body.tool_choice;
    if (choice !== undefined) {
        options.toolChoice = choice.type === "auto" ? "auto" : choice.type === "any" ? "required" : choice.type === "none" ? "none" : {name: choice.name};
        if ("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true) options.parallelToolCalls = false;
    }
    return options;
}

/**
 * Anthropic's turns as the engine's: `system` first; a user turn's `tool_result` blocks become
 * tool turns (before its text, as Anthropic orders them); an assistant turn's `tool_use` blocks
 * become its tool calls; thinking blocks are dropped.
 */
export function toChatMessages(body: CountTokensRequest): ChatMessage[] {
    const messages: ChatMessage[] = [];
    const system = typeof body.system === "string" ? body.system : body.system?.map((block) => block.text).join("\n");
    if (system !== undefined && system !== "") messages.push({role: "system", content: system});
    body.messages.forEach((message, index) => {
        if (typeof message.content === "string") {
            messages.push({role: message.role, content: message.content});
            return;
        }
        const blocks = message.content as unknown as AnthropicBlock[];
        const text = blocks.filter((block) => block.type === "text").map((block) => block.text).join("");
        if (message.role === "assistant") {
            if (blocks.some((block) => block.type === "tool_result"))
                throw new ApiError("invalid_request", `messages.${index}.content: tool_result blocks belong in user turns`, {param: `messages.${index}.content`});
            const calls = blocks.filter((block) => block.type === "tool_use")
                .map((block) => ({id: block.id, name: block.name, arguments: JSON.stringify(block.input)}));
            messages.push({role: "assistant", content: text, ...(calls.length === 0 ? {} : {toolCalls: calls})});
            return;
        }
        if (blocks.some((block) => block.type === "tool_use"))
            throw new ApiError("invalid_request", `messages.${index}.content: tool_use blocks belong in assistant turns`, {param: `messages.${index}.content`});
        for (const block of blocks) {
            if (block.type !== "tool_result") continue;
            const result = typeof block.content === "string" ? block.content : (block.content ?? []).map((part) => part.text ?? "").join("");
            messages.push({role: "tool", content: block.is_error === true ? `Error: ${result}` : result, toolCallId: block.tool_use_id});
        }
        if (text !== "" || !blocks.some((block) => block.type === "tool_result")) messages.push({role: "user", content: text});
    });
    return messages;
}

function toolUseBlock(call: ToolCall) {
    return {type: "tool_use", id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown};
}

/** `stop_reason` and `stop_sequence`: `stop_sequence` names the request's stop string that ended the reply. */
function stopFields(result: GenerationResult): {stop_reason: string, stop_sequence: string | null} {
    if (result.stopSequence !== undefined) return {stop_reason: "stop_sequence", stop_sequence: result.stopSequence};
    const reason = result.finishReason;
    return {stop_reason: reason === "length" ? "max_tokens" : reason === "tool_calls" ? "tool_use" : "end_turn", stop_sequence: null};
}

/** Anthropic counts cache reads apart from `input_tokens`; the three add up to the prompt. */
function usage(result: GenerationResult) {
    const cached = result.usage.cachedPromptTokens ?? 0;
    return {
        input_tokens: result.usage.promptTokens - cached,
        output_tokens: result.usage.completionTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: cached
    };
}

function event(type: string, data: object): string {
    return `event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`;
}

/** An SSE response over `events`; a failure mid-stream becomes Anthropic's `error` event. */
function sseResponse(generation: Generation, events: () => AsyncGenerator<string>): Response {
    async function* withErrors(): AsyncGenerator<string> {
        try {
            yield* events();
        } catch (error) {
            yield event("error", errorBody(toApiError(error), "anthropic"));
        } finally {
            generation.close();
        }
    }
    return new Response(streamBody(withErrors(), () => generation.close()), {
        headers: {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "Connection": "keep-alive"}
    });
}
