import {Worker} from "node:worker_threads";
import type {LlamaTextJSON} from "node-llama-cpp";

/**
 * Prompts longer than this (characters) are tokenized on `TokenizerThread` rather than on the main
 * thread, where node-llama-cpp's tokenizer (a synchronous native call) holds every other request
 * and `/health` meanwhile: tokenizing runs at roughly 0.3–1 M characters/s, so this is about 30–100 ms.
 */
export const MAIN_THREAD_TOKENIZE_CHARS = 32_768;

/** What the worker is asked: a plain text, or a chat wrapper's `LlamaText` (special tokens kept as such). */
type Job = {id: number, text: string, specialTokens: boolean} | {id: number, llamaText: LlamaTextJSON};
type Reply = {id: number, tokens: Uint32Array} | {id: number, error: string} | {ready: true} | {failed: string};

// Plain JavaScript, run with `eval`: no file to find next to the compiled module (or the .ts one under
// tsx), and node-llama-cpp is imported from the URL the main thread resolved.
const WORKER_SOURCE = `
const {parentPort, workerData} = require("node:worker_threads");
(async () => {
    const {getLlama, LlamaText} = await import(workerData.llamaUrl);
    const llama = await getLlama({build: "never", gpu: workerData.gpu, logLevel: "error", progressLogs: false});
    const model = await llama.loadModel({modelPath: workerData.path, vocabOnly: true});
    parentPort.postMessage({ready: true});
    parentPort.on("message", (job) => {
        try {
            const tokens = "llamaText" in job ? LlamaText.fromJSON(job.llamaText).tokenize(model.tokenizer) : model.tokenize(job.text, job.specialTokens);
            const out = Uint32Array.from(tokens);
            parentPort.postMessage({id: job.id, tokens: out}, [out.buffer]);
        } catch (error) {
            parentPort.postMessage({id: job.id, error: String(error && error.message || error)});
        }
    });
})().catch((error) => parentPort.postMessage({failed: String(error && error.message || error)}));
`;

/**
 * A worker thread with its own vocabulary-only copy of a model (`vocabOnly`: the tokenizer, no
 * weights), so that a long prompt is tokenized off the main thread with exactly the model's tokens.
 * Started on first use; jobs run one after another; `close()` ends it (with the model).
 */
export class TokenizerThread {
    private worker: Worker | undefined;
    private ready: Promise<void> | undefined;
    private nextId = 0;
    private readonly pending = new Map<number, {resolve: (tokens: Uint32Array) => void, reject: (error: Error) => void}>();

    /** @param options.gpu the main thread's `llama.gpu`, so the worker loads the same llama.cpp build. */
    constructor(private readonly options: {path: string, gpu: string | false}) {}

    /**
     * `model.tokenize(text, specialTokens)`, on the worker, as the ids it sends back (an array of
     * millions of tokens is itself a main-thread cost: convert only what is used).
     */
    tokenize(text: string, specialTokens: boolean): Promise<Uint32Array> {
        return this.run({text, specialTokens});
    }

    /** `llamaText.tokenize(model.tokenizer)`, on the worker. */
    tokenizeLlamaText(llamaText: LlamaTextJSON): Promise<Uint32Array> {
        return this.run({llamaText});
    }

    async close(): Promise<void> {
        const worker = this.worker;
        this.worker = undefined;
        this.ready = undefined;
        this.failAll(new Error("the model was unloaded"));
        await worker?.terminate();
    }

    private async run(job: {text: string, specialTokens: boolean} | {llamaText: LlamaTextJSON}): Promise<Uint32Array> {
        await this.start();
        const id = this.nextId++;
        return new Promise<Uint32Array>((resolve, reject) => {
            this.pending.set(id, {resolve, reject});
            this.worker!.postMessage({id, ...job} satisfies Job);
        });
    }

    private start(): Promise<void> {
        this.ready ??= new Promise<void>((resolve, reject) => {
            const worker = new Worker(WORKER_SOURCE, {
                eval: true,
                workerData: {path: this.options.path, gpu: this.options.gpu, llamaUrl: import.meta.resolve("node-llama-cpp")},
                // The tokenizer needs none of the heap a chat needs; nothing else runs there.
                resourceLimits: {maxOldGenerationSizeMb: 256}
            });
            worker.unref();
            this.worker = worker;
            worker.on("message", (reply: Reply) => {
                if ("ready" in reply) return resolve();
                if ("failed" in reply) return reject(new Error(`the tokenizer thread could not load the vocabulary: ${reply.failed}`));
                const waiting = this.pending.get(reply.id);
                this.pending.delete(reply.id);
                if ("error" in reply) waiting?.reject(new Error(reply.error));
                else waiting?.resolve(reply.tokens);
            });
            worker.on("error", (error) => {
                reject(error);
                this.failAll(error);
            });
            worker.on("exit", () => {
                if (this.worker === worker) {
                    this.worker = undefined;
                    this.ready = undefined;
                }
                this.failAll(new Error("the tokenizer thread stopped"));
            });
        });
        return this.ready;
    }

    private failAll(error: Error): void {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
    }
}
