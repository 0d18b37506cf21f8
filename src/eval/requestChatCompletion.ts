import {EndpointError} from "./errors/EndpointError.js";
import {splitThink} from "./splitThink.js";

/** Most characters of one completion kept; a server that streams forever is cut off here. */
export const MAX_COMPLETION_CHARS = 2_000_000;
/** Longest single SSE line accepted. */
export const MAX_SSE_LINE_CHARS = 1_000_000;
/** Largest non-streamed reply body accepted. */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export interface ChatCompletionRequest {
    /** Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:11435/v1`. */
    endpoint: string;
    model: string;
    /** Sent as `Authorization: Bearer …` when set. */
    apiKey?: string;
    /** The whole user message; no system prompt (DeepSeek's protocol). */
    prompt: string;
    temperature: number;
    topP: number;
    maxTokens: number;
    signal?: AbortSignal;
    /**
     * A request that receives nothing for this long (no headers, no stream data) is dropped as a
     * retryable failure. Long on purpose: a busy server queues requests before answering.
     * Defaults to `DEFAULT_STALL_TIMEOUT_MS` (10 minutes).
     */
    stallTimeoutMs?: number;
    /** Defaults to the global `fetch`. */
    fetch?: typeof fetch;
}

/** Default `stallTimeoutMs`. */
export const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000;

export interface ChatCompletionResult {
    reasoning: string;
    answer: string;
    /** `"length"` when the token limit cut the completion. */
    finishReason?: string;
    /** From the server's `usage`, when it sends one. */
    completionTokens?: number;
    /** From `usage.completion_tokens_details.reasoning_tokens`, when the server sends it. */
    reasoningTokens?: number;
    /** Streamed deltas that carried reasoning / answer text (≈ tokens on llama.cpp-style servers). */
    reasoningChunks: number;
    answerChunks: number;
    /** Milliseconds from the request to the first text, and to the end. */
    firstTextMs?: number;
    totalMs: number;
}

interface Delta {
    content?: unknown;
    reasoning_content?: unknown;
    reasoning?: unknown;
}

interface Usage {
    completion_tokens?: unknown;
    completion_tokens_details?: {reasoning_tokens?: unknown} | null;
}

function count(value: unknown): number | undefined {
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function text(value: unknown): string {
    return typeof value === "string" ? value : "";
}

/** Mutable state of one completion while its stream arrives. */
class Accumulator {
    reasoning = "";
    content = "";
    reasoningChunks = 0;
    answerChunks = 0;
    finishReason?: string;
    completionTokens?: number;
    reasoningTokens?: number;
    firstTextMs?: number;
    /** Set when the server sent reasoning apart; then `<think>` in content is not split again. */
    separateReasoning = false;

    constructor(private readonly started: number) {}

    add(delta: Delta): void {
        const reasoning = text(delta.reasoning_content) || text(delta.reasoning);
        const content = text(delta.content);
        if (reasoning !== "") {
            this.separateReasoning = true;
            this.reasoning += reasoning;
            this.reasoningChunks++;
        }
        if (content !== "") {
            this.content += content;
            this.answerChunks++;
        }
        if ((reasoning !== "" || content !== "") && this.firstTextMs === undefined) this.firstTextMs = performance.now() - this.started;
    }

    usage(usage: Usage | null | undefined): void {
        if (usage === null || usage === undefined || typeof usage !== "object") return;
        this.completionTokens = count(usage.completion_tokens) ?? this.completionTokens;
        this.reasoningTokens = count(usage.completion_tokens_details?.reasoning_tokens) ?? this.reasoningTokens;
    }

    get length(): number {
        return this.reasoning.length + this.content.length;
    }

    result(totalMs: number): ChatCompletionResult {
        let {reasoning, content: answer} = this;
        let {reasoningChunks, answerChunks} = this;
        if (!this.separateReasoning) {
            const split = splitThink(answer);
            if (split.reasoning !== "" || split.answer !== answer.trim()) {
                // Chunks of `<think>` text were counted as answer; share them out by length.
                const total = answerChunks;
                reasoningChunks = answer.length === 0 ? 0 : Math.round(total * split.reasoning.length / answer.length);
                answerChunks = total - reasoningChunks;
                ({reasoning, answer} = split);
            }
        }
        return {
            reasoning, answer, reasoningChunks, answerChunks, totalMs,
            ...(this.finishReason === undefined ? {} : {finishReason: this.finishReason}),
            ...(this.completionTokens === undefined ? {} : {completionTokens: this.completionTokens}),
            ...(this.reasoningTokens === undefined ? {} : {reasoningTokens: this.reasoningTokens}),
            ...(this.firstTextMs === undefined ? {} : {firstTextMs: this.firstTextMs})
        };
    }
}

function chatUrl(endpoint: string): string {
    return `${endpoint.replace(/\/+$/, "")}/chat/completions`;
}

async function readSse(body: ReadableStream<Uint8Array>, acc: Accumulator, url: string, onData: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    let sawData = false;
    const handle = (line: string): boolean => {
        if (!line.startsWith("data:")) return false;
        const data = line.slice(5).trim();
        if (data === "[DONE]") return true;
        let event: {choices?: {delta?: Delta, message?: Delta, finish_reason?: unknown}[], usage?: Usage, error?: {message?: unknown}};
        try {
            event = JSON.parse(data) as typeof event;
        } catch {
            throw new EndpointError(url, "malformed stream event (not JSON)", undefined, {retryable: true});
        }
        if (event === null || typeof event !== "object") throw new EndpointError(url, "malformed stream event", undefined, {retryable: true});
        if (event.error !== undefined) throw new EndpointError(url, `server error in stream: ${text(event.error?.message) || "unknown"}`, undefined, {retryable: true});
        sawData = true;
        const choice = Array.isArray(event.choices) ? event.choices[0] : undefined;
        if (choice !== undefined) {
            acc.add(choice.delta ?? choice.message ?? {});
            if (typeof choice.finish_reason === "string") acc.finishReason = choice.finish_reason;
        }
        acc.usage(event.usage);
        if (acc.length > MAX_COMPLETION_CHARS) throw new EndpointError(url, `completion longer than ${MAX_COMPLETION_CHARS} characters`);
        return false;
    };
    const reader = body.getReader();
    try {
        for (;;) {
            const {value, done} = await reader.read();
            onData();
            buffer += decoder.decode(value, {stream: !done});
            let newline: number;
            while ((newline = buffer.indexOf("\n")) >= 0) {
                const line = buffer.slice(0, newline).replace(/\r$/, "");
                buffer = buffer.slice(newline + 1);
                if (handle(line)) return;
            }
            if (buffer.length > MAX_SSE_LINE_CHARS) throw new EndpointError(url, `stream line longer than ${MAX_SSE_LINE_CHARS} characters`);
            if (done) break;
        }
        if (buffer.trim() !== "") handle(buffer.trim());
        if (!sawData) throw new EndpointError(url, "empty stream", undefined, {retryable: true});
    } finally {
        await reader.cancel().catch(() => undefined);
    }
}

async function readJson(response: Response, acc: Accumulator, url: string): Promise<void> {
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_REPLY_BYTES) throw new EndpointError(url, `reply of ${length} bytes, more than ${MAX_REPLY_BYTES}`);
    const body = await response.text();
    if (body.length > MAX_REPLY_BYTES) throw new EndpointError(url, `reply longer than ${MAX_REPLY_BYTES} characters`);
    let json: {choices?: {message?: Delta, finish_reason?: unknown}[], usage?: Usage};
    try {
        json = JSON.parse(body) as typeof json;
    } catch {
        throw new EndpointError(url, "reply is not JSON", response.status, {retryable: true});
    }
    const choice = Array.isArray(json?.choices) ? json.choices[0] : undefined;
    if (choice?.message === undefined) throw new EndpointError(url, "reply has no choices[0].message", response.status, {retryable: true});
    acc.add(choice.message);
    if (typeof choice.finish_reason === "string") acc.finishReason = choice.finish_reason;
    acc.usage(json.usage);
}

/**
 * One chat completion from an OpenAI-compatible endpoint, streamed (SSE) so a long reasoning trace
 * never sits in one buffer; a server that answers with plain JSON works too. Reasoning comes from
 * `reasoning_content` (DeepSeek, r1, llama.cpp) or `reasoning` (Ollama, vLLM), else from
 * `<think>…</think>` in the content. Throws EndpointError; `retryable` says whether to try again.
 */
export async function requestChatCompletion(request: ChatCompletionRequest): Promise<ChatCompletionResult> {
    const url = chatUrl(request.endpoint);
    const doFetch = request.fetch ?? fetch;
    const started = performance.now();
    const acc = new Accumulator(started);
    const stallMs = request.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const stall = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => stall.abort(), stallMs);
    };
    const signal = request.signal === undefined ? stall.signal : AbortSignal.any([request.signal, stall.signal]);
    const stalled = (): EndpointError => new EndpointError(url, `no data for ${Math.round(stallMs / 1000)} s`, undefined, {retryable: true});
    arm();
    try {
        let response: Response;
        try {
            response = await doFetch(url, {
                method: "POST",
                headers: {
                    "content-type": "application/json",
                    accept: "text/event-stream",
                    ...(request.apiKey === undefined || request.apiKey === "" ? {} : {authorization: `Bearer ${request.apiKey}`})
                },
                body: JSON.stringify({
                    model: request.model,
                    messages: [{role: "user", content: request.prompt}],
                    temperature: request.temperature,
                    top_p: request.topP,
                    max_tokens: request.maxTokens,
                    stream: true,
                    stream_options: {include_usage: true}
                }),
                signal
            });
        } catch (error) {
            if (request.signal?.aborted === true) throw error;
            if (stall.signal.aborted) throw stalled();
            const cause = (error as {cause?: {code?: string}}).cause;
            throw new EndpointError(url, `cannot connect (${cause?.code ?? (error as Error).message})`, undefined, {retryable: true, cause: error});
        }
        arm();
        if (!response.ok) {
            const detail = (await response.text().catch(() => "")).slice(0, 300).replace(/\s+/g, " ").trim();
            const retryable = response.status === 429 || response.status >= 500;
            throw new EndpointError(url, `HTTP ${response.status}${detail === "" ? "" : ` (${detail})`}`, response.status, {retryable});
        }
        try {
            const type = response.headers.get("content-type") ?? "";
            if (type.includes("text/event-stream") && response.body !== null) await readSse(response.body, acc, url, arm);
            else await readJson(response, acc, url);
        } catch (error) {
            if (request.signal?.aborted === true) throw error;
            if (stall.signal.aborted) throw stalled();
            if (error instanceof EndpointError) throw error;
            throw new EndpointError(url, `connection lost (${(error as Error).message})`, undefined, {retryable: true, cause: error});
        }
        return acc.result(performance.now() - started);
    } finally {
        clearTimeout(timer);
    }
}
