import type {ChatMessage, GenerationEvent, GenerationOptions, GenerationResult} from "../engine/types.js";
import {ContextOverflowError, NoFreeSequenceError, UnsupportedOptionError} from "../engine/errors.js";
import {apiField, unsupportedOptionError, type OptionField} from "./checkChatRequest.js";
import {WORKER_RECOVERY_INTERVAL_MS} from "../engine/llamaServer/limits.js";
import {ApiError} from "./ApiError.js";
import type {ModelLease} from "./ModelPool.js";
import type {ModelDescriptor} from "./ModelSource.js";
import type {ServerContext} from "./ServerContext.js";

export interface GenerationRequest {
    model: string;
    /** Chat messages, or a raw prompt (no template). */
    input: {messages: ChatMessage[]} | {prompt: string};
    options: Omit<GenerationOptions, "signal">;
    keepAliveMs?: number;
    contextSize?: number;
    /** Aborts when the client goes away. */
    clientSignal: AbortSignal;
    /** How this API names the engine's options in a 400. Defaults to OpenAI's/Ollama's snake_case names. */
    optionField?: OptionField;
}

/** What a route streams: the engine's events but `prompt`, which the generation keeps (`prompt`). */
export type ReplyEvent = Exclude<GenerationEvent, {type: "prompt"}>;

/** A generation that holds a sequence: iterate `events` (or `collect()`), or `close()` to give it up. */
export interface Generation {
    descriptor: ModelDescriptor;
    /** Time spent loading the model for this request (ms). */
    loadMs: number;
    /** When the request arrived (`Date.now()`). */
    startedAt: number;
    events: AsyncGenerator<ReplyEvent, void>;
    /**
     * The prompt's size once the engine has tokenized it (by `ready()` on engines that report it
     * before generating); `undefined` until then, and on engines that count it only at the end.
     */
    readonly prompt: {promptTokens: number, cachedPromptTokens?: number} | undefined;
    /**
     * Waits for the first event, so that a failure to start (prompt longer than the context)
     * becomes an HTTP error status instead of an error inside a 200 stream. Call before streaming.
     */
    ready(): Promise<void>;
    /** Runs to the end and returns the result. */
    collect(): Promise<GenerationResult>;
    /** Stops the generation and frees its sequence; safe to call more than once. */
    close(): void;
    /** Whether the request ran past its time limit. */
    timedOut(): boolean;
}

/**
 * Acquires the model and a sequence (throwing the 404/429/503/504 `ApiError` before any byte is
 * sent) and returns the generation, which stops and frees its sequence when the client leaves,
 * when the request times out, or on `close()`.
 */
export async function startGeneration(ctx: ServerContext, request: GenerationRequest): Promise<Generation> {
    const startedAt = Date.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new ApiError("timeout", `The request took longer than ${Math.round(ctx.requestTimeoutMs / 1000)} s and was stopped.`));
    }, ctx.requestTimeoutMs);
    timer.unref();
    const onClientAbort = () => controller.abort(new ApiError("invalid_request", "The client closed the connection."));
    if (request.clientSignal.aborted) onClientAbort();
    else request.clientSignal.addEventListener("abort", onClientAbort, {once: true});
    const cleanup = () => {
        clearTimeout(timer);
        request.clientSignal.removeEventListener("abort", onClientAbort);
    };

    let lease: ModelLease;
    try {
        lease = await ctx.pool.acquire(request.model, {
            signal: controller.signal,
            ...(request.keepAliveMs === undefined ? {} : {keepAliveMs: request.keepAliveMs}),
            ...(request.contextSize === undefined ? {} : {contextSize: request.contextSize})
        });
    } catch (error) {
        cleanup();
        throw timedOut ? controller.signal.reason : error;
    }

    let started = false;
    let released = false;
    const release = () => {
        if (released) return;
        released = true;
        cleanup();
        lease.release();
    };
    // Stopping only aborts: the sequence is given back when the engine's iterator has really
    // ended (the `finally` below), so the pool never hands out a sequence the engine still uses.
    const stop = () => {
        if (!controller.signal.aborted) controller.abort(new ApiError("invalid_request", "The generation was closed."));
        if (!started) release();
    };
    const model = lease.model;
    const options: GenerationOptions = {...request.options, signal: controller.signal};

    let prompt: Generation["prompt"];
    async function* run(): AsyncGenerator<ReplyEvent, void> {
        started = true;
        let finished = false;
        let failed = false;
        try {
            const events = "messages" in request.input
                ? model.chat(request.input.messages, options)
                : model.complete(request.input.prompt, options);
            for await (const event of events) {
                if (event.type === "prompt") {
                    prompt = {promptTokens: event.promptTokens, ...(event.cachedPromptTokens === undefined ? {} : {cachedPromptTokens: event.cachedPromptTokens})};
                    continue;
                }
                if (event.type === "done") {
                    finished = true;
                    ctx.metrics.recordGeneration(lease.descriptor.name, event.result);
                }
                yield event;
            }
        } catch (error) {
            failed = true;
            if (error instanceof NoFreeSequenceError)
                throw new ApiError("queue_full", "All sequences of this model are busy; try again shortly.", {retryAfterS: 1, cause: error});
            if (error instanceof ContextOverflowError)
                throw new ApiError("context_length_exceeded",
                    `The prompt is ${error.atLeast ? "at least " : ""}${error.promptTokens} tokens but the context holds ${error.contextSize}; shorten it or load a larger context.`,
                    {param: "messages", cause: error});
            if (error instanceof UnsupportedOptionError) throw unsupportedOptionError(error, request.optionField ?? apiField);
            // A lost --rpc worker: unavailable for now (503, as /health says), not an internal error; r1 retries on its own.
            if (model.degradation?.() !== undefined && error instanceof Error)
                throw new ApiError("server_busy", error.message, {retryAfterS: Math.ceil(WORKER_RECOVERY_INTERVAL_MS / 1000), cause: error});
            throw error;
        } finally {
            // The consumer stopped early (client gone): the engine never reported a result.
            if (!finished && !failed) ctx.metrics.recordAbandoned(lease.descriptor.name);
            release();
        }
    }
    const engineEvents = run();
    let events = engineEvents;

    return {
        descriptor: lease.descriptor,
        loadMs: lease.loadMs,
        startedAt,
        get events() {
            return events;
        },
        get prompt() {
            return prompt;
        },
        async ready() {
            const inner = events;
            const first = await inner.next();
            events = (async function* () {
                if (first.done !== true) yield first.value;
                yield* inner;
            })();
        },
        async collect() {
            let result: GenerationResult | undefined;
            for await (const event of events) if (event.type === "done") result = event.result;
            if (timedOut) throw controller.signal.reason;
            if (result === undefined) throw new ApiError("internal", "The engine ended without a result.");
            return result;
        },
        close() {
            stop();
            void events.return(undefined);
            // `events` may be the wrapper `ready()` made, which never started its delegation.
            void engineEvents.return(undefined);
        },
        timedOut: () => timedOut
    };
}
