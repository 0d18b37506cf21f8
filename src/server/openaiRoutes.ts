import {randomUUID} from "node:crypto";
import {Hono} from "hono";
import type {ChatMessage, FinishReason, GenerationOptions, GenerationResult} from "../engine/types.js";
import {ApiError} from "./ApiError.js";
import {errorBody, toApiError} from "./errorResponse.js";
import {
    chatCompletionRequestSchema, completionRequestSchema, type ChatCompletionRequest, type CompletionRequest
} from "./openaiSchemas.js";
import {readJsonBody} from "./readJsonBody.js";
import {stopList} from "./schemas.js";
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
        const generation = await startGeneration(ctx, {
            model: body.model,
            input: {messages: body.messages.map(toChatMessage)},
            options: samplingOptions(body, body.max_completion_tokens ?? body.max_tokens),
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
                    message: {role: "assistant", content: result.answer, reasoning_content: result.reasoning === "" ? null : result.reasoning},
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
            for await (const event of generation.events) {
                if (event.type === "reasoning") yield chunk({reasoning_content: event.text}, null);
                else if (event.type === "answer") yield chunk({content: event.text}, null);
                else if (event.type === "done") {
                    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
                    yield chunk({}, finishReason(event.result.finishReason), {timings: timings(event.result)});
                    if (includeUsage) yield sse({id, object: "chat.completion.chunk", created, model, choices: [], usage: usage(event.result)});
                }
            }
        });
    });

    app.post("/completions", async (c) => {
        const body = await readJsonBody(c, completionRequestSchema);
        const prompt = typeof body.prompt === "string" ? body.prompt : body.prompt[0]!;
        // OpenAI's documented default for legacy completions.
        const generation = await startGeneration(ctx, {
            model: body.model,
            input: {prompt},
            options: samplingOptions(body, body.max_tokens ?? 16),
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

function toChatMessage(message: ChatCompletionRequest["messages"][number]): ChatMessage {
    const content = message.content === null || message.content === undefined ? ""
        : typeof message.content === "string" ? message.content
            : message.content.map((part) => part.text).join("");
    return {role: message.role === "developer" ? "system" : message.role, content};
}

function samplingOptions(body: ChatCompletionRequest | CompletionRequest, maxTokens: number | null | undefined): Omit<GenerationOptions, "signal"> {
    const options: Omit<GenerationOptions, "signal"> = {};
    if (maxTokens !== null && maxTokens !== undefined) options.maxTokens = maxTokens;
    if (body.temperature !== null && body.temperature !== undefined) options.temperature = body.temperature;
    if (body.top_p !== null && body.top_p !== undefined) options.topP = body.top_p;
    if (body.top_k !== null && body.top_k !== undefined) options.topK = body.top_k;
    if (body.min_p !== null && body.min_p !== undefined) options.minP = body.min_p;
    if (body.repeat_penalty !== null && body.repeat_penalty !== undefined) options.repeatPenalty = body.repeat_penalty;
    if (body.seed !== null && body.seed !== undefined) options.seed = body.seed;
    if (body.reasoning_budget !== null && body.reasoning_budget !== undefined) options.thinkBudget = body.reasoning_budget;
    const stop = stopList(body.stop);
    if (stop !== undefined) options.stop = stop;
    return options;
}

function finishReason(reason: FinishReason): string {
    return reason === "length" ? "length" : "stop";
}

function usage(result: GenerationResult) {
    return {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        total_tokens: result.usage.promptTokens + result.usage.completionTokens,
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
