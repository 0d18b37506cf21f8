/**
 * The page's client for the OpenAI-compatible `/v1/chat/completions` stream of `r1 serve`:
 * reasoning arrives as `delta.reasoning_content` (DeepSeek's field), the answer as `delta.content`.
 */
import {readSseData} from "./sse.js";

export interface ChatRequestMessage {
    role: "system" | "user" | "assistant";
    content: string;
}

export interface ChatRequest {
    model: string;
    messages: ChatRequestMessage[];
    /** Defaults to the server's (0.6 for R1). */
    temperature?: number;
    /** Defaults to the server's (0.95 for R1). */
    topP?: number;
    /** Context size to load the model with; the server's choice when absent. */
    contextSize?: number;
    /** Most reasoning tokens before the model must answer; unlimited when absent. */
    thinkBudget?: number;
}

export interface ChatUsage {
    promptTokens?: number;
    completionTokens?: number;
    reasoningTokens?: number;
}

export type ChatStreamEvent =
    | {type: "reasoning", text: string}
    | {type: "answer", text: string}
    | {type: "finish", reason: string}
    | {type: "usage", usage: ChatUsage}
    /** The server's own speed figures (llama.cpp's `timings` on the last chunk), measured where the tokens were made. */
    | {type: "timings", generationTokensPerSecond?: number, promptTokensPerSecond?: number};

/** A failure the page shows under the reply, in the server's own words when it sent any. */
export class ChatStreamError extends Error {
    readonly status?: number;

    constructor(message: string, status?: number) {
        super(message);
        this.name = "ChatStreamError";
        if (status !== undefined) this.status = status;
    }
}

/**
 * The JSON body for `/v1/chat/completions`. Extensions are sent only when set: `reasoning_budget`
 * (llama.cpp's name for the thinking budget) and `num_ctx` (Ollama's name for the context size).
 */
export function chatRequestBody(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
        model: request.model,
        messages: request.messages,
        stream: true,
        stream_options: {include_usage: true}
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
    if (request.contextSize !== undefined) body.num_ctx = request.contextSize;
    if (request.thinkBudget !== undefined) body.reasoning_budget = request.thinkBudget;
    return body;
}

/** Turns one parsed `chat.completion.chunk` into the events it carries. */
export function chunkEvents(chunk: unknown): ChatStreamEvent[] {
    const events: ChatStreamEvent[] = [];
    if (typeof chunk !== "object" || chunk === null) return events;
    const c = chunk as {error?: {message?: unknown}, choices?: unknown, usage?: unknown, timings?: {predicted_per_second?: unknown, prompt_per_second?: unknown}};
    if (c.error !== undefined)
        throw new ChatStreamError(typeof c.error?.message === "string" ? c.error.message : "the server reported an error");
    const choice = Array.isArray(c.choices) ? c.choices[0] as {delta?: Record<string, unknown>, finish_reason?: unknown} | undefined : undefined;
    const delta = choice?.delta;
    if (delta !== undefined) {
        // Some servers (vLLM, Ollama's /v1) name the field `reasoning`; accept both.
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (typeof reasoning === "string" && reasoning !== "") events.push({type: "reasoning", text: reasoning});
        if (typeof delta.content === "string" && delta.content !== "") events.push({type: "answer", text: delta.content});
    }
    if (typeof choice?.finish_reason === "string") events.push({type: "finish", reason: choice.finish_reason});
    if (typeof c.timings === "object" && c.timings !== null) {
        const timings: ChatStreamEvent & {type: "timings"} = {type: "timings"};
        const positive = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n > 0;
        if (positive(c.timings.predicted_per_second)) timings.generationTokensPerSecond = c.timings.predicted_per_second;
        if (positive(c.timings.prompt_per_second)) timings.promptTokensPerSecond = c.timings.prompt_per_second;
        events.push(timings);
    }
    if (typeof c.usage === "object" && c.usage !== null) {
        const u = c.usage as {prompt_tokens?: unknown, completion_tokens?: unknown, completion_tokens_details?: {reasoning_tokens?: unknown}};
        const usage: ChatUsage = {};
        if (typeof u.prompt_tokens === "number") usage.promptTokens = u.prompt_tokens;
        if (typeof u.completion_tokens === "number") usage.completionTokens = u.completion_tokens;
        if (typeof u.completion_tokens_details?.reasoning_tokens === "number") usage.reasoningTokens = u.completion_tokens_details.reasoning_tokens;
        events.push({type: "usage", usage});
    }
    return events;
}

async function errorMessageOf(response: Response): Promise<string> {
    const text = await response.text().catch(() => "");
    try {
        const json = JSON.parse(text) as {error?: {message?: unknown} | string};
        if (typeof json.error === "string") return json.error;
        if (typeof json.error?.message === "string") return json.error.message;
    } catch {
        // not JSON: fall through to the status line
    }
    return `the server answered ${response.status} ${response.statusText}`.trim();
}

/** Streams one chat completion. Aborting `signal` ends the iteration quietly (an `AbortError` is thrown). */
export interface StreamChatOptions {
    signal?: AbortSignal;
    /** Server origin. Defaults to the page's own. */
    baseUrl?: string;
    /** Sent as `Authorization: Bearer …` (servers started with `--api-key`). Defaults to none. */
    apiKey?: string;
    fetch?: typeof fetch;
}

/** Headers for r1's API, with the key when one is set. */
export function apiHeaders(apiKey: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
    return apiKey === undefined || apiKey === "" ? extra : {...extra, authorization: `Bearer ${apiKey}`};
}

export async function* streamChat(request: ChatRequest, options: StreamChatOptions = {}): AsyncGenerator<ChatStreamEvent> {
    const doFetch = options.fetch ?? fetch;
    const response = await doFetch(`${options.baseUrl ?? ""}/v1/chat/completions`, {
        method: "POST",
        headers: apiHeaders(options.apiKey, {"content-type": "application/json", accept: "text/event-stream"}),
        body: JSON.stringify(chatRequestBody(request)),
        ...(options.signal === undefined ? {} : {signal: options.signal})
    });
    if (!response.ok) throw new ChatStreamError(await errorMessageOf(response), response.status);
    if (response.body === null) throw new ChatStreamError("the server sent no body");
    for await (const data of readSseData(response.body)) {
        if (data.trim() === "[DONE]") return;
        let chunk: unknown;
        try {
            chunk = JSON.parse(data);
        } catch {
            throw new ChatStreamError("the server sent a malformed stream chunk");
        }
        yield* chunkEvents(chunk);
    }
}
