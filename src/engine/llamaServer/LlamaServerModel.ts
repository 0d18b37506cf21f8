import path from "node:path";
import {readGguf} from "../../gguf/index.js";
import {ContextOverflowError, ModelLoadError, NoFreeSequenceError, UnsupportedOptionError} from "../errors.js";
import {formatR1Prompt, isR1Template} from "../formatR1Prompt.js";
import {defaultContextSize} from "../loadLimits.js";
import {THINK_CLOSE} from "../ReasoningSplitter.js";
import {readServerSentEvents} from "../readServerSentEvents.js";
import {ReplyAssembler} from "../ReplyAssembler.js";
import {SyncHttpPoster} from "../syncHttpPost.js";
import type {ChatMessage, GenerationEvent, GenerationOptions, LoadedModel, LoadedModelInfo, ModelDegradation} from "../types.js";
import {LlamaServerExitedError, LlamaServerRequestError, LlamaServerStartError} from "./errors.js";
import {authHeaders, errorMessageOf, readLimitedText, requestJson, type LlamaServerEndpoint} from "./llamaServerHttp.js";
import type {LlamaServerLaunchOptions} from "./llamaServerArgs.js";
import {LlamaServerProcess, type LlamaServerExit} from "./LlamaServerProcess.js";
import {findLostWorker, type RpcWorkerUnreachableError} from "../rpcProtocol/index.js";
import {RESTART_WINDOW_MS, SYNC_TOKENIZE_TIMEOUT_MS, TOKEN_COUNT_CACHE_ENTRIES, WORKER_RECOVERY_INTERVAL_MS} from "./limits.js";

/** DeepSeek's recommended sampling for R1, as in the embedded engine. */
const DEFAULT_TEMPERATURE = 0.6;
const DEFAULT_TOP_P = 0.95;
/** node-llama-cpp's defaults, so both engines sample alike when the caller says nothing. */
const DEFAULT_TOP_K = 40;
const DEFAULT_MIN_P = 0;
/** Recent tokens the repeat penalty looks at (llama.cpp's default `repeat_last_n`). */
const REPEAT_PENALTY_WINDOW = 64;
/** Fed in place of the next token when the thinking budget runs out (the embedded engine's too). */
const BUDGET_CLOSE = `\n${THINK_CLOSE}\n\n`;
/** llama-server's error when its chat parser rejects the text generated so far (see `generateOn`). */
const PARSER_FAILURE = /does not match the expected .* format/;
/** Fresh requests after such parser failures before the error is passed on. */
const MAX_PARSER_RESTARTS = 16;
/** How long r1 waits for llama-server's exit to be reported after its connection broke. */
const EXIT_NOTICE_MS = 2_000;

export interface LoadLlamaServerModelOptions {
    /** Path of the GGUF file (the first part of a split model). */
    path: string;
    /** The llama-server binary (see `findLlamaCppTools` / `requireLlamaCppTool`). */
    binary: string;
    /** Placement and context, as `llamaServerArgs` takes them. Defaults to llama-server's defaults with r1's context. */
    launch?: Omit<LlamaServerLaunchOptions, "modelPath" | "host" | "port" | "apiKey">;
    /** Listen on this loopback port. Defaults to a free one. */
    port?: number;
    /** Defaults to `DEFAULT_START_TIMEOUT_MS`. */
    startTimeoutMs?: number;
    signal?: AbortSignal;
    /** One-line notices (a crash, a restart). Defaults to writing them on stderr. */
    onNotice?: (message: string) => void;
    /** Every line llama-server logs. Defaults to stderr when `R1_DEBUG=1`. */
    onLog?: (line: string) => void;
}

interface Props {
    default_generation_settings?: {n_ctx?: number};
    total_slots?: number;
    chat_template?: string;
    bos_token?: string;
}

interface Prepared {
    tokens: number[];
    startInReasoning: boolean;
    splitReasoning: boolean;
    /** `complete()` with `echoPrompt`: the prompt as text, shown first. */
    echo?: string;
}

/** One chunk of llama-server's streamed `/completion` answer (the fields r1 reads). */
interface CompletionChunk {
    content?: string;
    tokens?: number[];
    stop?: boolean;
    stop_type?: "none" | "eos" | "limit" | "word";
    error?: {message?: string} | string;
    timings?: {cache_n?: number, prompt_n?: number, prompt_ms?: number, predicted_n?: number, predicted_ms?: number};
}

/** One line for a model whose llama-server died because an RPC worker is gone (`lost`: the probe's sentence). */
function workerLostError(lost: string, name: string, exit: LlamaServerExit, logTail: readonly string[]): LlamaServerExitedError {
    return new LlamaServerExitedError(`${lost}, so llama-server for ${name} stopped (${describeExit(exit)}); r1 starts it again when the worker answers`,
        exit, logTail, "start `r1 worker` there again; the next request reloads the model");
}

function describeExit(exit: LlamaServerExit): string {
    return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/**
 * A model served by a llama-server that r1 started and owns (`LoadedModel` over HTTP). Prompts
 * are rendered and tokenized exactly as in the embedded engine (R1's template in r1, token ids
 * sent to `/completion`), so greedy output is token for token the same; the reasoning split, stop
 * strings and the thinking budget run in r1 as there. A crash is reported and llama-server is
 * started again once; a second crash soon after gives the model up.
 */
export class LlamaServerModel implements LoadedModel {
    readonly info: LoadedModelInfo;
    private server: LlamaServerProcess;
    private readonly options: LoadLlamaServerModelOptions;
    private readonly template: string | undefined;
    private readonly r1: boolean;
    private readonly bos: string | undefined;
    private readonly notice: (message: string) => void;
    private readonly tokenCounts = new Map<string, number>();
    private readonly syncPoster = new SyncHttpPoster();
    private active = 0;
    private restarting: Promise<void> | undefined;
    private dead: Error | undefined;
    /**
     * Set while llama-server is down because a `--rpc` worker went away: which one, since when,
     * tries so far. r1 tries every `WORKER_RECOVERY_INTERVAL_MS` (and on each request) and starts
     * llama-server again once every worker answers.
     */
    private lostWorker: {endpoint: string, since: Date, attempts: number} | undefined;
    /** The try in progress (one at a time: a worker serves one client). */
    private recovery: Promise<void> | undefined;
    private recoveryTimer: NodeJS.Timeout | undefined;
    private disposed = false;
    private startedAt: number;
    private restarts = 0;
    private bosPrefix: number[] | undefined;
    private closeTokens: number[] | undefined;

    private constructor(init: {options: LoadLlamaServerModelOptions, server: LlamaServerProcess, props: Props, architecture: string, trainedTemplate: string | undefined,
        trainContextSize: number | undefined, loadMs: number}) {
        this.options = init.options;
        this.server = init.server;
        this.startedAt = performance.now();
        this.template = init.trainedTemplate ?? init.props.chat_template;
        this.r1 = isR1Template(this.template);
        this.bos = init.props.bos_token;
        this.notice = init.options.onNotice ?? defaultNotice;
        const launch = init.options.launch ?? {};
        this.info = {
            path: init.options.path,
            architecture: init.architecture,
            contextSize: init.props.default_generation_settings?.n_ctx ?? launch.contextSize ?? 0,
            parallel: init.props.total_slots ?? launch.parallel ?? 1,
            gpuLayers: typeof launch.gpuLayers === "number" ? launch.gpuLayers : 0,
            reasoning: this.r1 || (this.template?.includes("<think>") ?? false),
            loadMs: init.loadMs,
            ...(launch.threads === undefined ? {} : {threads: launch.threads}),
            ...(launch.batchSize === undefined ? {} : {batchSize: launch.batchSize}),
            ...(launch.flashAttention === undefined ? {} : {flashAttention: launch.flashAttention}),
            engine: "llama-server",
            ...(init.trainContextSize === undefined ? {} : {trainContextSize: init.trainContextSize})
        };
        this.watch(init.server);
    }

    /** Starts llama-server for `options.path` and waits until the model is loaded. */
    static async load(options: LoadLlamaServerModelOptions): Promise<LlamaServerModel> {
        const started = performance.now();
        let architecture = "unknown";
        let trainedTemplate: string | undefined;
        let trainContextSize: number | undefined;
        try {
            const file = await readGguf(options.path, {split: false});
            architecture = file.metadata.getString("general.architecture") ?? "unknown";
            trainedTemplate = file.metadata.getString("tokenizer.chat_template");
            const trained = file.metadata.get(`${architecture}.context_length`) === undefined ? undefined : file.metadata.getNumber(`${architecture}.context_length`);
            if (trained !== undefined && trained > 0) trainContextSize = trained;
        } catch (error) {
            throw new ModelLoadError(options.path, error instanceof Error ? error.message : String(error), {cause: error});
        }
        // Unasked, the same context as the embedded engine (and the plan): the default capped at the trained context.
        if (options.launch?.contextSize === undefined) options = {...options, launch: {...options.launch, contextSize: defaultContextSize(trainContextSize ?? 0)}};
        const server = await LlamaServerProcess.start(processOptions(options));
        try {
            const props = await requestJson<Props>(server, "/props");
            let kept = options;
            if (server.repackDisabled) {
                kept = {...options, launch: {...options.launch, repack: false}};
                (options.onNotice ?? defaultNotice)(server.repackDisabledBecause === "amx-unplaceable-op"
                    ? "llama-server aborted while loading (its AMX weight buffers leave an op of this model with no backend, as for deepseek2); it runs with --no-repack"
                    : "llama-server died of an illegal instruction while loading (its build uses CPU instructions this machine does not allow, such as AMX); it runs with --no-repack");
            }
            return new LlamaServerModel({options: kept, server, props, architecture, trainedTemplate, trainContextSize, loadMs: performance.now() - started});
        } catch (error) {
            await server.stop();
            throw error;
        }
    }

    /** The llama-server now serving this model (it changes after a restart); for tests and benchmarks. */
    get process(): LlamaServerProcess {
        return this.server;
    }

    chat(messages: ChatMessage[], options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        if (options.tools !== undefined && options.tools.length > 0) throw new UnsupportedOptionError("tools", "the llama-server engine does not offer tools yet");
        if (options.responseFormat !== undefined) throw new UnsupportedOptionError("responseFormat", "the llama-server engine does not constrain output yet");
        const think = options.think ?? true;
        return this.generate(async (server, signal) => {
            if (this.r1) {
                const text = formatR1Prompt(messages, {...(this.bos === undefined ? {} : {bos: this.bos}), think});
                return {tokens: await this.tokenize(server, text, false, true, signal), startInReasoning: think, splitReasoning: true};
            }
            // Other models: llama-server renders their own template.
            const {prompt} = await requestJson<{prompt: string}>(server, "/apply-template",
                {messages: messages.map((m) => ({role: m.role, content: m.content}))}, signal);
            return {tokens: await this.tokenize(server, prompt, true, true, signal), startInReasoning: false, splitReasoning: this.info.reasoning};
        }, options);
    }

    complete(prompt: string, options: GenerationOptions = {}): AsyncIterable<GenerationEvent> {
        if (options.tools !== undefined && options.tools.length > 0) throw new UnsupportedOptionError("tools", "tools need a chat, not a raw completion");
        if (options.responseFormat !== undefined) throw new UnsupportedOptionError("responseFormat", "a raw completion is not constrained");
        return this.generate(async (server, signal) => {
            // As the embedded engine: BOS when the model wants one, then the text without special tokens.
            this.bosPrefix ??= await this.tokenize(server, "", true, false, signal);
            const body = await this.tokenize(server, prompt, false, false, signal);
            const echo = options.echoPrompt === true
                ? (await requestJson<{content: string}>(server, "/detokenize", {tokens: body}, signal)).content
                : undefined;
            return {tokens: [...this.bosPrefix, ...body], startInReasoning: false, splitReasoning: false, ...(echo === undefined ? {} : {echo})};
        }, options);
    }

    /**
     * Tokens of `text` with special tokens recognised, as the embedded engine counts them. The
     * contract is synchronous: a count not seen before is a blocking loopback `/tokenize` (a
     * millisecond or two); recent counts are remembered.
     */
    countTokens(text: string): number {
        const cached = this.tokenCounts.get(text);
        if (cached !== undefined) return cached;
        if (this.dead !== undefined) throw this.dead;
        const answer = this.syncPoster.post(`${this.server.url}/tokenize`, authHeaders(this.server),
            JSON.stringify({content: text, add_special: false, parse_special: true}), SYNC_TOKENIZE_TIMEOUT_MS);
        if (answer.status !== 200) throw new LlamaServerRequestError(`/tokenize answered ${answer.status}: ${errorMessageOf(answer.text)}`, answer.status);
        const count = (JSON.parse(answer.text) as {tokens: unknown[]}).tokens.length;
        this.remember(text, count);
        return count;
    }

    /** While a `--rpc` worker is gone: which, since when, how many tries (`r1 serve`'s `/health` and `/metrics`). */
    degradation(): ModelDegradation | undefined {
        const lost = this.lostWorker;
        if (lost === undefined || this.dead === undefined || this.disposed) return undefined;
        return {message: this.dead.message, rpcWorker: lost.endpoint, since: lost.since, restartAttempts: lost.attempts};
    }

    async dispose(): Promise<void> {
        this.disposed = true;
        clearTimeout(this.recoveryTimer);
        await this.restarting?.catch(() => {});
        await this.recovery?.catch(() => {});
        await this.syncPoster.close();
        await this.server.stop();
    }

    private remember(text: string, count: number): void {
        this.tokenCounts.delete(text);
        this.tokenCounts.set(text, count);
        if (this.tokenCounts.size > TOKEN_COUNT_CACHE_ENTRIES) this.tokenCounts.delete(this.tokenCounts.keys().next().value!);
    }

    private async tokenize(server: LlamaServerEndpoint, text: string, addSpecial: boolean, parseSpecial: boolean, signal: AbortSignal): Promise<number[]> {
        const {tokens} = await requestJson<{tokens: number[]}>(server, "/tokenize", {content: text, add_special: addSpecial, parse_special: parseSpecial}, signal);
        if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) throw new LlamaServerRequestError("/tokenize answered without token ids");
        if (!addSpecial && parseSpecial) this.remember(text, tokens.length);
        return tokens;
    }

    /** Notices llama-server's exit: a crash is reported and answered with one restart. */
    private watch(server: LlamaServerProcess): void {
        void server.exited.then(async (exit) => {
            if (server.stopRequested || this.disposed || server !== this.server) return;
            const last = server.lastError();
            const name = path.basename(this.options.path);
            const detail = `${describeExit(exit)}${last === undefined ? "" : ` (${last})`}`;
            // llama.cpp aborts when an RPC worker stops answering; restarting is pointless until it is back.
            const workers = this.options.launch?.rpcServers ?? [];
            if (workers.length > 0) {
                let settle = () => {};
                this.restarting = new Promise<void>((resolve) => settle = resolve);
                try {
                    const lost = await findLostWorker(workers);
                    if (lost !== undefined) {
                        this.workerLost(lost, workerLostError(lost.message, name, exit, server.logTail()));
                        this.notice(this.dead!.message);
                        return;
                    }
                } finally {
                    this.restarting = undefined;
                    settle();
                }
            }
            if (this.restarts > 0 && performance.now() - this.startedAt < RESTART_WINDOW_MS) {
                this.dead = new LlamaServerExitedError(`llama-server for ${name} ${detail} again within ${RESTART_WINDOW_MS / 1000} s of its restart; r1 has given it up`,
                    exit, server.logTail(), "load the model again (r1 serve does on the next request once it is unloaded); R1_DEBUG=1 shows llama-server's log");
                this.notice(this.dead.message);
                return;
            }
            this.restarts++;
            this.notice(`llama-server for ${name} ${detail}; restarting it`);
            this.restarting = LlamaServerProcess.start(processOptions(this.options)).then(async (fresh) => {
                if (this.disposed) {
                    await fresh.stop();
                    return;
                }
                this.server = fresh;
                this.startedAt = performance.now();
                this.watch(fresh);
                this.notice(`llama-server for ${name} restarted`);
            }, (error: unknown) => {
                this.dead = error instanceof Error ? error : new Error(String(error));
                this.notice(`llama-server for ${name} could not be restarted: ${this.dead.message}`);
            }).finally(() => {
                this.restarting = undefined;
            });
        });
    }

    /** The running server, after any restart in progress; throws when the model was given up. */
    private async ready(): Promise<LlamaServerProcess> {
        await this.restarting;
        if (this.lostWorker !== undefined && !this.disposed) await this.recover();
        if (this.dead !== undefined) throw this.dead;
        if (this.disposed) throw new LlamaServerRequestError("the model was unloaded");
        return this.server;
    }

    /** Records that `lost` stopped answering (the first time: since now) and schedules the next try. */
    private workerLost(lost: RpcWorkerUnreachableError, error: Error): void {
        this.dead = error;
        this.lostWorker = {endpoint: lost.endpoint, since: this.lostWorker?.since ?? new Date(), attempts: this.lostWorker?.attempts ?? 0};
        this.scheduleRecovery();
    }

    /** The next try in `WORKER_RECOVERY_INTERVAL_MS`, then the one after, until the model serves or is unloaded. */
    private scheduleRecovery(): void {
        if (this.disposed || this.recoveryTimer !== undefined) return;
        this.recoveryTimer = setTimeout(() => {
            this.recoveryTimer = undefined;
            void this.recover().then(() => {
                if (this.lostWorker !== undefined) this.scheduleRecovery();
            });
        }, WORKER_RECOVERY_INTERVAL_MS);
        // A waiting model never keeps r1 alive by itself.
        this.recoveryTimer.unref();
    }

    /** One try to bring the model back, shared by whoever asks while it runs (the timer, requests). */
    private recover(): Promise<void> {
        this.recovery ??= this.restartOnceWorkersAnswer().finally(() => {
            this.recovery = undefined;
        });
        return this.recovery;
    }

    /**
     * After a lost `--rpc` worker: when every worker answers again, llama-server is started afresh
     * (the model serves again without reloading r1); otherwise requests keep failing naming the
     * worker. A llama-server that will not start while every worker answers is given up.
     */
    private async restartOnceWorkersAnswer(): Promise<void> {
        if (this.lostWorker === undefined || this.disposed) return;
        this.lostWorker.attempts++;
        const name = path.basename(this.options.path);
        const workers = this.options.launch?.rpcServers ?? [];
        const lostError = (lost: RpcWorkerUnreachableError) =>
            workerLostError(lost.message, name, this.server.exitStatus ?? {code: null, signal: null}, this.server.logTail());
        const lost = await findLostWorker(workers);
        if (lost !== undefined) return this.workerLost(lost, lostError(lost));
        let fresh: LlamaServerProcess;
        try {
            fresh = await LlamaServerProcess.start(processOptions(this.options));
        } catch (error) {
            // The worker went away again while llama-server loaded: keep waiting for it.
            const again = await findLostWorker(workers);
            if (again !== undefined) return this.workerLost(again, lostError(again));
            this.lostWorker = undefined;
            clearTimeout(this.recoveryTimer);
            this.dead = error instanceof Error ? error : new Error(String(error));
            this.notice(`llama-server for ${name} could not be restarted: ${this.dead.message}`);
            return;
        }
        if (this.disposed) {
            await fresh.stop();
            return;
        }
        this.server = fresh;
        this.startedAt = performance.now();
        this.restarts = 0;
        this.lostWorker = undefined;
        this.dead = undefined;
        this.watch(fresh);
        this.notice(`llama-server for ${name} runs again: its RPC workers answer`);
    }

    /** Why a request failed: llama-server died under it (one line, restart under way), or the stream broke. */
    private async explain(server: LlamaServerProcess, error: unknown): Promise<Error> {
        if (error instanceof LlamaServerRequestError || error instanceof LlamaServerStartError || error instanceof LlamaServerExitedError) return error;
        let timer: NodeJS.Timeout | undefined;
        const exit = await Promise.race([server.exited, new Promise<undefined>((resolve) => {
            // An arrow, not `resolve` itself: the global setTimeout's overloads (lib.dom's or Node's) then both accept it.
            timer = globalThis.setTimeout(() => resolve(undefined), EXIT_NOTICE_MS) as unknown as NodeJS.Timeout;
        })]);
        clearTimeout(timer);
        const workers = this.options.launch?.rpcServers ?? [];
        if (exit !== undefined && !server.stopRequested && workers.length > 0) {
            const lost = await findLostWorker(workers);
            if (lost !== undefined) return workerLostError(lost.message, path.basename(this.options.path), exit, server.logTail());
        }
        if (exit !== undefined && !server.stopRequested)
            return new LlamaServerExitedError(`llama-server ${describeExit(exit)} during the reply; ${this.restarts > 1 || this.dead !== undefined ? "r1 has given it up" : "r1 restarts it"}`, exit, server.logTail());
        if (exit !== undefined) return new LlamaServerRequestError("the model was unloaded during the reply");
        const message = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
        return new LlamaServerRequestError(`the reply broke off: ${message}`);
    }

    private async *generate(prepare: (server: LlamaServerProcess, signal: AbortSignal) => Promise<Prepared>, options: GenerationOptions): AsyncGenerator<GenerationEvent, void, void> {
        if (this.active >= this.info.parallel) throw new NoFreeSequenceError(this.info.parallel);
        this.active++;
        try {
            const started = performance.now();
            const server = await this.ready();
            // One controller per request: the caller's abort, and r1's own (a stop string, the thinking
            // budget), both close the connection, and llama-server stops generating when it sees that.
            const request = new AbortController();
            const onAbort = () => request.abort();
            options.signal?.addEventListener("abort", onAbort, {once: true});
            try {
                let prompt: Prepared;
                try {
                    prompt = await prepare(server, request.signal);
                } catch (error) {
                    if (options.signal?.aborted === true) {
                        yield this.abortedBeforeStart(started);
                        return;
                    }
                    throw await this.explain(server, error);
                }
                yield* this.generateOn(server, prompt, options, started, request);
            } finally {
                options.signal?.removeEventListener("abort", onAbort);
                request.abort();
            }
        } finally {
            this.active--;
        }
    }

    private abortedBeforeStart(started: number): GenerationEvent {
        const ms = performance.now() - started;
        return {type: "done", result: {reasoning: "", answer: "", toolCalls: [], finishReason: "abort", usage: {promptTokens: 0, completionTokens: 0, reasoningTokens: 0},
            timings: {promptMs: ms, generationMs: 0, firstTokenMs: ms}}};
    }

    private async *generateOn(server: LlamaServerProcess, prompt: Prepared, options: GenerationOptions, started: number, request: AbortController): AsyncGenerator<GenerationEvent, void, void> {
        const contextSize = this.info.contextSize;
        if (prompt.tokens.length >= contextSize) throw new ContextOverflowError(prompt.tokens.length, contextSize);
        const maxTokens = Math.min(options.maxTokens ?? Infinity, contextSize - prompt.tokens.length);

        const reply = new ReplyAssembler({started, ...(prompt.splitReasoning ? {split: {startInReasoning: prompt.startInReasoning}} : {}), ...(options.stop === undefined ? {} : {stop: options.stop})});
        // llama-server's own clock (it excludes HTTP), summed over the requests of one reply.
        let promptMs = 0;
        let generationMs = 0;
        let timed = false;
        let cachedPromptTokens: number | undefined;
        let budgetClosed = false;

        yield {type: "prompt", promptTokens: prompt.tokens.length};
        if (prompt.echo !== undefined) yield* reply.echo(prompt.echo);

        // What llama-server is asked to continue: the prompt, then (after a thinking budget ran out)
        // the reasoning so far and the closing tag, exactly the tokens the embedded engine feeds.
        const sequence = [...prompt.tokens];
        let segmentPrompt = prompt.tokens;
        let segment = linkedController(request.signal);
        let parserRestarts = 0;
        // A restart must have made progress: a token that is invalid UTF-8 by itself fails again at once.
        let restartedAt = -1;
        segments: for (;;) {
            const body = {
                prompt: segmentPrompt,
                n_predict: Number.isFinite(maxTokens) ? maxTokens - reply.completionTokens : -1,
                stream: true,
                cache_prompt: true,
                return_tokens: true,
                n_probs: 0,
                temperature: options.temperature ?? DEFAULT_TEMPERATURE,
                top_p: options.topP ?? DEFAULT_TOP_P,
                top_k: options.topK ?? DEFAULT_TOP_K,
                min_p: options.minP ?? DEFAULT_MIN_P,
                repeat_penalty: options.repeatPenalty ?? 1,
                repeat_last_n: REPEAT_PENALTY_WINDOW,
                ...(options.seed === undefined ? {} : {seed: options.seed})
            };
            let restart: "budget" | "parser" | undefined;
            try {
                const response = await fetch(`${server.url}/completion`, {method: "POST", headers: authHeaders(server), body: JSON.stringify(body), signal: segment.signal});
                if (!response.ok) {
                    const text = await readLimitedText(response);
                    throw new LlamaServerRequestError(`/completion answered ${response.status}: ${errorMessageOf(text)}`, response.status);
                }
                if (response.body === null) throw new LlamaServerRequestError("/completion answered without a body");
                let ended = false;
                for await (const event of readServerSentEvents(response.body as AsyncIterable<Uint8Array>)) {
                    let chunk: CompletionChunk;
                    try {
                        chunk = JSON.parse(event.data) as CompletionChunk;
                    } catch {
                        throw new LlamaServerRequestError(`/completion streamed something that is not JSON: ${event.data.slice(0, 100)}`);
                    }
                    if (chunk.error !== undefined) {
                        const message = typeof chunk.error === "string" ? chunk.error : chunk.error.message ?? "error";
                        // llama-server parses every reply with its chat parser, which fails on invalid
                        // UTF-8 in the text generated so far (bytes a model may emit, random weights
                        // often). The tokens are fine: continue from them in a fresh request.
                        if (PARSER_FAILURE.test(message) && parserRestarts < MAX_PARSER_RESTARTS && reply.completionTokens > restartedAt) {
                            parserRestarts++;
                            restartedAt = reply.completionTokens;
                            restart = "parser";
                            break;
                        }
                        throw new LlamaServerRequestError(PARSER_FAILURE.test(message) ? `${message} (llama-server's parser rejects text that is not valid UTF-8)` : message);
                    }
                    if (chunk.stop === true) {
                        timed = chunk.timings !== undefined;
                        promptMs += chunk.timings?.prompt_ms ?? 0;
                        generationMs += chunk.timings?.predicted_ms ?? 0;
                        cachedPromptTokens ??= chunk.timings?.cache_n;
                        if (chunk.stop_type === "limit") reply.finishReason = "length";
                        if (chunk.content !== undefined && chunk.content !== "") yield* reply.push(chunk.content);
                        ended = true;
                        break;
                    }
                    const tokens = chunk.tokens ?? [];
                    if (tokens.length > 0) {
                        reply.tokens(tokens.length);
                        sequence.push(...tokens);
                    }
                    if (chunk.content !== undefined && chunk.content !== "") yield* reply.push(chunk.content);
                    if (reply.stopped) break segments;
                    // llama-server stops at n_predict itself (its last chunk brings the timings); this only guards against overrun.
                    if (reply.completionTokens > maxTokens) {
                        reply.finishReason = "length";
                        break segments;
                    }
                    if (!budgetClosed && options.thinkBudget !== undefined && reply.inReasoning && reply.reasoningTokens >= options.thinkBudget) {
                        budgetClosed = true;
                        restart = "budget";
                        break;
                    }
                }
                if (restart !== undefined) {
                    segment.abort();
                    if (restart === "budget") {
                        // Out of budget: continue from the reasoning so far plus the closing tag.
                        this.closeTokens ??= await this.tokenize(server, BUDGET_CLOSE, false, true, request.signal);
                        sequence.push(...this.closeTokens);
                        yield* reply.push(BUDGET_CLOSE);
                    }
                    segmentPrompt = [...sequence];
                    segment = linkedController(request.signal);
                    continue;
                }
                if (!ended) throw new LlamaServerRequestError("the reply stream ended before llama-server finished it");
                break;
            } catch (error) {
                if (options.signal?.aborted === true) {
                    reply.finishReason = "abort";
                    break;
                }
                throw await this.explain(server, error);
            }
        }
        request.abort();
        if (reply.finishReason !== "abort") yield* reply.finish();
        yield {
            type: "done",
            result: reply.result({
                promptTokens: prompt.tokens.length,
                ...(cachedPromptTokens === undefined ? {} : {cachedPromptTokens}),
                // r1's clock where the reply was cut short (a stop string, an abort) before llama-server's timings came.
                ...(timed ? {promptMs, generationMs} : {})
            })
        };
    }
}

function defaultNotice(message: string): void {
    process.stderr.write(`r1: ${message}\n`);
}

/** A controller that also aborts when `parent` does. */
function linkedController(parent: AbortSignal): AbortController {
    const controller = new AbortController();
    if (parent.aborted) controller.abort();
    else parent.addEventListener("abort", () => controller.abort(), {once: true});
    return controller;
}

function processOptions(options: LoadLlamaServerModelOptions) {
    return {
        binary: options.binary,
        launch: {...options.launch, modelPath: options.path},
        ...(options.port === undefined ? {} : {port: options.port}),
        ...(options.startTimeoutMs === undefined ? {} : {startTimeoutMs: options.startTimeoutMs}),
        ...(options.signal === undefined ? {} : {signal: options.signal}),
        ...(options.onLog === undefined ? {} : {onLog: options.onLog})
    };
}
