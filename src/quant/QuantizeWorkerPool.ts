import {Worker} from "node:worker_threads";
import {fileURLToPath} from "node:url";
import type {GgmlType} from "../gguf/GgmlType.js";
import {R1Error} from "../util/R1Error.js";
import {convertTensorData, type RowImportance} from "./convertTensorData.js";

export interface ConvertJob {
    readonly id: number;
    readonly sourceType: GgmlType;
    readonly targetType: GgmlType;
    readonly elements: number;
    readonly source: ArrayBuffer;
    /** Its weights are shared memory when the caller made them so (no copy per job). */
    readonly importance?: RowImportance;
}

export type ConvertResult = {readonly id: number, readonly bytes: Uint8Array, readonly error?: undefined}
    | {readonly id: number, readonly error: string, readonly bytes?: undefined};

/** Most worker threads a pool starts, whatever `--threads` says. */
export const MAX_QUANTIZE_THREADS = 256;

// Under tsx (tests, dev) this module is the .ts source: the worker is its sibling .ts file and
// needs tsx loaded too (test runners do not always pass their --import on to threads).
const fromSource = import.meta.url.endsWith(".ts");
const workerUrl = new URL(fromSource ? "./quantizeWorker.ts" : "./quantizeWorker.js", import.meta.url);

function startWorker(): Worker {
    if (!fromSource) return new Worker(fileURLToPath(workerUrl));
    const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})`
        + `.then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
    return new Worker(bootstrap, {eval: true});
}

/**
 * Converts tensor slices on `threads` worker threads (or inline on the calling thread when
 * `threads` is 1). Results come back in any order; callers keep their own order.
 */
export class QuantizeWorkerPool {
    private readonly workers: Worker[] = [];
    private readonly idle: Worker[] = [];
    private readonly queue: Array<{job: ConvertJob, resolve: (b: Uint8Array) => void, reject: (e: Error) => void}> = [];
    private readonly pending = new Map<number, {resolve: (b: Uint8Array) => void, reject: (e: Error) => void}>();
    private nextId = 0;
    private failure: Error | undefined;

    constructor(readonly threads: number) {
        const n = Math.max(1, Math.min(MAX_QUANTIZE_THREADS, Math.floor(threads)));
        if (n === 1) return;
        for (let i = 0; i < n; i++) {
            const worker = startWorker();
            worker.on("message", (result: ConvertResult) => this.onResult(worker, result));
            worker.on("error", (error) => this.fail(new R1Error(`quantizer thread failed: ${error.message}`, {cause: error})));
            this.workers.push(worker);
            this.idle.push(worker);
        }
    }

    /** Slices that may be queued at once to keep every thread busy. */
    get parallelism(): number {
        return Math.max(1, this.workers.length);
    }

    /**
     * Converts one slice. With `transferSource`, a `source` that spans its whole ArrayBuffer moves
     * to the worker thread without a copy (and is detached here); otherwise it is copied first.
     */
    convert(sourceType: GgmlType, source: Uint8Array, elements: number, targetType: GgmlType, importance?: RowImportance,
        transferSource = false): Promise<Uint8Array> {
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.workers.length === 0) {
            try {
                return Promise.resolve(convertTensorData(sourceType, source, elements, targetType, importance));
            } catch (error) {
                return Promise.reject(error);
            }
        }
        // A view of part of a larger buffer (or one the caller keeps) is copied into a buffer of its own.
        const owned = transferSource && source.byteOffset === 0 && source.byteLength === source.buffer.byteLength && source.buffer instanceof ArrayBuffer;
        const copy = owned ? source.buffer as ArrayBuffer : source.slice().buffer as ArrayBuffer;
        return new Promise((resolve, reject) => {
            this.queue.push({job: {id: this.nextId++, sourceType, targetType, elements, source: copy, ...(importance ? {importance} : {})}, resolve, reject});
            this.pump();
        });
    }

    async close(): Promise<void> {
        const workers = this.workers.splice(0);
        this.idle.length = 0;
        await Promise.all(workers.map((w) => w.terminate()));
    }

    private pump(): void {
        while (this.idle.length > 0 && this.queue.length > 0) {
            const worker = this.idle.pop()!;
            const {job, resolve, reject} = this.queue.shift()!;
            this.pending.set(job.id, {resolve, reject});
            worker.postMessage(job, [job.source]);
        }
    }

    private onResult(worker: Worker, result: ConvertResult): void {
        const waiter = this.pending.get(result.id);
        this.pending.delete(result.id);
        this.idle.push(worker);
        if (result.error !== undefined) waiter?.reject(new R1Error(result.error));
        else waiter?.resolve(result.bytes);
        this.pump();
    }

    private fail(error: Error): void {
        this.failure = error;
        for (const w of this.pending.values()) w.reject(error);
        for (const q of this.queue) q.reject(error);
        this.pending.clear();
        this.queue.length = 0;
    }
}
