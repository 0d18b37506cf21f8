import {LlamaGrammarEvaluationState, resolveChatWrapper, type ChatHistoryItem, type LlamaText, type LlamaContext, type LlamaEmbeddingContext, type LlamaContextSequence, type LlamaModel, type Token} from "node-llama-cpp";
import {ContextOverflowError, NoFreeSequenceError, UnsupportedOptionError} from "../errors.js";
import {formatR1Prompt, isR1Template, isReasoningTemplate} from "../formatR1Prompt.js";
import {THINK_CLOSE} from "../ReasoningSplitter.js";
import {ReplyAssembler} from "../ReplyAssembler.js";
import {TokenTextDecoder} from "./TokenTextDecoder.js";
import {isCompleteJson} from "../jsonSchema/isCompleteJson.js";
import {planOutput, type OutputPlan} from "../planOutput.js";
import {detectNativeToolFormat, type NativeToolFormat} from "../nativeToolFormat.js";
import {NativeCallBlock} from "./NativeCallBlock.js";
import {MAIN_THREAD_TOKENIZE_CHARS, TokenizerThread} from "./TokenizerThread.js";
import type {ChatMessage, EmbeddingResult, GenerationEvent, GenerationOptions, LoadedModel, LoadedModelInfo, ToolCall} from "../types.js";

/** DeepSeek's recommended sampling for R1. */
export const DEFAULT_TEMPERATURE = 0.6;
export const DEFAULT_TOP_P = 0.95;
/** Recent tokens the repeat penalty looks at (llama.cpp's default `repeat_last_n`). */
const REPEAT_PENALTY_WINDOW = 64;
/** Largest embedding context (tokens): a longer input is refused rather than growing memory. */
export const MAX_EMBEDDING_CONTEXT = 8192;
/**
 * Prefix routing's price of overwriting a cached token of another conversation, in prompt tokens
 * saved: that conversation may come back (then it re-evaluates them), but may not.
 */
const OVERWRITE_COST = 0.25;
/** Appended to close the thought when the thinking budget runs out. */
const BUDGET_CLOSE = `\n${THINK_CLOSE}\n\n`;

interface PreparedPrompt {
    tokens: Token[];
    /** The prompt ends inside `<think>`: the reply starts as reasoning. */
    startInReasoning: boolean;
    /** Split `<think>…</think>` out of the reply. */
    splitReasoning: boolean;
}

/** A chat prompt before tokenizing: R1's text (special tokens parsed), or a chat wrapper's `LlamaText`. */
type RenderedPrompt = Omit<PreparedPrompt, "tokens"> & ({text: string} | {llamaText: LlamaText});

/** A GGUF loaded into node-llama-cpp with one context of `parallel` sequences. Made by `loadModel()`. */
export class LlamaLoadedModel implements LoadedModel {
    readonly info: LoadedModelInfo;
    /** The node-llama-cpp objects, for benchmarks that drive llama.cpp directly. */
    readonly model: LlamaModel;
    readonly context: LlamaContext;
    /**
     * Route each generation to the free sequence whose cached tokens share the longest prefix with
     * its prompt (llama-server picks slots by prompt similarity), so a returning conversation finds
     * its history still evaluated. `false` takes whichever sequence was freed last (benchmarks
     * compare the two). Defaults to `true`.
     */
    prefixRouting = true;
    private readonly free: LlamaContextSequence[] = [];
    /** When each sequence was last given back: with no shared prefix, the least recently used is overwritten. */
    private readonly releasedAt = new Map<LlamaContextSequence, number>();
    private releaseCount = 0;
    private readonly template: string | undefined;
    private embeddingContext: LlamaEmbeddingContext | undefined;
    /** The embedding call in progress: calls run one after another on the one embedding context. */
    private embedding: Promise<unknown> = Promise.resolve();
    private readonly r1: boolean;
    /** Characters of the vocabulary's longest token: a text of N characters is at least N / this many tokens. */
    private readonly maxTokenChars: number | undefined;
    /** The tool format the model was trained on, if any; otherwise tools go through the JSON envelope. */
    private readonly nativeTools: NativeToolFormat | undefined;
    /** Tokenizes prompts over `MAIN_THREAD_TOKENIZE_CHARS` off the main thread; started on first use. */
    private readonly tokenizerThread: TokenizerThread;

    constructor(init: {path: string, model: LlamaModel, context: LlamaContext, threads: number, gpu: string | false, loadMs: number, mlock?: boolean}) {
        this.model = init.model;
        this.context = init.context;
        for (let i = 0; i < init.context.totalSequences; i++) this.free.push(init.context.getSequence());
        const template = init.model.fileInfo.metadata.tokenizer?.chat_template;
        this.template = typeof template === "string" ? template : undefined;
        this.r1 = isR1Template(this.template);
        this.maxTokenChars = longestTokenChars(init.model.fileInfo.metadata.tokenizer?.ggml?.tokens);
        this.nativeTools = detectNativeToolFormat(this.template, (text) => init.model.tokenize(text, true).length === 1);
        this.tokenizerThread = new TokenizerThread({path: init.path, gpu: init.gpu});
        this.info = {
            path: init.path,
            architecture: String(init.model.fileInfo.metadata.general?.architecture ?? "unknown"),
            contextSize: init.context.contextSize,
            parallel: init.context.totalSequences,
            gpuLayers: init.model.gpuLayers,
            reasoning: isReasoningTemplate(this.template),
            loadMs: init.loadMs,
            threads: init.threads,
            batchSize: init.context.batchSize,
            flashAttention: init.context.flashAttention === true,
            gpu: init.gpu,
            engine: "embedded",
            mmap: init.model.useMmap,
            ...(init.mlock === undefined ? {} : {mlock: init.mlock}),
            ...(init.model.trainContextSize > 0 ? {trainContextSize: init.model.trainContextSize} : {})
        };
    }

    chat(messages: ChatMessage[], options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        if (options.think === true && !this.info.reasoning) throw new UnsupportedOptionError("think", "this model does not reason; leave think unset or false");
        const plan = planOutput(options, {...(this.nativeTools === undefined ? {} : {native: this.nativeTools})});
        return this.generate(messages.reduce((sum, m) => sum + m.content.length, 0), async (offThread) => {
            const rendered = this.renderChat(messages, options.think ?? true, plan.instructions);
            const tokens = offThread ? await this.tokenizeOffThread(rendered) : this.tokenizeRendered(rendered);
            return {tokens, startInReasoning: rendered.startInReasoning, splitReasoning: rendered.splitReasoning};
        }, options, plan);
    }

    complete(prompt: string, options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        if (options.tools !== undefined && options.tools.length > 0) throw new UnsupportedOptionError("tools", "tools need a chat, not a raw completion");
        if (options.responseFormat !== undefined) throw new UnsupportedOptionError("responseFormat", "a raw completion is not constrained");
        return this.generate(prompt.length, async (offThread) => {
            const bos = this.model.tokens.shouldPrependBosToken ? this.model.tokens.bos : null;
            const body = offThread
                ? await this.offThread(() => this.tokenizerThread.tokenize(prompt, false), () => this.model.tokenize(prompt, false), bos === null ? 0 : 1)
                : this.model.tokenize(prompt, false);
            const tokens = bos !== null ? [bos, ...body] : body;
            return {tokens, startInReasoning: false, splitReasoning: false};
        }, options);
    }

    async countChatTokens(messages: ChatMessage[], options: Omit<GenerationOptions, "signal"> = {}): Promise<number> {
        const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
        this.checkPromptLength(chars);
        const rendered = this.renderChat(messages, options.think ?? true, planOutput(options).instructions);
        if (chars <= MAIN_THREAD_TOKENIZE_CHARS) return this.tokenizeRendered(rendered).length;
        return (await this.idsOffThread(() => this.tokenizeOnThread(rendered), () => this.tokenizeRendered(rendered))).length;
    }

    countTokens(text: string): number {
        return this.model.tokenize(text, true).length;
    }

    /** Tokens of a text exactly as a chat prompt would tokenize it (special tokens recognised). */
    tokenize(text: string): Token[] {
        return this.model.tokenize(text, true);
    }

    /**
     * Takes a free sequence for direct use (benchmarks); give it back with `releaseSequence`.
     * Throws `NoFreeSequenceError` when all are busy.
     */
    acquireSequence(prompt?: readonly Token[]): LlamaContextSequence {
        if (this.free.length === 0) throw new NoFreeSequenceError(this.info.parallel);
        let index = this.free.length - 1;
        if (prompt !== undefined && this.prefixRouting) {
            // Worth = the prompt tokens it saves evaluating, less a share of the other conversation's
            // cache it overwrites, so a sequence that merely shares the template's first tokens stays
            // with its own conversation. When no sequence is worth anything, the least recently used
            // one (an unused one first) is overwritten: an idle conversation is less likely to return.
            let best = 0;
            let bestIndex = -1;
            let oldest = 0;
            for (let i = 0; i < this.free.length; i++) {
                const sequence = this.free[i]!;
                const shared = commonPrefixLength(sequence.contextTokens, prompt);
                const worth = shared - OVERWRITE_COST * (sequence.contextTokens.length - shared);
                if (worth > best) {
                    best = worth;
                    bestIndex = i;
                }
                if ((this.releasedAt.get(sequence) ?? -1) < (this.releasedAt.get(this.free[oldest]!) ?? -1)) oldest = i;
            }
            index = bestIndex >= 0 ? bestIndex : oldest;
        }
        return this.free.splice(index, 1)[0]!;
    }

    releaseSequence(sequence: LlamaContextSequence): void {
        if (this.free.includes(sequence)) return;
        this.releasedAt.set(sequence, ++this.releaseCount);
        this.free.push(sequence);
    }

    /**
     * Throws `ContextOverflowError` when a text of `chars` characters cannot fit in a sequence,
     * before it is tokenized: tokenizing runs on the main thread (a 3.8 MB prompt held every
     * request for about 2 s), and no token is longer than the vocabulary's longest.
     */
    checkPromptLength(chars: number): void {
        if (this.maxTokenChars === undefined) return;
        const atLeast = Math.ceil(chars / this.maxTokenChars);
        const contextSize = this.context.contextSize;
        if (atLeast >= contextSize) throw new ContextOverflowError(atLeast, contextSize, {atLeast: true});
    }

    /**
     * Embeds texts with node-llama-cpp's embedding context, made on first use (its own KV cache of
     * at most `MAX_EMBEDDING_CONTEXT` tokens, so chats keep their sequences) and used one call at a time.
     */
    async embed(texts: readonly string[], options: {signal?: AbortSignal} = {}): Promise<EmbeddingResult> {
        if (this.model.fileInsights.embeddingVectorSize === undefined) throw new UnsupportedOptionError("embeddings", "this model does not embed");
        const limit = Math.min(this.info.contextSize, MAX_EMBEDDING_CONTEXT);
        const run = this.embedding.then(async () => {
            this.embeddingContext ??= await this.model.createEmbeddingContext({
                contextSize: limit,
                ...(this.info.threads === undefined ? {} : {threads: this.info.threads})
            });
            const context = this.embeddingContext;
            const vectors: number[][] = [];
            let promptTokens = 0;
            for (const text of texts) {
                options.signal?.throwIfAborted();
                const tokens = this.model.tokenize(text, false);
                if (tokens.length > limit) throw new ContextOverflowError(tokens.length, limit);
                promptTokens += tokens.length;
                vectors.push(normalise((await context.getEmbeddingFor(tokens)).vector));
            }
            return {vectors, promptTokens};
        });
        this.embedding = run.catch(() => {});
        return run;
    }

    async dispose(): Promise<void> {
        await this.embedding;
        await this.embeddingContext?.dispose();
        await this.tokenizerThread.close();
        await this.context.dispose();
        await this.model.dispose();
    }

    private tokenizeRendered(rendered: RenderedPrompt): Token[] {
        return "text" in rendered ? this.model.tokenize(rendered.text, true) : rendered.llamaText.tokenize(this.model.tokenizer);
    }

    private tokenizeOnThread(rendered: RenderedPrompt): Promise<Uint32Array> {
        return "text" in rendered ? this.tokenizerThread.tokenize(rendered.text, true) : this.tokenizerThread.tokenizeLlamaText(rendered.llamaText.toJSON());
    }

    private tokenizeOffThread(rendered: RenderedPrompt): Promise<Token[]> {
        return this.offThread(() => this.tokenizeOnThread(rendered), () => this.tokenizeRendered(rendered));
    }

    /** The tokenizer thread's ids; the main thread's, as before, when the thread cannot run (its error is then the main thread's too). */
    private async idsOffThread(onThread: () => Promise<Uint32Array>, onMain: () => Token[]): Promise<ArrayLike<number>> {
        try {
            return await onThread();
        } catch {
            return onMain();
        }
    }

    /**
     * `idsOffThread` as a prompt: one over the context (`extra` tokens added) is refused without turning
     * its ids into an array here (millions of them held the loop for up to a second).
     */
    private async offThread(onThread: () => Promise<Uint32Array>, onMain: () => Token[], extra = 0): Promise<Token[]> {
        const ids = await this.idsOffThread(onThread, onMain);
        if (ids.length + extra >= this.context.contextSize) throw new ContextOverflowError(ids.length + extra, this.context.contextSize);
        return Array.from(ids) as Token[];
    }

    private renderChat(messages: ChatMessage[], think: boolean, instructions: string | undefined): RenderedPrompt {
        if (this.r1) {
            const text = formatR1Prompt(messages, {bos: this.model.tokens.bosString ?? undefined, think, ...(instructions === undefined ? {} : {instructions})});
            return {text, startInReasoning: think, splitReasoning: true};
        }
        // Other models: node-llama-cpp renders their own template (or its best-matching wrapper).
        const wrapper = resolveChatWrapper(this.model);
        // Tool turns: in the model's own format when it has one (Qwen's <tool_call>/<tool_response>),
        // otherwise calls as the JSON envelope the instructions describe, results as user turns naming their call.
        const native = this.nativeTools;
        const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => m.role === "assistant"
            ? {type: "model", response: [m.toolCalls === undefined || m.toolCalls.length === 0 ? m.content
                : native !== undefined ? [m.content, native.formatCalls(m.toolCalls)].filter((t) => t !== "").join("\n") : formatEnvelope(m.toolCalls)]}
            : m.role === "system" ? {type: "system", text: m.content}
            : m.role === "tool" ? {type: "user", text: native !== undefined ? native.formatResult(m.content) : `Result of tool call${m.toolCallId === undefined ? "" : ` ${m.toolCallId}`}:\n${m.content}`}
            : {type: "user", text: m.content});
        if (instructions !== undefined) history.unshift({type: "system", text: instructions});
        history.push({type: "model", response: []});
        const {contextText} = wrapper.generateContextState({chatHistory: history});
        return {llamaText: contextText, startInReasoning: false, splitReasoning: this.info.reasoning};
    }

    /** `prepare(offThread)` tokenizes the prompt, on the tokenizer thread when it is long (see `MAIN_THREAD_TOKENIZE_CHARS`). */
    private async *generate(chars: number, prepare: (offThread: boolean) => Promise<PreparedPrompt>, options: GenerationOptions, plan?: OutputPlan): AsyncGenerator<GenerationEvent, void, void> {
        const started = performance.now();
        if (this.free.length === 0) throw new NoFreeSequenceError(this.info.parallel);
        this.checkPromptLength(chars);
        const prompt = await prepare(chars > MAIN_THREAD_TOKENIZE_CHARS);
        const sequence = this.acquireSequence(prompt.tokens);
        try {
            yield* this.generateOn(sequence, prompt, options, started, plan);
        } finally {
            this.releaseSequence(sequence);
        }
    }

    private async *generateOn(sequence: LlamaContextSequence, prompt: PreparedPrompt, options: GenerationOptions, started: number, plan?: OutputPlan): AsyncGenerator<GenerationEvent, void, void> {
        const contextSize = sequence.contextSize;
        if (prompt.tokens.length >= contextSize) throw new ContextOverflowError(prompt.tokens.length, contextSize);
        const maxTokens = Math.min(options.maxTokens ?? Infinity, contextSize - prompt.tokens.length);

        // Keep the cached prefix shared with the previous turn; evaluate at least one token.
        let reuse = commonPrefixLength(sequence.contextTokens, prompt.tokens);
        if (reuse >= prompt.tokens.length) reuse = prompt.tokens.length - 1;
        if (sequence.nextTokenIndex > reuse) await sequence.eraseContextTokenRanges([{start: reuse, end: sequence.nextTokenIndex}]);

        const decoder = new TokenTextDecoder(this.model, prompt.tokens);
        const reply = new ReplyAssembler({started, ...(prompt.splitReasoning ? {split: {startInReasoning: prompt.startInReasoning}} : {}), ...(options.stop === undefined ? {} : {stop: options.stop})});
        yield {type: "prompt", promptTokens: prompt.tokens.length, cachedPromptTokens: reuse};

        // Structured output and tools: the reasoning runs free, then a JSON-schema grammar shapes
        // the answer. The grammar state is looked up at every sampling step, so it switches on
        // mid-stream, right after `</think>` (or at once when there is no reasoning).
        const schema = plan?.answerSchema;
        const grammar = schema === undefined ? undefined : await this.model.llama.createGrammarForJsonSchema(schema as never); // checked by checkJsonSchema; the generic GbnfJsonSchema type cannot follow a runtime schema
        let grammarState: LlamaGrammarEvaluationState | undefined;
        const constrain = () => {
            if (grammar !== undefined && grammarState === undefined) grammarState = new LlamaGrammarEvaluationState({model: this.model, grammar});
        };
        // Tools in the model's own format: free text until the model samples the block's marker
        // (or, when a call is required, the block is opened for it as the answer starts).
        const native = plan?.native;
        const block = native === undefined ? undefined : await NativeCallBlock.create(this.model, native, plan!.tools);
        const triggerToken = native === undefined ? undefined : this.model.tokenize(native.format.trigger, true)[0];
        let calling = false;
        const owedAnswer = grammar !== undefined || native?.mustCall === true;
        let answering = false;
        /** The answer starts: switch its grammar on, or open a required calls block; returns tokens to force. */
        const enterAnswer = (separator: string): Token[] => {
            answering = true;
            constrain();
            if (block === undefined || native?.mustCall !== true) return [];
            calling = true;
            return this.model.tokenize(separator + block.open(false), true);
        };
        const opening = prompt.startInReasoning ? [] : enterAnswer("");
        // Tool envelopes are interpreted whole at the end; a JSON answer streams as it comes.
        const streamJson = plan?.jsonAnswer === true;
        let json = "";
        let jsonDone = false;
        let toolCalls: ToolCall[] = [];

        if (options.echoPrompt === true && !prompt.splitReasoning) yield* reply.echo(this.model.detokenize(prompt.tokens, false));

        // Once the grammar is on, the answer is JSON: an envelope is interpreted whole at the end, a
        // JSON answer streams with its trailing whitespace held back (the grammar's closing newlines are not the answer).
        const divertJson = (text: string): GenerationEvent[] => {
            json += text;
            if (!streamJson) return [];
            const visible = json.trimEnd();
            return visible.length <= reply.answer.length ? [] : reply.showAnswer(visible.slice(reply.answer.length));
        };
        const emit = (text: string) => reply.push(text, grammarState === undefined ? undefined : divertJson);

        const iterator = sequence.evaluate([...prompt.tokens.slice(reuse), ...opening], {
            temperature: options.temperature ?? DEFAULT_TEMPERATURE,
            topP: options.topP ?? DEFAULT_TOP_P,
            ...(options.topK === undefined ? {} : {topK: options.topK}),
            ...(options.minP === undefined ? {} : {minP: options.minP}),
            ...(options.seed === undefined ? {} : {seed: options.seed}),
            ...(options.repeatPenalty === undefined || options.repeatPenalty === 1 ? {} : {repeatPenalty: {penalty: options.repeatPenalty, punishTokens: () => sequence.contextTokens.slice(-REPEAT_PENALTY_WINDOW)}}),
            grammarEvaluationState: () => calling ? block?.state : grammarState,
            // Seen so that an end of text inside the reasoning can be turned into a closed thought when an answer is owed.
            yieldEogToken: true
        });
        let feed: Token[] | undefined;
        try {
            for (;;) {
                if (options.signal?.aborted === true) {
                    reply.finishReason = "abort";
                    break;
                }
                const step = await iterator.next(feed);
                feed = undefined;
                if (step.done === true) break;
                const token = step.value;
                if (this.model.isEogToken(token)) {
                    if (!owedAnswer || answering || !reply.inReasoning) break;
                    // The model ended inside its thought but an answer is owed (JSON, a call): close the thought instead.
                    yield* emit(decoder.flush() + BUDGET_CLOSE);
                    feed = [...this.model.tokenize(BUDGET_CLOSE, true), ...enterAnswer("")];
                    continue;
                }
                reply.tokens(1);
                if (block !== undefined && !calling && answering && !reply.inReasoning && token === triggerToken) {
                    // The model opens a calls block in its own format.
                    calling = true;
                    feed = [token, ...this.model.tokenize(block.open(true), true)];
                    continue;
                }
                if (block !== undefined && calling) {
                    const step = await block.push(block.peeking ? "" : decoder.push(token), this.model.detokenize([token], true));
                    if (step.call !== undefined) yield {type: "toolCall", call: step.call};
                    if (step.end === true) break;
                    if (step.force !== undefined) feed = step.replace === true ? this.model.tokenize(step.force, true) : [token, ...this.model.tokenize(step.force, true)];
                    if (reply.completionTokens >= maxTokens) {
                        reply.finishReason = "length";
                        break;
                    }
                    continue;
                }
                yield* emit(decoder.push(token));
                if (!answering && !reply.inReasoning) {
                    const extra = enterAnswer("\n\n");
                    if (extra.length > 0) feed = [token, ...extra];
                }
                if (grammarState !== undefined && isCompleteJson(json)) {
                    jsonDone = true;
                    break;
                }
                if (reply.stopped) break;
                if (reply.completionTokens >= maxTokens) {
                    reply.finishReason = "length";
                    break;
                }
                if (options.thinkBudget !== undefined && reply.inReasoning && reply.reasoningTokens >= options.thinkBudget) {
                    // Out of budget: close the thought in the context too, so the model answers next.
                    yield* emit(decoder.flush() + BUDGET_CLOSE);
                    feed = [token, ...this.model.tokenize(BUDGET_CLOSE, true), ...enterAnswer("")];
                }
            }
        } finally {
            await iterator.return();
        }
        if (reply.finishReason !== "abort" && !jsonDone && !calling) {
            yield* emit(decoder.flush());
            yield* reply.finish(grammarState === undefined ? undefined : divertJson);
        }
        let answer: string | undefined;
        if (plan !== undefined && jsonDone) {
            const out = plan.interpret(json);
            toolCalls = out.toolCalls;
            answer = out.answer;
            if (!streamJson) {
                yield* reply.showAnswer(answer);
                for (const call of toolCalls) yield {type: "toolCall", call};
            }
            if (toolCalls.length > 0) reply.finishReason = "tool_calls";
        } else if (block !== undefined) {
            toolCalls = block.calls;
            if (toolCalls.length > 0 && reply.finishReason === "stop") reply.finishReason = "tool_calls";
        } else if (grammar !== undefined && !streamJson) {
            // Cut short (length or abort) before the envelope closed: no call can be trusted.
            answer = "";
        }
        yield {type: "done", result: reply.result({promptTokens: prompt.tokens.length, cachedPromptTokens: reuse, toolCalls, ...(answer === undefined ? {} : {answer})})};
    }
}

/** Earlier calls written the way `planOutput`'s instructions ask the model to write them. */
function formatEnvelope(calls: readonly ToolCall[]): string {
    return JSON.stringify({tool_calls: calls.map((call) => ({name: call.name, arguments: safeParse(call.arguments)}))});
}

function safeParse(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Scales a vector to unit length (what Ollama and llama-server return); a zero vector stays zero. */
function normalise(vector: readonly number[]): number[] {
    const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
    return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
    const length = Math.min(a.length, b.length);
    let i = 0;
    while (i < length && a[i] === b[i]) i++;
    return i;
}

/** Length of the longest token text in a GGUF vocabulary (`tokenizer.ggml.tokens`), or `undefined` when absent. */
function longestTokenChars(tokens: unknown): number | undefined {
    if (!Array.isArray(tokens) || tokens.length === 0) return undefined;
    let longest = 1;
    // Token texts are at least as long as what they decode to: byte-level BPE spells each byte
    // as one character, SentencePiece spells bytes as `<0xNN>`.
    for (const token of tokens) if (typeof token === "string" && token.length > longest) longest = token.length;
    return longest;
}
