import {randomUUID} from "node:crypto";
import {Hono} from "hono";
import type {ChatMessage, FinishReason, GenerationOptions, GenerationResult, ToolCall} from "../engine/types.js";
import {checkChatRequest} from "./checkChatRequest.js";
import {embedTexts} from "./embedTexts.js";
import {ApiError} from "./ApiError.js";
import {errorBody, toApiError} from "./errorResponse.js";
import {
    chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema, type ChatCompletionRequest, type CompletionRequest
} from "./openaiSchemas.js";
import {readJsonBody} from "./readJsonBody.js";
import {samplingOptions} from "./schemas.js";
import type {ServerContext} from "./ServerContext.js";
import {startGeneration, type Generation} from "./startGeneration.js";
import {streamBody} from "./streamBody.js";

/** OpenAI's API (`/v1/models`, `/v1/chat/completions`, `/v1/completions`), reasoning in `reasoning_content` as DeepSeek's API does. */
export function openaiRoutes(ctx: ServerContext): Hono {
    const app = new Hono();

    app.get("/models", async (c) => {
        const models = await ctx.pool.source.list();
        return c.json({object: "list", data: models.map((model) => modelObject(model.name, model.modifiedAt))});
    });

    app.get("/models/:model{.+}", async (c) => {
        const model = await ctx.pool.describe(c.req.param("model"));
        return c.json(modelObject(model.name, model.modifiedAt));
    });

    app.post("/chat/completions", async (c) => {
        const body = await readJsonBody(c, chatCompletionRequestSchema);
        const messages = body.messages.map(toChatMessage);
        const options = {...requestOptions(body, body.max_completion_tokens ?? body.max_tokens), ...toolOptions(body)};
        checkChatRequest(messages, options);
        const generation = await startGeneration(ctx, {
            model: body.model,
            input: {messages},
            options,
            clientSignal: c.req.raw.signal,
            ...(body.num_ctx === null || body.num_ctx === undefined ? {} : {contextSize: body.num_ctx})
        });
        const id = `chatcmpl-${randomUUID().replace(/-/g, "")}`;
        const created = Math.floor(generation.startedAt / 1000);
        const model = generation.descriptor.name;
        if (body.stream !== true) {
            const result = await generation.collect();
            return c.json({
                id, object: "chat.completion", created, model,
                choices: [{
                    index: 0,
                    message: {
                        role: "assistant",
                        content: result.answer === "" && result.toolCalls.length > 0 ? null : result.answer,
                        reasoning_content: result.reasoning === "" ? null : result.reasoning,
                        ...(result.toolCalls.length === 0 ? {} : {tool_calls: result.toolCalls.map((call) => openaiToolCall(call))})
                    },
                    logprobs: null,
                    finish_reason: finishReason(result.finishReason)
                }],
                usage: usage(result),
                timings: timings(result)
            });
        }
        const includeUsage = body.stream_options?.include_usage === true;
        const chunk = (delta: object, finish: string | null, extra: object = {}) => sse({
            id, object: "chat.completion.chunk", created, model,
            choices: [{index: 0, delta, logprobs: null, finish_reason: finish}],
            ...(includeUsage ? {usage: null} : {}),
            ...extra
        });
        await generation.ready();
        return sseResponse(generation, async function* () {
            yield chunk({role: "assistant", content: null}, null);
            let calls = 0;
            for await (const event of generation.events) {
                if (event.type === "reasoning") yield chunk({reasoning_content: event.text}, null);
                else if (event.type === "answer") yield chunk({content: event.text}, null);
                // Each call arrives whole (its arguments validated), so one delta carries it.
                else if (event.type === "toolCall") yield chunk({tool_calls: [{index: calls++, ...openaiToolCall(event.call)}]}, null);
                else if (event.type === "done") {
                    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
                    yield chunk({}, finishReason(event.result.finishReason), {timings: timings(event.result)});
                    if (includeUsage) yield sse({id, object: "chat.completion.chunk", created, model, choices: [], usage: usage(event.result)});
                }
            }
        });
    });

    app.post("/embeddings", async (c) => {
        const body = await readJsonBody(c, embeddingRequestSchema);
        const input = typeof body.input === "string" ? [body.input] : body.input;
        const result = await embedTexts(ctx, {model: body.model, input, clientSignal: c.req.raw.signal});
        // The official SDK asks for base64 by default: little-endian float32, as OpenAI sends it.
        const encode = (vector: number[]) => body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
        return c.json({
            object: "list",
            data: result.vectors.map((vector, index) => ({object: "embedding", index, embedding: encode(vector)})),
            model: result.model,
            usage: {prompt_tokens: result.promptTokens, total_tokens: result.promptTokens}
        });
    });

    app.post("/completions", async (c) => {
        const body = await readJsonBody(c, completionRequestSchema);
        const prompt = typeof body.prompt === "string" ? body.prompt : body.prompt[0]!;
        // OpenAI's documented default for legacy completions.
        const generation = await startGeneration(ctx, {
            model: body.model,
            input: {prompt},
            options: requestOptions(body, body.max_tokens ?? 16),
            clientSignal: c.req.raw.signal,
            ...(body.num_ctx === null || body.num_ctx === undefined ? {} : {contextSize: body.num_ctx})
        });
        const id = `cmpl-${randomUUID().replace(/-/g, "")}`;
        const created = Math.floor(generation.startedAt / 1000);
        const model = generation.descriptor.name;
        if (body.stream !== true) {
            const result = await generation.collect();
            return c.json({
                id, object: "text_completion", created, model,
                choices: [{index: 0, text: result.answer, logprobs: null, finish_reason: finishReason(result.finishReason)}],
                usage: usage(result),
                timings: timings(result)
            });
        }
        const includeUsage = body.stream_options?.include_usage === true;
        await generation.ready();
        return sseResponse(generation, async function* () {
            for await (const event of generation.events) {
                if (event.type === "done") {
                    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
                    yield sse({
                        id, object: "text_completion", created, model,
                        choices: [{index: 0, text: "", logprobs: null, finish_reason: finishReason(event.result.finishReason)}],
                        ...(includeUsage ? {usage: usage(event.result)} : {})
                    });
                } else if (event.type !== "toolCall") {
                    yield sse({id, object: "text_completion", created, model, choices: [{index: 0, text: event.text, logprobs: null, finish_reason: null}]});
                }
            }
        });
    });

    return app;
}

function modelObject(name: string, modifiedAt: Date) {
    return {id: name, object: "model", created: Math.floor(modifiedAt.getTime() / 1000), owned_by: "r1"};
}

function toChatMessage(message: ChatCompletionRequest["messages"][number], index: number): ChatMessage {
    const content = message.content === null || message.content === undefined ? ""
        : typeof message.content === "string" ? message.content
            : message.content.map((part) => part.text ?? "").join("");
    if (message.name !== null && message.name !== undefined && message.role !== "tool")
        throw new ApiError("invalid_request", `messages.${index}.name: participant names are not supported by r1 (the chat template has no place for them)`, {param: `messages.${index}.name`});
    if (message.tool_calls !== null && message.tool_calls !== undefined && message.tool_calls.length > 0 && message.role !== "assistant")
        throw new ApiError("invalid_request", `messages.${index}.tool_calls: only assistant messages carry tool calls`, {param: `messages.${index}.tool_calls`});
    if (message.role === "tool" && (message.tool_call_id === null || message.tool_call_id === undefined))
        throw new ApiError("invalid_request", `messages.${index}.tool_call_id: a tool message must name the call it answers`, {param: `messages.${index}.tool_call_id`});
    return {
        role: message.role === "developer" ? "system" : message.role,
        content,
        ...(message.tool_calls === null || message.tool_calls === undefined || message.tool_calls.length === 0 ? {}
            : {toolCalls: message.tool_calls.map((call) => ({id: call.id, name: call.function.name, arguments: call.function.arguments}))}),
        ...(message.role === "tool" && message.tool_call_id !== null && message.tool_call_id !== undefined ? {toolCallId: message.tool_call_id} : {})
    };
}

function toolOptions(body: ChatCompletionRequest): Omit<GenerationOptions, "signal"> {
    const options: Omit<GenerationOptions, "signal"> = {};
    if (body.tools !== null && body.tools !== undefined && body.tools.length > 0)
        options.tools = body.tools.map((tool) => ({
            name: tool.function.name,
            ...(tool.function.description === null || tool.function.description === undefined ? {} : {description: tool.function.description}),
            parameters: tool.function.parameters ?? {type: "object", properties: {}}
        }));
    const choice = body.tool_choice;
    if (choice !== null && choice !== undefined) options.toolChoice = typeof choice === "string" ? choice : {name: choice.function.name};
    if (body.parallel_tool_calls !== null && body.parallel_tool_calls !== undefined) options.parallelToolCalls = body.parallel_tool_calls;
    const format = body.response_format;
    if (format?.type === "json_object") options.responseFormat = {type: "json_object"};
    else if (format?.type === "json_schema")
        options.responseFormat = {type: "json_schema", schema: format.json_schema.schema ?? {}, name: format.json_schema.name};
    return options;
}

function openaiToolCall(call: ToolCall) {
    return {id: call.id, type: "function", function: {name: call.name, arguments: call.arguments}};
}

function requestOptions(body: ChatCompletionRequest | CompletionRequest, maxTokens: number | null | undefined): Omit<GenerationOptions, "signal"> {
    return {...(maxTokens === null || maxTokens === undefined ? {} : {maxTokens}), ...samplingOptions(body)};
}

function finishReason(reason: FinishReason): string {
    return reason === "length" || reason === "tool_calls" ? reason : "stop";
}

function usage(result: GenerationResult) {
    return {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        total_tokens: result.usage.promptTokens + result.usage.completionTokens,
        // Prompt tokens found already evaluated in the sequence's cache (prefix routing keeps a conversation's).
        prompt_tokens_details: {cached_tokens: result.usage.cachedPromptTokens ?? 0},
        completion_tokens_details: {reasoning_tokens: result.usage.reasoningTokens}
    };
}

/** llama-server's `timings` extension, for clients that show speed. */
function timings(result: GenerationResult) {
    const perSecond = (tokens: number, ms: number) => (ms > 0 ? tokens / (ms / 1000) : 0);
    return {
        prompt_n: result.usage.promptTokens,
        prompt_ms: result.timings.promptMs,
        prompt_per_second: perSecond(result.usage.promptTokens, result.timings.promptMs),
        predicted_n: result.usage.completionTokens,
        predicted_ms: result.timings.generationMs,
        predicted_per_second: perSecond(Math.max(0, result.usage.completionTokens - 1), result.timings.generationMs),
        first_token_ms: result.timings.firstTokenMs
    };
}

function sse(data: object): string {
    return `data: ${JSON.stringify(data)}\n\n`;
}

/** An SSE response over `events`; a failure mid-stream becomes one `{error}` event, as OpenAI's SDK expects. */
function sseResponse(generation: Generation, events: () => AsyncGenerator<string>): Response {
    async function* withEnd(): AsyncGenerator<string> {
        try {
            yield* events();
            yield "data: [DONE]\n\n";
        } catch (error) {
            yield sse(errorBody(toApiError(error), "openai"));
        } finally {
            generation.close();
        }
    }
    return new Response(streamBody(withEnd(), () => generation.close()), {
        headers: {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "Connection": "keep-alive"}
    });
}
