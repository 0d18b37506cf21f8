/**
 * Live statistics of one streamed reply: how long it reasoned, how many tokens of each kind, and the
 * generation speed. The stream sends one chunk per token, so chunks are counted until the final
 * `usage` (when the server sends it) replaces the counts with the server's own, and its final
 * `timings` replace the speed measured here. Chunks can arrive in bursts (network buffering, a fast
 * model), so no speed is measured here over less than `MIN_SPEED_SPAN_MS`.
 */
import type {ChatStreamEvent} from "./chatStream.js";

/** Shortest span of arrivals a speed is computed over (ms); shorter ones mostly measure buffering. */
export const MIN_SPEED_SPAN_MS = 1000;

export interface ReplyStats {
    reasoningTokens: number;
    answerTokens: number;
    /** From the first reasoning token to the first answer token (or to the end, if it never answered). */
    reasoningMs?: number;
    /** From the request to the first token. */
    firstTokenMs?: number;
    /** Generation speed: the server's figure when it sent one, else measured between the first and the last token. */
    tokensPerSecond?: number;
    /** Prompt processing speed, when the server reported it. */
    promptTokensPerSecond?: number;
}

export class ReplyMeter {
    private readonly startedAt: number;
    private firstTokenAt?: number;
    private lastTokenAt?: number;
    private reasoningStartAt?: number;
    private answerStartAt?: number;
    private reasoningTokens = 0;
    private answerTokens = 0;
    private usageTokens?: {completion: number, reasoning?: number};
    private serverTimings?: {generation?: number, prompt?: number};

    constructor(startedAt: number) {
        this.startedAt = startedAt;
    }

    /** Records one stream event that arrived at time `at` (ms, same clock as the constructor's). */
    add(event: ChatStreamEvent, at: number): void {
        if (event.type === "usage") {
            if (event.usage.completionTokens !== undefined) {
                this.usageTokens = {completion: event.usage.completionTokens};
                if (event.usage.reasoningTokens !== undefined) this.usageTokens.reasoning = event.usage.reasoningTokens;
            }
            return;
        }
        if (event.type === "timings") {
            this.serverTimings = {};
            if (event.generationTokensPerSecond !== undefined) this.serverTimings.generation = event.generationTokensPerSecond;
            if (event.promptTokensPerSecond !== undefined) this.serverTimings.prompt = event.promptTokensPerSecond;
            return;
        }
        if (event.type === "finish") return;
        this.firstTokenAt ??= at;
        this.lastTokenAt = at;
        if (event.type === "reasoning") {
            this.reasoningStartAt ??= at;
            this.reasoningTokens++;
        } else {
            this.answerStartAt ??= at;
            this.answerTokens++;
        }
    }

    /** The figures so far; `now` ends a reasoning phase that has no answer yet (pass the end time once done). */
    stats(now: number): ReplyStats {
        let reasoningTokens = this.reasoningTokens;
        let answerTokens = this.answerTokens;
        if (this.usageTokens !== undefined) {
            const reasoning = this.usageTokens.reasoning ?? Math.min(reasoningTokens, this.usageTokens.completion);
            reasoningTokens = reasoning;
            answerTokens = Math.max(0, this.usageTokens.completion - reasoning);
        }
        const stats: ReplyStats = {reasoningTokens, answerTokens};
        if (this.firstTokenAt !== undefined) stats.firstTokenMs = this.firstTokenAt - this.startedAt;
        if (this.reasoningStartAt !== undefined)
            stats.reasoningMs = (this.answerStartAt ?? now) - this.reasoningStartAt;
        const tokens = reasoningTokens + answerTokens;
        const spanMs = (this.lastTokenAt ?? 0) - (this.firstTokenAt ?? 0);
        // The first token's time includes the prompt; speed counts the tokens generated after it.
        if (this.serverTimings?.generation !== undefined) stats.tokensPerSecond = this.serverTimings.generation;
        else if (tokens >= 2 && spanMs >= MIN_SPEED_SPAN_MS) stats.tokensPerSecond = (tokens - 1) / (spanMs / 1000);
        if (this.serverTimings?.prompt !== undefined) stats.promptTokensPerSecond = this.serverTimings.prompt;
        return stats;
    }
}

/** "3.2 s", "85 ms", "2 min 5 s": short durations for labels. */
export function formatDuration(ms: number): string {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    const minutes = Math.floor(ms / 60_000);
    return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** "12.3 tok/s" with a precision that suits the size. */
export function formatTokensPerSecond(tps: number): string {
    return `${tps >= 100 ? Math.round(tps) : tps.toFixed(1)} tok/s`;
}
