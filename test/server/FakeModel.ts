import {setTimeout as sleep} from "node:timers/promises";
import {ContextOverflowError, NoFreeSequenceError} from "../../src/engine/errors.js";
import {StopMatcher} from "../../src/engine/StopMatcher.js";
import type {
    ChatMessage, GenerationEvent, GenerationOptions, GenerationResult, LoadedModel, LoadedModelInfo, ModelDegradation, ToolCall
} from "../../src/engine/types.js";
import type {ModelDescriptor, ModelLoadOptions, ModelSource, PullProgress} from "../../src/server/ModelSource.js";

export interface FakeScript {
    reasoning?: string[];
    answer?: string[];
    /** Delay before each generated piece (ms). Defaults to 0. */
    tokenDelayMs?: number;
    /** Prompts with more words than this overflow the context (as the engine throws). */
    maxPromptWords?: number;
    /** Calls made after the answer (each one `toolCall` event); the turn then ends with `tool_calls`. */
    toolCalls?: ToolCall[];
}

/**
 * A scripted `LoadedModel`: reports the prompt's size (its words), yields the script's reasoning
 * pieces, then its answer pieces (one token each), honours `maxTokens` and `stop` (through the
 * engines' `StopMatcher`), aborts within one piece, and enforces its sequence count like the
 * engine (throwing `NoFreeSequenceError`).
 */
export class FakeModel implements LoadedModel {
    readonly info: LoadedModelInfo;
    active = 0;
    maxActive = 0;
    disposed = false;
    calls: {messages?: ChatMessage[], prompt?: string, options: GenerationOptions}[] = [];
    /** What `degradation()` reports (a test sets it to play a lost RPC worker). */
    degraded: ModelDegradation | undefined;

    constructor(readonly script: FakeScript, options: {parallel: number, contextSize?: number, path?: string}) {
        this.info = {
            path: options.path ?? "/fake/model.gguf", architecture: "fake", contextSize: options.contextSize ?? 256,
            parallel: options.parallel, gpuLayers: 0, reasoning: (script.reasoning?.length ?? 0) > 0, loadMs: 1
        };
    }

    chat(messages: ChatMessage[], options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        this.calls.push({messages, options});
        return this._run(messages.map((m) => m.content).join(" "), options, true);
    }

    complete(prompt: string, options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        this.calls.push({prompt, options});
        return this._run(prompt, options, false);
    }

    countTokens(text: string): number {
        return text.split(/\s+/).filter(Boolean).length;
    }

    async dispose(): Promise<void> {
        this.disposed = true;
    }

    degradation(): ModelDegradation | undefined {
        return this.degraded;
    }

    private async *_run(prompt: string, options: GenerationOptions, chat: boolean): AsyncGenerator<GenerationEvent> {
        if (this.active >= this.info.parallel) throw new NoFreeSequenceError(this.info.parallel);
        if (this.script.maxPromptWords !== undefined && this.countTokens(prompt) > this.script.maxPromptWords)
            throw new ContextOverflowError(this.countTokens(prompt), this.script.maxPromptWords);
        this.active++;
        this.maxActive = Math.max(this.maxActive, this.active);
        const started = Date.now();
        let firstTokenMs = 0;
        try {
            const pieces: {type: "reasoning" | "answer", text: string}[] = [
                ...(chat && options.think !== false ? this.script.reasoning ?? [] : []).map((text) => ({type: "reasoning" as const, text})),
                ...(this.script.answer ?? []).map((text) => ({type: "answer" as const, text}))
            ];
            let reasoning = "";
            let answer = "";
            let generated = 0;
            let reasoningTokens = 0;
            let finishReason: GenerationResult["finishReason"] = "stop";
            const stops = new StopMatcher(options.stop ?? []);
            yield {type: "prompt", promptTokens: this.countTokens(prompt)};
            for (const piece of pieces) {
                if (options.maxTokens !== undefined && generated >= options.maxTokens) {
                    finishReason = "length";
                    break;
                }
                if (this.script.tokenDelayMs) await sleep(this.script.tokenDelayMs);
                if (options.signal?.aborted === true) {
                    finishReason = "abort";
                    break;
                }
                if (generated === 0) firstTokenMs = Date.now() - started;
                generated++;
                if (piece.type === "reasoning") {
                    reasoningTokens++;
                    reasoning += piece.text;
                    yield piece;
                    continue;
                }
                const shown = stops.push(piece.text);
                answer += shown;
                if (shown !== "") yield {type: "answer", text: shown};
                if (stops.hasStopped) break;
            }
            const rest = finishReason === "abort" ? "" : stops.flush();
            answer += rest;
            if (rest !== "") yield {type: "answer", text: rest};
            const toolCalls = finishReason === "stop" ? this.script.toolCalls ?? [] : [];
            for (const call of toolCalls) yield {type: "toolCall", call};
            if (toolCalls.length > 0) finishReason = "tool_calls";
            yield {
                type: "done",
                result: {
                    reasoning, answer, toolCalls, finishReason,
                    ...(stops.stopSequence === undefined ? {} : {stopSequence: stops.stopSequence}),
                    usage: {promptTokens: this.countTokens(prompt), completionTokens: generated, reasoningTokens},
                    timings: {promptMs: 1, generationMs: Math.max(1, Date.now() - started - firstTokenMs), firstTokenMs}
                }
            };
        } finally {
            this.active--;
        }
    }
}

/** A `ModelSource` over fake models, counting loads. */
export class FakeSource implements ModelSource {
    loads = 0;
    models: FakeModel[] = [];
    removed: string[] = [];
    loadDelayMs = 0;

    constructor(readonly scripts: Record<string, FakeScript>) {}

    async list(): Promise<ModelDescriptor[]> {
        return Object.keys(this.scripts).map((name) => this._describe(name));
    }

    async resolve(name: string): Promise<ModelDescriptor | undefined> {
        const bare = name.replace(/:latest$/, "");
        return bare in this.scripts ? this._describe(bare) : undefined;
    }

    async load(model: ModelDescriptor, options: ModelLoadOptions): Promise<LoadedModel> {
        this.loads++;
        if (this.loadDelayMs > 0) await sleep(this.loadDelayMs);
        const fake = new FakeModel(this.scripts[model.name]!, {parallel: options.parallel, contextSize: options.contextSize ?? 256, path: model.path});
        this.models.push(fake);
        return fake;
    }

    async *pull(name: string): AsyncIterable<PullProgress> {
        if (name === "broken") throw new Error("no such model on the hub");
        yield {status: "pulling manifest"};
        yield {status: `pulling ${name}`, digest: "sha256:00", total: 100, completed: 50};
        yield {status: `pulling ${name}`, digest: "sha256:00", total: 100, completed: 100};
        this.scripts[name] = {answer: ["ok"]};
    }

    async remove(name: string): Promise<boolean> {
        if (!(name in this.scripts)) return false;
        delete this.scripts[name];
        this.removed.push(name);
        return true;
    }

    private _describe(name: string): ModelDescriptor {
        return {name, path: `/fake/${name}.gguf`, size: 1234, modifiedAt: new Date(0), digest: "sha256:" + "0".repeat(64), family: "fake"};
    }
}
