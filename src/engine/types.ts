/**
 * The engine's contract with its callers (cli run, server, bench). The implementation lives
 * beside this file on node-llama-cpp; callers depend only on these types, so the server and
 * its tests can run on any implementation of `LoadedModel`.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface ChatMessage {
    role: ChatRole;
    /** The visible text. For assistant turns, the answer without its reasoning; for tool turns, the tool's result. */
    content: string;
    /** An assistant turn's reasoning; never sent back to the model (DeepSeek's recommendation). */
    reasoning?: string;
    /** Assistant turns: the tool calls the model made in this turn. */
    toolCalls?: ToolCall[];
    /** Tool turns: the `id` of the call this message answers (it must match an earlier assistant call). */
    toolCallId?: string;
}

/**
 * A JSON Schema as parsed JSON (an object; `{}` admits anything). Engines support the subset that
 * `checkJsonSchema` (src/engine/jsonSchema) accepts and reject the rest with the feature named.
 */
export type JsonSchema = {[key: string]: unknown};

/** A function the model may call. */
export interface ToolDefinition {
    /** Letters, digits, `_` and `-`, at most 64 (OpenAI's rule). */
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. */
    parameters: JsonSchema;
}

/**
 * `"auto"`: the model decides (the default when tools are given); `"none"`: no call, text only;
 * `"required"`: at least one call; `{name}`: exactly that tool is called.
 */
export type ToolChoice = "auto" | "none" | "required" | {name: string};

/** One call the model made. */
export interface ToolCall {
    /** Unique within the conversation; the tool turn that answers it carries it as `toolCallId`. */
    id: string;
    name: string;
    /** The arguments as JSON text; always parses to an object valid against the tool's schema. */
    arguments: string;
}

/** Constrains the answer (after the reasoning) to JSON. */
export type ResponseFormat =
    | {type: "json_object"}
    | {type: "json_schema", schema: JsonSchema, name?: string};

export interface GenerationOptions {
    /** Most tokens to generate, reasoning included. Defaults to what the context leaves. */
    maxTokens?: number;
    /** Defaults to `0.6` (DeepSeek's recommendation for R1). */
    temperature?: number;
    /** Defaults to `0.95`. */
    topP?: number;
    topK?: number;
    minP?: number;
    repeatPenalty?: number;
    /** Fixed seed for reproducible sampling; random when absent. */
    seed?: number;
    /** Strings that end the answer when generated (not included in it). */
    stop?: string[];
    /** Most reasoning tokens before the thought is closed and the model must answer. */
    thinkBudget?: number;
    /** `false` skips reasoning where the model allows it. Defaults to `true`. */
    think?: boolean;
    /** Aborting stops generation within one token and frees the sequence. */
    signal?: AbortSignal;
    /**
     * `complete()` only: the answer starts with the prompt as the tokenizer renders it back (what
     * llama.cpp's examples print). Defaults to `false`.
     */
    echoPrompt?: boolean;
    /**
     * `chat()` only: functions the model may call. An engine that cannot offer tools throws
     * `UnsupportedOptionError` naming `tools` rather than ignoring them.
     */
    tools?: ToolDefinition[];
    /** Defaults to `"auto"` when `tools` are given. A named tool must be one of `tools`. */
    toolChoice?: ToolChoice;
    /** Whether one turn may hold several calls. Defaults to `true`. */
    parallelToolCalls?: boolean;
    /**
     * The answer must be JSON (reasoning still runs free). An engine that cannot constrain output
     * throws `UnsupportedOptionError` naming `responseFormat`.
     */
    responseFormat?: ResponseFormat;
}

/** `tool_calls`: the turn ended with tool calls (in `GenerationResult.toolCalls`) for the caller to run. */
export type FinishReason = "stop" | "length" | "abort" | "tool_calls";

export interface GenerationUsage {
    promptTokens: number;
    /** Every generated token, reasoning included. */
    completionTokens: number;
    reasoningTokens: number;
    /** Prompt tokens reused from the previous turn's cache instead of being evaluated again. */
    cachedPromptTokens?: number;
}

export interface GenerationTimings {
    /** Time to evaluate the prompt (ms). */
    promptMs: number;
    /** Time from the first to the last generated token (ms). */
    generationMs: number;
    /** Time from the request to the first generated token (ms). */
    firstTokenMs: number;
    /** Time from the request to the first answer token (ms); absent when there was no answer. */
    firstAnswerMs?: number;
}

export interface GenerationResult {
    reasoning: string;
    answer: string;
    /** The calls the model made, in order; empty when it made none. */
    toolCalls: ToolCall[];
    finishReason: FinishReason;
    /** The caller's stop string that ended the answer (`finishReason` is then `"stop"`); absent otherwise. */
    stopSequence?: string;
    usage: GenerationUsage;
    timings: GenerationTimings;
}

/**
 * Streamed pieces of one generation: `prompt` once the prompt is tokenized (from engines that
 * tokenize it before generating; an upstream counts it only at the end), reasoning text, then
 * answer text and/or tool calls (each call whole, once its arguments are complete and valid), then `done`.
 */
export type GenerationEvent =
    | {type: "prompt", promptTokens: number, cachedPromptTokens?: number}
    | {type: "reasoning", text: string}
    | {type: "answer", text: string}
    | {type: "toolCall", call: ToolCall}
    | {type: "done", result: GenerationResult};

/** The three engines behind `LoadedModel`. */
export type EngineName = "embedded" | "llama-server" | "upstream";

export interface LoadedModelInfo {
    /** Path of the GGUF file (first part of a split model). */
    path: string;
    architecture: string;
    contextSize: number;
    /** How many generations may run at once (context sequences). */
    parallel: number;
    gpuLayers: number;
    /** Whether the chat template opens `<think>` itself (R1 distills do). */
    reasoning: boolean;
    loadMs: number;
    /** CPU threads used for decoding (the physical core count unless overridden). */
    threads?: number;
    batchSize?: number;
    flashAttention?: boolean;
    /** The GPU backend in use (`"cuda"`, `"metal"`, `"vulkan"`), or `false` on CPU only. */
    gpu?: string | false;
    /** Which engine runs it: node-llama-cpp in r1's process, a llama-server r1 owns, or an upstream server. */
    engine?: EngineName;
    /** Whether the weights are memory-mapped (`false`: read into memory). */
    mmap?: boolean;
    /** Whether the weights are pinned in RAM. */
    mlock?: boolean;
    /** The context length the model was trained for, when known (GGUF `<arch>.context_length`). */
    trainContextSize?: number;
}

export interface EmbeddingResult {
    /** One vector per input text, in order. */
    vectors: number[][];
    /** Tokens of all inputs together. */
    promptTokens: number;
}

export interface LoadedModel {
    readonly info: LoadedModelInfo;
    /** Chat with the model's own template. Throws `NoFreeSequenceError` when all sequences are busy. */
    chat(messages: ChatMessage[], options?: GenerationOptions): AsyncIterable<GenerationEvent>;
    /** Raw completion of `prompt` (no template); all text is `answer`. */
    complete(prompt: string, options?: GenerationOptions): AsyncIterable<GenerationEvent>;
    /** Token count of a text under this model's tokenizer. */
    countTokens(text: string): number;
    /**
     * Tokens of the prompt `chat(messages, options)` would evaluate (template, tool instructions
     * included), tokenized as `chat` does (a long prompt off the main thread). Absent on engines that
     * cannot tell; callers then sum `countTokens` over the texts.
     */
    countChatTokens?(messages: ChatMessage[], options?: Omit<GenerationOptions, "signal">): Promise<number>;
    /**
     * One embedding vector per text (L2-normalised), computed apart from the chat sequences.
     * Absent on engines that cannot embed; throws `UnsupportedOptionError` for a model that does not.
     */
    embed?(texts: readonly string[], options?: {signal?: AbortSignal}): Promise<EmbeddingResult>;
    dispose(): Promise<void>;
    /**
     * Why the model cannot serve right now while r1 works to bring it back (a lost `--rpc`
     * worker), or `undefined` when it can. Absent on engines that cannot degrade this way.
     */
    degradation?(): ModelDegradation | undefined;
}

/** A loaded model that cannot serve for now, as `r1 serve`'s `/health` and `/metrics` show it. */
export interface ModelDegradation {
    /** The one line every request gets meanwhile. */
    readonly message: string;
    /** The `--rpc` worker (`host:port`) that stopped answering. */
    readonly rpcWorker: string;
    /** When r1 noticed. */
    readonly since: Date;
    /** Times r1 has tried to bring the model back since then (asked the workers, started llama-server when they answered). */
    readonly restartAttempts: number;
}
