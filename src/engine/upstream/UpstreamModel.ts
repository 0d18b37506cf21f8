import {NoFreeSequenceError, UnsupportedOptionError} from "../errors.js";
import {MAX_PARALLEL_SEQUENCES} from "../loadLimits.js";
import {readServerSentEvents} from "../readServerSentEvents.js";
import {ReplyAssembler} from "../ReplyAssembler.js";
import {SyncHttpPoster} from "../syncHttpPost.js";
import type {ChatMessage, GenerationEvent, GenerationOptions, LoadedModel, LoadedModelInfo} from "../types.js";
import {UpstreamError} from "./errors.js";
import {MAX_UPSTREAM_JSON_BYTES, MAX_UPSTREAM_REPLY_CHARS, UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_TOKENIZE_TIMEOUT_MS} from "./limits.js";
import {ExitCode} from "../../util/R1Error.js";

export interface LoadUpstreamModelOptions {
    /** Base URL of an OpenAI-compatible server: `http://host:port` or `http://host:port/v1`. */
    url: string;
    /** Sent as `Authorization: Bearer KEY`. Defaults to none. */
    apiKey?: string;
    /** The upstream's model id. Defaults to its only model (an error when it lists several). */
    model?: string;
    /** Requests r1 sends at once (the upstream queues or batches them itself). Defaults to `1`. */
    parallel?: number;
    /**
     * Whether the upstream's replies start inside R1's thought when they carry no `reasoning_content`
     * (R1's template opens `<think>` in the prompt, so a server without a reasoning parser streams the
     * thought and then `</think>`). Defaults to `"auto"`: yes when the model id names an R1 model.
     */
    startsInReasoning?: boolean | "auto";
    signal?: AbortSignal;
}

/** DeepSeek's recommended sampling for R1, as in the other engines. */
const DEFAULT_TEMPERATURE = 0.6;
const DEFAULT_TOP_P = 0.95;

interface ModelList {
    data?: {id?: unknown, max_model_len?: unknown, meta?: {n_ctx_train?: unknown}}[];
}

/** One `chat.completion.chunk` as r1 reads it (OpenAI's, plus vLLM's and llama-server's reasoning fields). */
interface ChatChunk {
    choices?: {delta?: {content?: unknown, reasoning_content?: unknown, reasoning?: unknown}, finish_reason?: unknown}[];
    usage?: {prompt_tokens?: unknown, completion_tokens?: unknown, prompt_tokens_details?: {cached_tokens?: unknown},
        completion_tokens_details?: {reasoning_tokens?: unknown}} | null;
    timings?: {prompt_ms?: unknown, predicted_ms?: unknown, cache_n?: unknown};
    error?: {message?: unknown} | string;
}

const num = (value: unknown): number | undefined => typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;

/** `http://h:p/v1` for `http://h:p`, `http://h:p/`, `http://h:p/v1/`. */
export function upstreamBaseUrl(url: string): string {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new UpstreamError(url, "is not a URL", {exitCode: ExitCode.usage, hint: "pass --upstream http://HOST:PORT (the OpenAI-compatible server's address)"});
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UpstreamError(url, "is not an http(s) URL", {exitCode: ExitCode.usage});
    const trimmed = parsed.href.replace(/\/+$/, "");
    return trimmed.endsWith("/v1") ? trimmed : `${trimmed}/v1`;
}

async function readLimited(response: Response, url: string): Promise<string> {
    if (response.body === null) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > MAX_UPSTREAM_JSON_BYTES) throw new UpstreamError(url, `answer is over MAX_UPSTREAM_JSON_BYTES (${MAX_UPSTREAM_JSON_BYTES} bytes)`);
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
}

function upstreamMessage(text: string): string {
    try {
        const parsed = JSON.parse(text) as {error?: {message?: unknown} | string, message?: unknown, detail?: unknown};
        const message = typeof parsed.error === "string" ? parsed.error : parsed.error?.message ?? parsed.message ?? parsed.detail;
        if (typeof message === "string") return message.replace(/\s+/g, " ").slice(0, 300);
    } catch {
        // Not JSON.
    }
    return text.replace(/\s+/g, " ").slice(0, 200);
}

function connectionFailure(url: string, error: unknown): UpstreamError {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = (cause as {code?: string} | undefined)?.code;
    const message = cause instanceof Error ? cause.message : String(cause);
    if (code === "ECONNREFUSED") return new UpstreamError(url, "connection refused (nothing listens there)");
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH")
        return new UpstreamError(url, `cannot be reached: ${message}`);
    return new UpstreamError(url, `the connection broke off: ${message}`);
}

type ListedModel = NonNullable<ModelList["data"]>[number];

/** The upstream's `/v1/models`, with one-line errors for everything that can go wrong. */
async function fetchModelList(baseUrl: string, apiKey: string | undefined, given: AbortSignal | undefined): Promise<ListedModel[]> {
    let response: Response;
    const signal = given === undefined ? AbortSignal.timeout(UPSTREAM_CONNECT_TIMEOUT_MS) : AbortSignal.any([given, AbortSignal.timeout(UPSTREAM_CONNECT_TIMEOUT_MS)]);
    try {
        response = await fetch(`${baseUrl}/models`, {headers: headers(apiKey), signal});
    } catch (error) {
        throw connectionFailure(baseUrl, error);
    }
    const text = await readLimited(response, baseUrl);
    if (response.status === 401 || response.status === 403)
        throw new UpstreamError(baseUrl, `refused the API key (HTTP ${response.status}): ${upstreamMessage(text)}`, {status: response.status, hint: "pass the right key with --upstream-key"});
    if (!response.ok) throw new UpstreamError(baseUrl, `/models answered HTTP ${response.status}: ${upstreamMessage(text)}`, {status: response.status});
    let list: ModelList;
    try {
        list = JSON.parse(text) as ModelList;
    } catch {
        throw new UpstreamError(baseUrl, `/models answered something that is not JSON: ${text.slice(0, 80).replace(/\s+/g, " ")}`);
    }
    return Array.isArray(list.data) ? list.data.filter((m) => typeof m.id === "string") : [];
}

/** The model ids an OpenAI-compatible server lists (`GET /v1/models`). */
export async function listUpstreamModels(options: {url: string, apiKey?: string, signal?: AbortSignal}): Promise<string[]> {
    const baseUrl = upstreamBaseUrl(options.url);
    return (await fetchModelList(baseUrl, options.apiKey, options.signal)).map((m) => String(m.id));
}

/**
 * A model on any OpenAI-compatible server (vLLM, SGLang, llama-server, another r1): `chat()`
 * streams `/v1/chat/completions`, `complete()` streams `/v1/completions`. The reasoning comes as
 * `reasoning_content` (or vLLM's `reasoning`) or as `<think>…</think>` in the content — both are
 * split; stop strings are applied to the answer in r1; an abort closes the request, which stops the
 * upstream's generation. What an upstream cannot be made to do (a thinking budget, skipping the
 * thought) is refused with `UnsupportedOptionError`, never silently dropped.
 */
export class UpstreamModel implements LoadedModel {
    readonly info: LoadedModelInfo;
    readonly baseUrl: string;
    readonly modelId: string;
    private readonly apiKey: string | undefined;
    private readonly startsInReasoning: boolean;
    private readonly poster = new SyncHttpPoster();
    private active = 0;
    private tokenizeUnavailable = false;

    private constructor(init: {baseUrl: string, modelId: string, apiKey: string | undefined, parallel: number, contextSize: number, startsInReasoning: boolean, loadMs: number}) {
        this.baseUrl = init.baseUrl;
        this.modelId = init.modelId;
        this.apiKey = init.apiKey;
        this.startsInReasoning = init.startsInReasoning;
        this.info = {
            path: `${init.baseUrl}#${init.modelId}`,
            architecture: "unknown",
            contextSize: init.contextSize,
            parallel: init.parallel,
            gpuLayers: 0,
            reasoning: init.startsInReasoning,
            loadMs: init.loadMs,
            engine: "upstream"
        };
    }

    /** Connects: lists the upstream's models and picks `options.model` (or its only one). */
    static async load(options: LoadUpstreamModelOptions): Promise<UpstreamModel> {
        const started = performance.now();
        const baseUrl = upstreamBaseUrl(options.url);
        const parallel = options.parallel ?? 1;
        if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL_SEQUENCES)
            throw new UpstreamError(baseUrl, `parallel ${parallel} is not between 1 and ${MAX_PARALLEL_SEQUENCES}`, {exitCode: ExitCode.usage});
        const models = await fetchModelList(baseUrl, options.apiKey, options.signal);
        const chosen = options.model === undefined
            ? (models.length === 1 ? models[0] : undefined)
            : models.find((m) => m.id === options.model) ?? (models.length === 0 ? {id: options.model} : undefined);
        if (chosen === undefined) {
            const ids = models.map((m) => String(m.id));
            throw new UpstreamError(baseUrl, options.model === undefined
                ? `serves ${ids.length} models (${ids.slice(0, 5).join(", ")}); name one`
                : `has no model "${options.model}" (it serves ${ids.slice(0, 5).join(", ")})`, {exitCode: ExitCode.notFound, hint: "give the model name as the upstream lists it"});
        }
        const modelId = String(chosen.id);
        const contextSize = num(chosen.max_model_len) ?? num(chosen.meta?.n_ctx_train) ?? 0;
        const startsInReasoning = options.startsInReasoning === undefined || options.startsInReasoning === "auto"
            ? /deepseek-r1|r1-distill|(^|[^a-z0-9])r1([^a-z0-9]|$)/i.test(modelId)
            : options.startsInReasoning;
        return new UpstreamModel({baseUrl, modelId, apiKey: options.apiKey, parallel, contextSize, startsInReasoning, loadMs: performance.now() - started});
    }


    chat(messages: ChatMessage[], options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        this.refuse(options, true);
        return this.generate("/chat/completions", {
            // The reasoning of earlier turns is never sent back (DeepSeek's recommendation).
            messages: messages.map((m) => ({role: m.role, content: m.content}))
        }, options, true);
    }

    complete(prompt: string, options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        this.refuse(options, false);
        if (options.echoPrompt === true) throw new UnsupportedOptionError("echoPrompt", "an upstream's /v1/completions does not render the prompt back as its tokenizer reads it");
        return this.generate("/completions", {prompt}, options, false);
    }

    /**
     * Token count from the upstream's `/tokenize` (vLLM's and llama-server's both answer it), as a
     * blocking request: the contract is synchronous. An upstream without it makes this throw.
     */
    countTokens(text: string): number {
        if (this.tokenizeUnavailable) throw new UnsupportedOptionError("countTokens", "the upstream has no /tokenize endpoint");
        const origin = this.baseUrl.replace(/\/v1$/, "");
        const answer = this.poster.post(`${origin}/tokenize`, headers(this.apiKey),
            JSON.stringify({model: this.modelId, prompt: text, content: text, add_special: false, add_special_tokens: false}), UPSTREAM_TOKENIZE_TIMEOUT_MS);
        if (answer.status === 404 || answer.status === 405) {
            this.tokenizeUnavailable = true;
            throw new UnsupportedOptionError("countTokens", "the upstream has no /tokenize endpoint");
        }
        if (answer.status !== 200) throw new UpstreamError(this.baseUrl, `/tokenize answered HTTP ${answer.status}: ${upstreamMessage(answer.text)}`, {status: answer.status});
        try {
            const parsed = JSON.parse(answer.text) as {count?: unknown, tokens?: unknown};
            const count = num(parsed.count) ?? (Array.isArray(parsed.tokens) ? parsed.tokens.length : undefined);
            if (count !== undefined) return count;
        } catch {
            // Reported below.
        }
        throw new UpstreamError(this.baseUrl, "/tokenize answered without a token count");
    }

    async dispose(): Promise<void> {
        await this.poster.close();
    }

    private refuse(options: GenerationOptions, chat: boolean): void {
        if (options.tools !== undefined && options.tools.length > 0) throw new UnsupportedOptionError("tools", chat ? "the upstream engine does not pass tools through yet" : "tools need a chat, not a raw completion");
        if (options.responseFormat !== undefined) throw new UnsupportedOptionError("responseFormat", "the upstream engine does not pass response formats through yet");
        if (options.thinkBudget !== undefined) throw new UnsupportedOptionError("thinkBudget", "an upstream server cannot be made to close its reasoning at a budget", {hint: "use the embedded or llama-server engine for a thinking budget"});
        if (chat && options.think === false) throw new UnsupportedOptionError("think", "an upstream server's template decides whether the model reasons", {hint: "use the embedded or llama-server engine for --no-think"});
    }

    private async *generate(route: string, request: Record<string, unknown>, options: GenerationOptions, chat: boolean): AsyncGenerator<GenerationEvent, void, void> {
        if (this.active >= this.info.parallel) throw new NoFreeSequenceError(this.info.parallel);
        this.active++;
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        options.signal?.addEventListener("abort", onAbort, {once: true});
        try {
            yield* this.stream(route, request, options, chat, controller);
        } finally {
            options.signal?.removeEventListener("abort", onAbort);
            controller.abort();
            this.active--;
        }
    }

    private async *stream(route: string, request: Record<string, unknown>, options: GenerationOptions, chat: boolean, controller: AbortController): AsyncGenerator<GenerationEvent, void, void> {
        // The content's own split: inside R1's thought from the start (see `startsInReasoning`) unless the reply opens `<think>` itself.
        const reply = new ReplyAssembler({started: performance.now(), ...(chat ? {split: {startInReasoning: this.startsInReasoning ? "unlessOpened" : false}} : {}),
            ...(options.stop === undefined ? {} : {stop: options.stop})});
        let received = 0;
        let usage: ChatChunk["usage"];
        let timings: ChatChunk["timings"];
        let serverSplits = false;
        let finished = false;

        const body = {
            ...request,
            model: this.modelId,
            stream: true,
            stream_options: {include_usage: true},
            temperature: options.temperature ?? DEFAULT_TEMPERATURE,
            top_p: options.topP ?? DEFAULT_TOP_P,
            ...(options.maxTokens === undefined ? {} : {max_tokens: options.maxTokens}),
            ...(options.topK === undefined ? {} : {top_k: options.topK}),
            ...(options.minP === undefined ? {} : {min_p: options.minP}),
            ...(options.repeatPenalty === undefined ? {} : {repetition_penalty: options.repeatPenalty}),
            ...(options.seed === undefined ? {} : {seed: options.seed})
        };
        try {
            let response: Response;
            try {
                response = await fetch(`${this.baseUrl}${route}`, {method: "POST", headers: headers(this.apiKey), body: JSON.stringify(body), signal: controller.signal});
            } catch (error) {
                if (options.signal?.aborted === true) throw error;
                throw connectionFailure(this.baseUrl, error);
            }
            if (!response.ok) {
                const text = await readLimited(response, this.baseUrl);
                throw new UpstreamError(this.baseUrl, `${route} answered HTTP ${response.status}: ${upstreamMessage(text)}`, {status: response.status});
            }
            const type = response.headers.get("content-type") ?? "";
            if (!type.includes("text/event-stream"))
                throw new UpstreamError(this.baseUrl, `${route} answered ${type === "" ? "without a content type" : type}, not an event stream: ${upstreamMessage(await readLimited(response, this.baseUrl))}`);
            if (response.body === null) throw new UpstreamError(this.baseUrl, `${route} answered without a body`);
            for await (const event of readServerSentEvents(response.body as AsyncIterable<Uint8Array>)) {
                if (event.data.trim() === "[DONE]") {
                    finished = true;
                    break;
                }
                let chunk: ChatChunk;
                try {
                    chunk = JSON.parse(event.data) as ChatChunk;
                } catch {
                    throw new UpstreamError(this.baseUrl, `streamed something that is not JSON: ${event.data.slice(0, 80).replace(/\s+/g, " ")}`);
                }
                if (typeof chunk !== "object" || chunk === null) throw new UpstreamError(this.baseUrl, "streamed a chunk that is not an object");
                if (chunk.error !== undefined) {
                    const message = typeof chunk.error === "string" ? chunk.error : String(chunk.error.message ?? "error");
                    throw new UpstreamError(this.baseUrl, `reported an error mid-reply: ${message.slice(0, 300)}`);
                }
                if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
                if (chunk.timings !== undefined) timings = chunk.timings;
                const choice = chunk.choices?.[0];
                if (choice === undefined) continue;
                const delta = (choice.delta ?? {}) as {content?: unknown, reasoning_content?: unknown, reasoning?: unknown, text?: unknown};
                const thought = typeof delta.reasoning_content === "string" ? delta.reasoning_content : typeof delta.reasoning === "string" ? delta.reasoning : "";
                const text = typeof delta.content === "string" ? delta.content : typeof (choice as {text?: unknown}).text === "string" ? (choice as {text: string}).text : "";
                received += thought.length + text.length;
                if (received > MAX_UPSTREAM_REPLY_CHARS)
                    throw new UpstreamError(this.baseUrl, `the reply is over MAX_UPSTREAM_REPLY_CHARS (${MAX_UPSTREAM_REPLY_CHARS} characters)`);
                // One token a piece (vLLM and llama-server stream so) when the upstream's usage does not say.
                if (thought !== "" || text !== "") reply.tokens(1, thought !== "" || (text !== "" && !serverSplits && reply.inReasoning));
                if (thought !== "") {
                    serverSplits = true;
                    yield* reply.pushReasoning(thought);
                }
                // A server that splits the reasoning itself sends only the answer as content.
                if (text !== "") yield* serverSplits ? reply.pushAnswer(text) : reply.push(text);
                if (reply.stopped) {
                    finished = true;
                    break;
                }
                if (typeof choice.finish_reason === "string") {
                    reply.finishReason = choice.finish_reason === "length" ? "length" : "stop";
                    finished = true;
                    // The usage chunk (include_usage) and [DONE] follow; keep reading for them.
                }
            }
        } catch (error) {
            if (options.signal?.aborted === true) {
                reply.finishReason = "abort";
            } else if (error instanceof UpstreamError || error instanceof UnsupportedOptionError) {
                throw error;
            } else {
                const message = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
                throw new UpstreamError(this.baseUrl, `the reply broke off: ${message}`);
            }
        }
        if (reply.finishReason !== "abort" && !finished)
            throw new UpstreamError(this.baseUrl, "closed the stream before the reply finished");
        controller.abort();
        if (reply.finishReason !== "abort") yield* reply.finish();
        const completionTokens = num(usage?.completion_tokens) ?? reply.completionTokens;
        const promptMs = num(timings?.prompt_ms);
        const generationMs = num(timings?.predicted_ms);
        const cached = num(usage?.prompt_tokens_details?.cached_tokens) ?? num(timings?.cache_n);
        yield {
            type: "done",
            result: reply.result({
                promptTokens: num(usage?.prompt_tokens) ?? 0,
                completionTokens,
                // The upstream's count when it gives one; else the stream's reasoning pieces.
                reasoningTokens: Math.min(completionTokens, num(usage?.completion_tokens_details?.reasoning_tokens) ?? reply.reasoningTokens),
                ...(cached === undefined ? {} : {cachedPromptTokens: cached}),
                ...(promptMs === undefined ? {} : {promptMs}),
                ...(generationMs === undefined ? {} : {generationMs})
            })
        };
    }
}

function headers(apiKey: string | undefined): Record<string, string> {
    return {"Content-Type": "application/json", "Accept": "text/event-stream, application/json", ...(apiKey === undefined || apiKey === "" ? {} : {Authorization: `Bearer ${apiKey}`})};
}
