import {ReasoningSplitter} from "./ReasoningSplitter.js";
import {StopMatcher} from "./StopMatcher.js";
import type {FinishReason, GenerationEvent, GenerationResult, ToolCall} from "./types.js";

export interface ReplyAssemblerOptions {
    /** When the request arrived (`performance.now()`): the origin of every timing. */
    started: number;
    /**
     * Split `<think>…</think>` out of the text pushed, starting inside the thought or not (see
     * `ReasoningSplitter`). Defaults to no split: all text is the answer.
     */
    split?: {startInReasoning: boolean | "unlessOpened"};
    /** Strings that end the answer (not shown). Defaults to none. */
    stop?: readonly string[];
    /** The clock. Defaults to `performance.now`. */
    now?: () => number;
}

/** What only the engine knows at the end; the rest of `GenerationResult` comes from the assembler. */
export interface ReplyFacts {
    promptTokens: number;
    cachedPromptTokens?: number;
    /** Defaults to the tokens counted by `tokens()`. */
    completionTokens?: number;
    /** Defaults to the reasoning tokens counted by `tokens()`. */
    reasoningTokens?: number;
    /** The engine's own clock, when it has one. Defaults to r1's: first token − started. */
    promptMs?: number;
    /** Defaults to r1's: last token − first token. */
    generationMs?: number;
    /** Replaces the answer streamed (an interpreted JSON envelope). Defaults to the streamed answer. */
    answer?: string;
    /** Defaults to none. */
    toolCalls?: ToolCall[];
}

/**
 * One reply as the three engines build it from generated text: the reasoning split, stop strings,
 * the reasoning and answer so far, token counts, first-token / first-answer / last-token times and
 * the finish reason, and the final `GenerationResult`. Each method returns the events to stream.
 *
 * Streamed reasoning holds its leading and trailing whitespace back (the `\n` after `<think>` and
 * before `</think>`) until text follows it, so the deltas join to exactly `result.reasoning`.
 */
export class ReplyAssembler {
    /** Why the reply ended. Defaults to `"stop"`; the engine sets `length`, `abort`, `tool_calls`. */
    finishReason: FinishReason = "stop";
    private readonly started: number;
    private readonly now: () => number;
    private readonly splitter: ReasoningSplitter | undefined;
    private readonly stops: StopMatcher;
    private shownReasoning = "";
    private heldWhitespace = "";
    private shownAnswer = "";
    private completion = 0;
    private reasoningCount = 0;
    private firstTokenAt: number | undefined;
    private lastTokenAt: number;
    private firstAnswerAt: number | undefined;

    constructor(options: ReplyAssemblerOptions) {
        this.started = options.started;
        this.now = options.now ?? (() => performance.now());
        this.lastTokenAt = options.started;
        this.splitter = options.split === undefined ? undefined : new ReasoningSplitter({startInReasoning: options.split.startInReasoning});
        this.stops = new StopMatcher(options.stop ?? []);
    }

    /** The reasoning streamed so far (whitespace at its ends left out). */
    get reasoning(): string {
        return this.shownReasoning;
    }

    /** The answer streamed so far. */
    get answer(): string {
        return this.shownAnswer;
    }

    /** Whether text pushed now would count as reasoning. */
    get inReasoning(): boolean {
        return this.splitter?.inReasoning ?? false;
    }

    /** Whether a stop string ended the answer: generate no more. */
    get stopped(): boolean {
        return this.stops.hasStopped;
    }

    get completionTokens(): number {
        return this.completion;
    }

    get reasoningTokens(): number {
        return this.reasoningCount;
    }

    /**
     * Counts `count` tokens generated now (first and last token times); they are reasoning tokens
     * when `reasoning`, which defaults to whether the thought is open — call before pushing their text.
     */
    tokens(count = 1, reasoning = this.inReasoning): void {
        this.lastTokenAt = this.now();
        this.firstTokenAt ??= this.lastTokenAt;
        this.completion += count;
        if (reasoning) this.reasoningCount += count;
    }

    /**
     * Generated text: split into reasoning and answer, the answer through the stop strings. `divert`,
     * when given, takes the answer pieces instead (a JSON answer the engine shows its own way).
     */
    push(text: string, divert?: (answer: string) => GenerationEvent[]): GenerationEvent[] {
        if (this.splitter === undefined) return divert?.(text) ?? this.pushAnswer(text);
        return this.dispatch(this.splitter.push(text), divert);
    }

    /** Reasoning that arrived apart from the answer (an upstream's `reasoning_content`). */
    pushReasoning(text: string): GenerationEvent[] {
        if (text === "") return [];
        let raw = this.heldWhitespace + text;
        if (this.shownReasoning === "") raw = raw.trimStart();
        const visible = raw.trimEnd();
        this.heldWhitespace = raw.slice(visible.length);
        if (visible === "") return [];
        this.shownReasoning += visible;
        return [{type: "reasoning", text: visible}];
    }

    /** Answer text without the split (a raw completion's, or one the upstream split off): through the stop strings. */
    pushAnswer(text: string): GenerationEvent[] {
        return this.showAnswer(this.stops.push(text));
    }

    /** Answer text shown as it is, past the stop strings (a JSON answer, an interpreted envelope). */
    showAnswer(text: string): GenerationEvent[] {
        if (text === "") return [];
        this.firstAnswerAt ??= this.now();
        this.shownAnswer += text;
        return [{type: "answer", text}];
    }

    /** The prompt echoed before the reply (`echoPrompt`): answer text that was not generated, so untimed. */
    echo(text: string): GenerationEvent[] {
        if (text === "") return [];
        this.shownAnswer += text;
        return [{type: "answer", text}];
    }

    /** The reply is over (not after an abort): text held back for a tag or a stop string is released. */
    finish(divert?: (answer: string) => GenerationEvent[]): GenerationEvent[] {
        const events = this.dispatch(this.splitter?.flush() ?? [], divert);
        events.push(...this.showAnswer(this.stops.flush()));
        return events;
    }

    /** The `done` event's result. */
    result(facts: ReplyFacts): GenerationResult {
        const firstToken = this.firstTokenAt ?? this.now();
        const completionTokens = facts.completionTokens ?? this.completion;
        const stopSequence = this.stops.stopSequence;
        return {
            reasoning: this.shownReasoning,
            answer: facts.answer ?? this.shownAnswer,
            toolCalls: facts.toolCalls ?? [],
            finishReason: this.finishReason,
            ...(this.finishReason === "stop" && stopSequence !== undefined ? {stopSequence} : {}),
            usage: {
                promptTokens: facts.promptTokens,
                completionTokens,
                reasoningTokens: facts.reasoningTokens ?? this.reasoningCount,
                ...(facts.cachedPromptTokens === undefined ? {} : {cachedPromptTokens: facts.cachedPromptTokens})
            },
            timings: {
                promptMs: facts.promptMs ?? firstToken - this.started,
                generationMs: facts.generationMs ?? Math.max(0, this.lastTokenAt - firstToken),
                firstTokenMs: firstToken - this.started,
                ...(this.firstAnswerAt === undefined ? {} : {firstAnswerMs: this.firstAnswerAt - this.started})
            }
        };
    }

    private dispatch(pieces: readonly {type: "reasoning" | "answer", text: string}[], divert: ((answer: string) => GenerationEvent[]) | undefined): GenerationEvent[] {
        const events: GenerationEvent[] = [];
        for (const piece of pieces)
            events.push(...(piece.type === "reasoning" ? this.pushReasoning(piece.text) : divert?.(piece.text) ?? this.pushAnswer(piece.text)));
        return events;
    }
}
