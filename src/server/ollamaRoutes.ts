import {Hono} from "hono";
import type {z} from "zod";
import type {ChatMessage, GenerationOptions, GenerationResult, ToolCall} from "../engine/types.js";
import {apiField, checkChatRequest, type OptionField} from "./checkChatRequest.js";
import {ApiError} from "./ApiError.js";
import {errorBody, toApiError} from "./errorResponse.js";
import type {ModelDescriptor} from "./ModelSource.js";
import {
    ollamaChatRequestSchema, ollamaEmbedRequestSchema, ollamaGenerateRequestSchema, ollamaModelRequestSchema, type OllamaChatRequest, type OllamaOptions
} from "./ollamaSchemas.js";
import {parseKeepAlive} from "./parseKeepAlive.js";
import {readJsonBody} from "./readJsonBody.js";
import {readModelFacts} from "./readModelFacts.js";
import {embedTexts} from "./embedTexts.js";
import {samplingOptions} from "./schemas.js";
import type {ServerContext} from "./ServerContext.js";
import {startGeneration, type Generation, type GenerationRequest} from "./startGeneration.js";
import {streamBody} from "./streamBody.js";

/**
 * The Ollama version `/api/version` reports. Clients gate features (e.g. `think`) on it, so it is
 * the Ollama release whose API this server follows, not r1's own version.
 */
export const OLLAMA_COMPAT_VERSION = "0.12.0";

/** Ollama's native API (`/api/...`), reasoning in `thinking`, durations in nanoseconds. */
export function ollamaRoutes(ctx: ServerContext): Hono {
    const app = new Hono();

    app.get("/version", (c) => c.json({version: OLLAMA_COMPAT_VERSION}));

    app.get("/tags", async (c) => {
        const models = await ctx.pool.source.list();
        return c.json({models: models.map((model) => ({...modelSummary(model), modified_at: model.modifiedAt.toISOString()}))});
    });

    app.post("/show", async (c) => {
        const body = await readJsonBody(c, ollamaModelRequestSchema);
        const descriptor = await ctx.pool.describe((body.model ?? body.name)!);
        const loaded = ctx.pool.loaded().find((entry) => entry.descriptor.name === descriptor.name)?.model;
        // Read from the file, so a model reports the same whether or not it is loaded.
        const facts = await readModelFacts(descriptor.path);
        const architecture = facts?.architecture ?? loaded?.info.architecture ?? descriptor.family ?? "";
        const reasoning = facts?.reasoning ?? loaded?.info.reasoning ?? false;
        // Every chat model takes tools: where the template has no tool format, a grammar shapes the call.
        const capabilities = ["completion", "tools", ...(reasoning ? ["thinking"] : [])];
        return c.json({
            license: "",
            modelfile: `# Served by r1\nFROM ${descriptor.path}\n`,
            parameters: "",
            template: "",
            details: details(descriptor, architecture),
            model_info: {
                "general.architecture": architecture,
                ...(architecture === "" ? {} : facts?.contextLength !== undefined ? {[`${architecture}.context_length`]: facts.contextLength}
                    : loaded === undefined ? {} : {[`${architecture}.context_length`]: loaded.info.contextSize})
            },
            capabilities,
            modified_at: descriptor.modifiedAt.toISOString()
        });
    });

    app.get("/ps", (c) => c.json({
        models: ctx.pool.loaded().map((entry) => ({
            ...modelSummary(entry.descriptor, entry.model?.info.architecture),
            // Ollama reports a far-future time for models kept loaded or in use.
            expires_at: (entry.expiresAt ?? new Date(Date.now() + 365 * 24 * 3_600_000)).toISOString(),
            size_vram: entry.model === undefined || entry.model.info.gpuLayers === 0 ? 0 : entry.descriptor.size,
            context_length: entry.model?.info.contextSize ?? 0
        }))
    }));

    app.post("/chat", async (c) => {
        const body = await readJsonBody(c, ollamaChatRequestSchema);
        const keepAliveMs = keepAlive(body.keep_alive);
        if (body.messages.length === 0) return loadOrUnload(c, body.model, keepAliveMs, body.options?.num_ctx, "chat");
        const messages = toChatMessages(body.messages);
        const options = {...generationOptions(body.options, body.think), ...toolOptions(body.tools, body.format)};
        checkChatRequest(messages, options, ollamaField);
        const generation = await startOllamaGeneration(ctx, body, {messages}, options, keepAliveMs, c.req.raw.signal);
        const model = generation.descriptor.name;
        const message = (content: string, thinking?: string, calls: ToolCall[] = []) => ({
            role: "assistant", content, ...(thinking === undefined || thinking === "" ? {} : {thinking}),
            ...(calls.length === 0 ? {} : {tool_calls: calls.map(ollamaToolCall)})
        });
        if (body.stream === false) {
            const result = await generation.collect();
            return c.json({model, created_at: now(), message: message(result.answer, result.reasoning, result.toolCalls), ...final(generation, result)});
        }
        await generation.ready();
        return ndjsonResponse(generation, async function* () {
            for await (const event of generation.events) {
                if (event.type === "reasoning") yield line({model, created_at: now(), message: message("", event.text), done: false});
                else if (event.type === "answer") yield line({model, created_at: now(), message: message(event.text), done: false});
                else if (event.type === "toolCall") yield line({model, created_at: now(), message: message("", undefined, [event.call]), done: false});
                else yield line({model, created_at: now(), message: message(""), ...final(generation, event.result)});
            }
        });
    });

    app.post("/generate", async (c) => {
        const body = await readJsonBody(c, ollamaGenerateRequestSchema);
        const keepAliveMs = keepAlive(body.keep_alive);
        const prompt = body.prompt ?? "";
        if (prompt === "") return loadOrUnload(c, body.model, keepAliveMs, body.options?.num_ctx, "generate");
        const input = body.raw === true
            ? {prompt}
            : {messages: [...(body.system ? [{role: "system" as const, content: body.system}] : []), {role: "user" as const, content: prompt}]};
        const options = {...generationOptions(body.options, body.think), ...toolOptions(undefined, body.format)};
        if (body.raw === true && options.responseFormat !== undefined)
            throw new ApiError("invalid_request", "format: a raw completion is not constrained; drop raw to get structured output", {param: "format"});
        checkChatRequest(input.messages ?? [], options, ollamaField);
        const generation = await startOllamaGeneration(ctx, body, input, options, keepAliveMs, c.req.raw.signal);
        const model = generation.descriptor.name;
        if (body.stream === false) {
            const result = await generation.collect();
            return c.json({
                model, created_at: now(), response: result.answer,
                ...(result.reasoning === "" ? {} : {thinking: result.reasoning}),
                ...final(generation, result)
            });
        }
        await generation.ready();
        return ndjsonResponse(generation, async function* () {
            for await (const event of generation.events) {
                if (event.type === "reasoning") yield line({model, created_at: now(), response: "", thinking: event.text, done: false});
                else if (event.type === "answer") yield line({model, created_at: now(), response: event.text, done: false});
                else if (event.type === "done") yield line({model, created_at: now(), response: "", ...final(generation, event.result)});
            }
        });
    });

    app.post("/embed", async (c) => {
        const body = await readJsonBody(c, ollamaEmbedRequestSchema);
        const input = body.input === null || body.input === undefined ? [] : typeof body.input === "string" ? [body.input] : body.input;
        const result = await embed(c.req.raw.signal, body, input);
        return c.json({
            model: result.model, embeddings: result.vectors,
            total_duration: ns(result.totalMs), load_duration: ns(result.loadMs), prompt_eval_count: result.promptTokens
        });
    });

    // Ollama's older endpoint: one `prompt`, one `embedding`.
    app.post("/embeddings", async (c) => {
        const body = await readJsonBody(c, ollamaEmbedRequestSchema);
        const result = await embed(c.req.raw.signal, body, [body.prompt ?? ""]);
        return c.json({embedding: result.vectors[0]});
    });

    async function embed(signal: AbortSignal, body: z.infer<typeof ollamaEmbedRequestSchema>, input: string[]) {
        const started = Date.now();
        const keepAliveMs = keepAlive(body.keep_alive);
        const result = await embedTexts(ctx, {model: body.model, input, clientSignal: signal, ...(keepAliveMs === undefined ? {} : {keepAliveMs})});
        return {...result, totalMs: Date.now() - started};
    }

    app.post("/pull", async (c) => {
        const body = await readJsonBody(c, ollamaModelRequestSchema);
        const name = (body.model ?? body.name)!;
        const source = ctx.pool.source;
        if (source.pull === undefined) throw new ApiError("not_supported", "This server cannot download models; use `r1 pull`.");
        const controller = new AbortController();
        c.req.raw.signal.addEventListener("abort", () => controller.abort(), {once: true});
        const progress = source.pull(name, controller.signal)[Symbol.asyncIterator]();
        // The first step resolves the name: an unknown one is an error status, not a 200 and an error line.
        const first = await progress.next();
        if (body.stream === false) {
            for (let step = first; step.done !== true; step = await progress.next()) { /* drained: the client asked for the final answer only */ }
            return c.json({status: "success"});
        }
        async function* lines(): AsyncGenerator<string> {
            try {
                for (let step = first; step.done !== true; step = await progress.next()) yield line(step.value);
                yield line({status: "success"});
            } catch (error) {
                yield line(errorBody(toApiError(error), "ollama"));
            }
        }
        return new Response(streamBody(lines(), () => controller.abort()), {headers: {"Content-Type": "application/x-ndjson"}});
    });

    app.delete("/delete", async (c) => {
        const body = await readJsonBody(c, ollamaModelRequestSchema);
        const name = (body.model ?? body.name)!;
        const source = ctx.pool.source;
        if (source.remove === undefined) throw new ApiError("not_supported", "This server cannot delete models; use `r1 rm`.");
        // Checked before unloading: a refused or unknown name must not unload anything.
        const descriptor = await source.resolve(name);
        if (descriptor?.readOnly === true)
            throw new ApiError("invalid_request", `Model "${descriptor.name}" is a file given to r1 serve with --model; r1 does not delete it (restart without that --model to stop serving it).`, {param: "model"});
        if (descriptor === undefined) throw new ApiError("model_not_found", `Model "${name}" not found.`, {param: "model"});
        await ctx.pool.unload(name);
        if (!await source.remove(name)) throw new ApiError("model_not_found", `Model "${name}" not found.`, {param: "model"});
        return c.body(null, 200);
    });

    /** Ollama's convention: no prompt or messages means "load the model" (or unload it with keep_alive 0). */
    async function loadOrUnload(c: {json: (body: object) => Response, req: {raw: Request}}, name: string, keepAliveMs: number | undefined,
        contextSize: number | null | undefined, api: "chat" | "generate") {
        const descriptor = await ctx.pool.describe(name);
        const empty = api === "chat" ? {message: {role: "assistant", content: ""}} : {response: ""};
        if (keepAliveMs === 0) {
            await ctx.pool.unload(name);
            return c.json({model: descriptor.name, created_at: now(), ...empty, done: true, done_reason: "unload"});
        }
        const lease = await ctx.pool.acquire(name, {
            signal: c.req.raw.signal,
            ...(keepAliveMs === undefined ? {} : {keepAliveMs}),
            ...(contextSize === null || contextSize === undefined ? {} : {contextSize})
        });
        lease.release();
        return c.json({model: descriptor.name, created_at: now(), ...empty, done: true, done_reason: "load"});
    }

    return app;
}

/** `startGeneration` for /api/chat and /api/generate: Ollama's `keep_alive` (parsed) and `options.num_ctx`. */
function startOllamaGeneration(ctx: ServerContext, body: {model: string, options?: OllamaOptions | null}, input: GenerationRequest["input"],
    options: GenerationRequest["options"], keepAliveMs: number | undefined, clientSignal: AbortSignal): Promise<Generation> {
    const numCtx = body.options?.num_ctx;
    return startGeneration(ctx, {
        model: body.model, input, options, optionField: ollamaField, clientSignal,
        ...(keepAliveMs === undefined ? {} : {keepAliveMs}),
        ...(numCtx === null || numCtx === undefined ? {} : {contextSize: numCtx})
    });
}

function keepAlive(value: unknown): number | undefined {
    try {
        return parseKeepAlive(value);
    } catch (error) {
        throw new ApiError("invalid_request", (error as Error).message, {param: "keep_alive"});
    }
}

/** Ollama's names for the engine's options in a 400. */
const ollamaField: OptionField = (option) => option.startsWith("responseFormat") ? option.replace(/^responseFormat(\.schema)?/, "format") : apiField(option);

/**
 * Ollama's messages as the engine's. Ollama's calls have no ids: each gets one, and a tool
 * result answers the earliest unanswered call of its `tool_name` (or, without one, the earliest).
 */
function toChatMessages(messages: OllamaChatRequest["messages"]): ChatMessage[] {
    const unanswered: ToolCall[] = [];
    return messages.map((m, i): ChatMessage => {
        const content = m.content ?? "";
        if (m.role === "assistant" && m.tool_calls !== null && m.tool_calls !== undefined && m.tool_calls.length > 0) {
            const toolCalls = m.tool_calls.map((call, j) => ({id: call.id ?? `call_${i}_${j}`, name: call.function.name, arguments: JSON.stringify(call.function.arguments)}));
            unanswered.push(...toolCalls);
            return {role: "assistant", content, toolCalls};
        }
        if (m.role === "tool") {
            const at = m.tool_call_id !== null && m.tool_call_id !== undefined ? unanswered.findIndex((call) => call.id === m.tool_call_id)
                : m.tool_name !== null && m.tool_name !== undefined ? unanswered.findIndex((call) => call.name === m.tool_name)
                : unanswered.length > 0 ? 0 : -1;
            if (at < 0) {
                const named = m.tool_call_id ?? m.tool_name;
                throw new ApiError("invalid_request", `messages.${i}: this tool result answers no earlier tool call${named === null || named === undefined ? "" : ` (${named})`}`, {param: `messages.${i}`});
            }
            const [call] = unanswered.splice(at, 1);
            return {role: "tool", content, toolCallId: call!.id};
        }
        return {role: m.role, content};
    });
}

function toolOptions(tools: OllamaChatRequest["tools"], format: OllamaChatRequest["format"]): Omit<GenerationOptions, "signal"> {
    const options: Omit<GenerationOptions, "signal"> = {};
    if (tools !== null && tools !== undefined && tools.length > 0)
        options.tools = tools.map((tool) => ({
            name: tool.function.name,
            ...(tool.function.description === null || tool.function.description === undefined ? {} : {description: tool.function.description}),
            parameters: tool.function.parameters ?? {type: "object", properties: {}}
        }));
    if (format === "json") options.responseFormat = {type: "json_object"};
    else if (typeof format === "object" && format !== null) options.responseFormat = {type: "json_schema", schema: format};
    return options;
}

function ollamaToolCall(call: ToolCall) {
    return {id: call.id, function: {name: call.name, arguments: JSON.parse(call.arguments) as object}};
}

function generationOptions(options: OllamaOptions | null | undefined, think: boolean | string | null | undefined): Omit<GenerationOptions, "signal"> {
    const result: Omit<GenerationOptions, "signal"> = {};
    // Levels ("low", "high") mean "think" here: R1 has no effort setting (reasoning_budget bounds it).
    if (think === false) result.think = false;
    else if (think !== null && think !== undefined) result.think = true;
    if (options === null || options === undefined) return result;
    if (options.num_predict !== null && options.num_predict !== undefined && options.num_predict > 0) result.maxTokens = options.num_predict;
    return {...result, ...samplingOptions(options)};
}

function modelSummary(model: ModelDescriptor, architecture?: string) {
    return {name: model.name, model: model.name, size: model.size, digest: model.digest, details: details(model, architecture ?? model.family ?? "")};
}

function details(model: ModelDescriptor, family: string) {
    return {
        parent_model: "",
        format: "gguf",
        family,
        families: family === "" ? null : [family],
        parameter_size: model.parameterSize ?? "",
        quantization_level: model.quantization ?? ""
    };
}

const ns = (ms: number) => Math.round(ms * 1e6);

/** The closing fields of an Ollama answer; durations in nanoseconds. */
function final(generation: Generation, result: GenerationResult) {
    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
    return {
        done: true,
        done_reason: result.finishReason === "length" ? "length" : "stop",
        total_duration: ns(Date.now() - generation.startedAt),
        load_duration: ns(generation.loadMs),
        prompt_eval_count: result.usage.promptTokens,
        prompt_eval_duration: ns(result.timings.promptMs),
        eval_count: result.usage.completionTokens,
        eval_duration: ns(result.timings.generationMs)
    };
}

function now(): string {
    return new Date().toISOString();
}

function line(data: object): string {
    return `${JSON.stringify(data)}\n`;
}

/** An NDJSON response over `events`; a failure mid-stream becomes one `{error}` line, as Ollama does. */
function ndjsonResponse(generation: Generation, events: () => AsyncGenerator<string>): Response {
    async function* withErrors(): AsyncGenerator<string> {
        try {
            yield* events();
        } catch (error) {
            yield line(errorBody(toApiError(error), "ollama"));
        } finally {
            generation.close();
        }
    }
    return new Response(streamBody(withErrors(), () => generation.close()), {headers: {"Content-Type": "application/x-ndjson"}});
}
