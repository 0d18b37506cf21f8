/**
 * The engine's contract with its callers (cli run, server, bench). The implementation lives
 * beside this file on node-llama-cpp; callers depend only on these types, so the server and
 * its tests can run on any implementation of `LoadedModel`.
 */

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
    role: ChatRole;
    /** The visible text. For assistant turns, the answer without its reasoning. */
    content: string;
    /** An assistant turn's reasoning; never sent back to the model (DeepSeek's recommendation). */
    reasoning?: string;
}

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
}

export type FinishReason = "stop" | "length" | "abort";

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
    finishReason: FinishReason;
    usage: GenerationUsage;
    timings: GenerationTimings;
}

/** Streamed pieces of one generation: reasoning text first, then answer text, then `done`. */
export type GenerationEvent =
    | {type: "reasoning", text: string}
    | {type: "answer", text: string}
    | {type: "done", result: GenerationResult};

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
}

export interface LoadedModel {
    readonly info: LoadedModelInfo;
    /** Chat with the model's own template. Throws `NoFreeSequenceError` when all sequences are busy. */
    chat(messages: ChatMessage[], options?: GenerationOptions): AsyncIterable<GenerationEvent>;
    /** Raw completion of `prompt` (no template); all text is `answer`. */
    complete(prompt: string, options?: GenerationOptions): AsyncIterable<GenerationEvent>;
    /** Token count of a text under this model's tokenizer. */
    countTokens(text: string): number;
    dispose(): Promise<void>;
}
