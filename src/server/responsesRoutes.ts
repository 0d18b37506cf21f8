import {randomUUID} from "node:crypto";
import {Hono} from "hono";
import type {ChatMessage, GenerationOptions, GenerationResult, ToolCall} from "../engine/types.js";
import {ApiError} from "./ApiError.js";
import {checkChatRequest, type OptionField} from "./checkChatRequest.js";
import {errorBody, toApiError} from "./errorResponse.js";
import {readJsonBody} from "./readJsonBody.js";
import {ResponseStore} from "./ResponseStore.js";
import {responsesRequestSchema, type ResponsesInputItem, type ResponsesRequest} from "./responsesSchemas.js";
import type {ServerContext} from "./ServerContext.js";
import {startGeneration, type Generation} from "./startGeneration.js";
import {streamBody} from "./streamBody.js";

/**
 * OpenAI's Responses API (`POST /v1/responses`, `GET`/`DELETE /v1/responses/{id}`). R1's reasoning
 * is a `reasoning` output item with `reasoning_text` content (OpenAI's form for open-weight
 * models' raw reasoning); function tools run on the engine's tool contract. `store` (OpenAI's
 * default `true`) keeps the response in bounded memory (`ResponseStore`) for
 * `previous_response_id`; an unknown or evicted id is a 404 saying so.
 */
export function responsesRoutes(ctx: ServerContext, store = new ResponseStore()): Hono {
    const app = new Hono();

    app.post("/responses", async (c) => {
        const body = await readJsonBody(c, responsesRequestSchema);
        const previous = body.previous_response_id === null || body.previous_response_id === undefined ? undefined : store.get(body.previous_response_id);
        if (body.previous_response_id !== null && body.previous_response_id !== undefined && previous === undefined)
            throw new ApiError("not_found", `previous_response_id "${body.previous_response_id}" is not stored here: r1 keeps the last ${store.maxResponses} stored responses in memory, not across restarts; send the whole conversation as input instead.`,
                {param: "previous_response_id"});
        // Each item was validated against its type's schema by the request schema's refinement.
        const turns = [...(previous?.messages ?? []), ...toChatMessages(body.input as string | ResponsesInputItem[])];
        const instructions = body.instructions ?? "";
        const messages: ChatMessage[] = instructions === "" ? turns : [{role: "system", content: instructions}, ...turns];
        const options = generationOptions(body);
        checkChatRequest(messages, options, responsesField);
        const generation = await startGeneration(ctx, {model: body.model, input: {messages}, options, clientSignal: c.req.raw.signal, optionField: responsesField});
        const id = `resp_${hex()}`;
        const createdAt = Math.floor(generation.startedAt / 1000);
        const envelope = (status: string, output: object[], result?: GenerationResult) => ({
            id, object: "response", created_at: createdAt, status,
            ...(result === undefined ? {} : {completed_at: Math.floor(Date.now() / 1000)}),
            error: null,
            incomplete_details: result?.finishReason === "length" ? {reason: "max_output_tokens"} : null,
            instructions: body.instructions ?? null,
            max_output_tokens: body.max_output_tokens ?? null,
            model: generation.descriptor.name,
            output,
            parallel_tool_calls: body.parallel_tool_calls ?? true,
            previous_response_id: body.previous_response_id ?? null,
            reasoning: {effort: body.reasoning?.effort ?? null, summary: null},
            store: body.store !== false,
            temperature: body.temperature ?? null,
            text: {format: body.text?.format ?? {type: "text"}},
            tool_choice: body.tool_choice ?? "auto",
            tools: (body.tools ?? []).map((tool) => ({type: "function", name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? true})),
            top_p: body.top_p ?? null,
            truncation: "disabled",
            usage: result === undefined ? null : usage(result),
            user: body.user ?? null,
            metadata: body.metadata ?? {}
        });
        const finish = (result: GenerationResult, output: object[]) => {
            const response = envelope(result.finishReason === "length" ? "incomplete" : "completed", output, result);
            if (body.store !== false) {
                const reply: ChatMessage = {role: "assistant", content: result.answer, ...(result.toolCalls.length === 0 ? {} : {toolCalls: result.toolCalls})};
                store.put(id, {response, messages: [...turns, reply]});
            }
            return response;
        };

        if (body.stream !== true) {
            const result = await generation.collect();
            const output: object[] = [];
            if (result.reasoning !== "") output.push(reasoningItem(`rs_${hex()}`, result.reasoning, "completed"));
            if (result.answer !== "" || result.toolCalls.length === 0) output.push(messageItem(`msg_${hex()}`, result.answer, "completed"));
            for (const call of result.toolCalls) output.push(functionCallItem(call, "completed"));
            return c.json(finish(result, output));
        }

        await generation.ready();
        return sseResponse(generation, async function* () {
            let sequence = 0;
            const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({type, sequence_number: sequence++, ...data})}\n\n`;
            yield event("response.created", {response: envelope("in_progress", [])});
            yield event("response.in_progress", {response: envelope("in_progress", [])});
            const output: object[] = [];
            /** The item being streamed: reasoning or message text, delta by delta. */
            let open: {kind: "reasoning" | "message", id: string, text: string} | undefined;
            const close = function* () {
                if (open === undefined) return;
                const index = output.length;
                if (open.kind === "reasoning") {
                    yield event("response.reasoning_text.done", {item_id: open.id, output_index: index, content_index: 0, text: open.text});
                    yield event("response.content_part.done", {item_id: open.id, output_index: index, content_index: 0, part: {type: "reasoning_text", text: open.text}});
                    output.push(reasoningItem(open.id, open.text, "completed"));
                } else {
                    yield event("response.output_text.done", {item_id: open.id, output_index: index, content_index: 0, text: open.text, logprobs: []});
                    yield event("response.content_part.done", {item_id: open.id, output_index: index, content_index: 0, part: outputText(open.text)});
                    output.push(messageItem(open.id, open.text, "completed"));
                }
                yield event("response.output_item.done", {output_index: index, item: output[index]});
                open = undefined;
            };
            const begin = function* (kind: "reasoning" | "message") {
                if (open?.kind === kind) return;
                yield* close();
                open = {kind, id: `${kind === "reasoning" ? "rs" : "msg"}_${hex()}`, text: ""};
                const index = output.length;
                const item = kind === "reasoning" ? {...reasoningItem(open.id, "", "in_progress"), content: []} : {...messageItem(open.id, "", "in_progress"), content: []};
                yield event("response.output_item.added", {output_index: index, item});
                yield event("response.content_part.added", {item_id: open.id, output_index: index, content_index: 0, part: kind === "reasoning" ? {type: "reasoning_text", text: ""} : outputText("")});
            };
            for await (const item of generation.events) {
                if (item.type === "reasoning" || item.type === "answer") {
                    if (item.text === "") continue;
                    const kind = item.type === "reasoning" ? "reasoning" : "message";
                    yield* begin(kind);
                    open!.text += item.text;
                    yield event(kind === "reasoning" ? "response.reasoning_text.delta" : "response.output_text.delta", {
                        item_id: open!.id, output_index: output.length, content_index: 0, delta: item.text, ...(kind === "message" ? {logprobs: []} : {})
                    });
                } else if (item.type === "toolCall") {
                    yield* close();
                    const index = output.length;
                    const done = functionCallItem(item.call, "completed");
                    yield event("response.output_item.added", {output_index: index, item: {...done, arguments: "", status: "in_progress"}});
                    yield event("response.function_call_arguments.delta", {item_id: done.id, output_index: index, delta: item.call.arguments});
                    yield event("response.function_call_arguments.done", {item_id: done.id, output_index: index, name: item.call.name, arguments: item.call.arguments});
                    output.push(done);
                    yield event("response.output_item.done", {output_index: index, item: done});
                } else {
                    if (generation.timedOut()) throw new ApiError("timeout", "The request ran past its time limit and was stopped.");
                    // A reply with no output at all still carries one (empty) message, as the non-streamed one does.
                    if (output.length === 0 && open === undefined) yield* begin("message");
                    yield* close();
                    const response = finish(item.result, output);
                    yield event(response.status === "incomplete" ? "response.incomplete" : "response.completed", {response});
                }
            }
        }, (error) => `event: error\ndata: ${JSON.stringify({type: "error", sequence_number: -1, ...(errorBody(toApiError(error), "openai") as {error: object}).error})}\n\n`);
    });

    app.get("/responses/:id", (c) => {
        const stored = store.get(c.req.param("id"));
        if (stored === undefined) throw new ApiError("not_found", `Response "${c.req.param("id")}" is not stored here (kept in memory only, the last ${store.maxResponses}).`);
        return c.json(stored.response);
    });

    app.delete("/responses/:id", (c) => {
        const id = c.req.param("id");
        if (!store.delete(id)) throw new ApiError("not_found", `Response "${id}" is not stored here.`);
        return c.json({id, object: "response.deleted", deleted: true});
    });

    return app;
}

/** The engine's option names as this API's fields, for 400s. */
const responsesField: OptionField = (option) => option
    .replace(/^tools\[(\d+)\]\./, "tools.$1.")
    .replace(/^toolChoice/, "tool_choice")
    .replace(/^parallelToolCalls/, "parallel_tool_calls")
    .replace(/^responseFormat\.schema/, "text.format.schema")
    .replace(/^responseFormat/, "text.format")
    .replace(/^thinkBudget/, "reasoning_budget");

function generationOptions(body: ResponsesRequest): Omit<GenerationOptions, "signal"> {
    const options: Omit<GenerationOptions, "signal"> = {};
    if (body.max_output_tokens !== null && body.max_output_tokens !== undefined) options.maxTokens = body.max_output_tokens;
    if (body.temperature !== null && body.temperature !== undefined) options.temperature = body.temperature;
    if (body.top_p !== null && body.top_p !== undefined) options.topP = body.top_p;
    if (body.seed !== null && body.seed !== undefined) options.seed = body.seed;
    if (body.reasoning_budget !== null && body.reasoning_budget !== undefined) options.thinkBudget = body.reasoning_budget;
    if (body.reasoning?.effort === "none") options.think = false;
    if (body.tools !== null && body.tools !== undefined && body.tools.length > 0)
        options.tools = body.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === null || tool.description === undefined ? {} : {description: tool.description}),
            parameters: tool.parameters ?? {type: "object", properties: {}}
        }));
    const choice = body.tool_choice;
    if (choice !== null && choice !== undefined) options.toolChoice = typeof choice === "string" ? choice : {name: choice.name};
    if (body.parallel_tool_calls !== null && body.parallel_tool_calls !== undefined) options.parallelToolCalls = body.parallel_tool_calls;
    const format = body.text?.format;
    if (format?.type === "json_object") options.responseFormat = {type: "json_object"};
    if (format?.type === "json_schema") options.responseFormat = {type: "json_schema", schema: format.schema, name: format.name};
    return options;
}

/**
 * Input items as engine turns: system/developer messages → system, function calls join the
 * assistant turn before them (or start one), function outputs become tool turns, reasoning items
 * are dropped.
 */
export function toChatMessages(input: string | ResponsesInputItem[]): ChatMessage[] {
    if (typeof input === "string") return [{role: "user", content: input}];
    const messages: ChatMessage[] = [];
    for (const item of input) {
        if (item.type === "reasoning") continue;
        if (item.type === "function_call") {
            const call: ToolCall = {id: item.call_id, name: item.name, arguments: item.arguments};
            const last = messages.at(-1);
            if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
            else messages.push({role: "assistant", content: "", toolCalls: [call]});
            continue;
        }
        if (item.type === "function_call_output") {
            messages.push({role: "tool", content: text(item.output), toolCallId: item.call_id});
            continue;
        }
        const role = item.role === "developer" ? "system" : item.role;
        messages.push({role, content: text(item.content)});
    }
    return messages;
}

function text(content: string | {text?: string | undefined}[]): string {
    return typeof content === "string" ? content : content.map((part) => part.text ?? "").join("");
}

function hex(): string {
    return randomUUID().replace(/-/g, "");
}

function outputText(text: string) {
    return {type: "output_text", text, annotations: [], logprobs: []};
}

function messageItem(id: string, text: string, status: string) {
    return {type: "message", id, status, role: "assistant", content: [outputText(text)]};
}

function reasoningItem(id: string, text: string, status: string) {
    return {type: "reasoning", id, status, summary: [], content: [{type: "reasoning_text", text}]};
}

function functionCallItem(call: ToolCall, status: string) {
    return {type: "function_call", id: `fc_${call.id.replace(/^call_/, "")}`, call_id: call.id, name: call.name, arguments: call.arguments, status};
}

function usage(result: GenerationResult) {
    return {
        input_tokens: result.usage.promptTokens,
        input_tokens_details: {cached_tokens: result.usage.cachedPromptTokens ?? 0},
        output_tokens: result.usage.completionTokens,
        output_tokens_details: {reasoning_tokens: result.usage.reasoningTokens},
        total_tokens: result.usage.promptTokens + result.usage.completionTokens
    };
}

/** An SSE response over `events` (no `[DONE]`: the Responses stream ends with its final event). */
function sseResponse(generation: Generation, events: () => AsyncGenerator<string>, failure: (error: unknown) => string): Response {
    async function* withErrors(): AsyncGenerator<string> {
        try {
            yield* events();
        } catch (error) {
            yield failure(error);
        } finally {
            generation.close();
        }
    }
    return new Response(streamBody(withErrors(), () => generation.close()), {
        headers: {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "Connection": "keep-alive"}
    });
}
