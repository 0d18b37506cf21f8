import type {LoadedModel} from "../engine/types.js";
import {ApiError} from "./ApiError.js";
import {SequenceGate} from "./SequenceGate.js";
import {DEFAULT_KEEP_ALIVE_MS, DEFAULT_MAX_LOADED, DEFAULT_MAX_QUEUE, DEFAULT_PARALLEL} from "./limits.js";
import type {ModelDescriptor, ModelSource} from "./ModelSource.js";

export interface ModelPoolOptions {
    source: ModelSource;
    /** Most models loaded at once; idle ones are unloaded, least recently used first. Defaults to `1`. */
    maxLoaded?: number;
    /** Generations at once per model. Defaults to `1`. */
    parallel?: number;
    /** Requests waiting per model before 429. Defaults to `DEFAULT_MAX_QUEUE` (64). */
    maxQueue?: number;
    /** Idle time before a model is unloaded; negative keeps it loaded. Defaults to 5 minutes. */
    keepAliveMs?: number;
}

export interface AcquireOptions {
    /** This request's `keep_alive`; it replaces the model's for the time after this request. */
    keepAliveMs?: number;
    /**
     * Context size per sequence. A model loaded with another size is reloaded with this one, as
     * Ollama does for `num_ctx`: at once when idle, else once its running requests end (this
     * request waits). Absent: the model as loaded, or the loader's default when this request loads it.
     */
    contextSize?: number;
    signal?: AbortSignal;
}

/** One request's hold on a loaded model and one of its sequences. */
export interface ModelLease {
    model: LoadedModel;
    descriptor: ModelDescriptor;
    /** Time this request spent loading the model (ms); 0 when it was already loaded. */
    loadMs: number;
    /** Gives the sequence back; the model unloads after its keep-alive when no one uses it. */
    release(): void;
}

/** A loaded (or loading) model, as `/api/ps` shows it. */
export interface LoadedEntry {
    descriptor: ModelDescriptor;
    model?: LoadedModel;
    /** When it will be unloaded if still idle; `undefined` while in use or kept forever. */
    expiresAt?: Date;
    active: number;
    queued: number;
}

interface Entry {
    descriptor: ModelDescriptor;
    gate: SequenceGate;
    loading: Promise<LoadedModel>;
    model?: LoadedModel;
    loadStarted: number;
    loadReported: boolean;
    users: number;
    lastUsed: number;
    keepAliveMs: number;
    expiresAt?: number;
    timer?: NodeJS.Timeout;
    unloadWhenIdle: boolean;
    /** The context size asked of the loader; `undefined` when it chose. */
    contextSize?: number;
    /** Resolves when the entry has left the pool and its memory is freed. */
    gone: Promise<void>;
    /** Set once unloading has begun. */
    unloading?: Promise<void>;
    markGone: () => void;
}

/**
 * Loads models on first use, shares each among requests through a `SequenceGate`, unloads them
 * after their keep-alive, and keeps at most `maxLoaded` in memory. Concurrent first requests for
 * one model share one load.
 */
export class ModelPool {
    readonly parallel: number;
    readonly maxLoaded: number;
    readonly maxQueue: number;
    readonly defaultKeepAliveMs: number;
    private readonly _source: ModelSource;
    private readonly _entries = new Map<string, Entry>();
    private _closed = false;
    /** Unloads in progress: a new load waits for them, so memory is freed before it is taken again. */
    private readonly _unloading = new Set<Promise<void>>();
    /** Mean time a generation holds its sequence (ms), for `Retry-After` advice. */
    private _meanHoldMs = 5_000;

    constructor(options: ModelPoolOptions) {
        this._source = options.source;
        this.maxLoaded = Math.max(1, options.maxLoaded ?? DEFAULT_MAX_LOADED);
        this.parallel = Math.max(1, options.parallel ?? DEFAULT_PARALLEL);
        this.maxQueue = Math.max(0, options.maxQueue ?? DEFAULT_MAX_QUEUE);
        this.defaultKeepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    }

    get source(): ModelSource {
        return this._source;
    }

    /** Resolves `name` or throws the 404 `ApiError`. */
    async describe(name: string): Promise<ModelDescriptor> {
        const descriptor = await this._source.resolve(name);
        if (descriptor === undefined)
            throw new ApiError("model_not_found", `Model "${name}" not found; GET /v1/models or /api/tags lists the models.`, {param: "model"});
        return descriptor;
    }

    /** Loads `name` if needed and waits for one of its sequences. */
    async acquire(name: string, options: AcquireOptions = {}): Promise<ModelLease> {
        if (this._closed) throw new ApiError("server_busy", "The server is shutting down.");
        const descriptor = await this.describe(name);
        const entry = await this._enter(descriptor, options.contextSize, options.signal);
        this._clearTimer(entry);
        if (options.keepAliveMs !== undefined) entry.keepAliveMs = options.keepAliveMs;
        let exit: (() => void) | undefined;
        try {
            exit = await entry.gate.enter(options.signal, this._retryAfterS(entry.gate));
            const model = await entry.loading;
            let loadMs = 0;
            if (!entry.loadReported) {
                entry.loadReported = true;
                loadMs = Date.now() - entry.loadStarted;
            }
            const held = Date.now();
            let released = false;
            return {
                model, descriptor, loadMs,
                release: () => {
                    if (released) return;
                    released = true;
                    this._meanHoldMs = 0.8 * this._meanHoldMs + 0.2 * (Date.now() - held);
                    exit?.();
                    this._leave(entry);
                }
            };
        } catch (error) {
            exit?.();
            this._leave(entry);
            throw error;
        }
    }

    /**
     * Runs `use` on the loaded model (loading it if needed) without taking one of its sequences:
     * for work beside generation, such as counting a prompt's tokens, that must not queue behind it.
     */
    async withModel<T>(name: string, use: (model: LoadedModel) => T | Promise<T>, options: {signal?: AbortSignal} = {}): Promise<T> {
        if (this._closed) throw new ApiError("server_busy", "The server is shutting down.");
        const descriptor = await this.describe(name);
        const entry = await this._enter(descriptor, undefined, options.signal);
        this._clearTimer(entry);
        try {
            return await use(await entry.loading);
        } finally {
            this._leave(entry);
        }
    }

    /** Models loaded or loading now. */
    loaded(): LoadedEntry[] {
        return [...this._entries.values()].map((entry) => ({
            descriptor: entry.descriptor,
            ...(entry.model === undefined ? {} : {model: entry.model}),
            ...(entry.expiresAt === undefined ? {} : {expiresAt: new Date(entry.expiresAt)}),
            active: entry.gate.active,
            queued: entry.gate.queued
        }));
    }

    /** Unloads `name` now if idle, otherwise as soon as its last request ends. */
    async unload(name: string): Promise<void> {
        const descriptor = await this._source.resolve(name);
        const entry = descriptor === undefined ? undefined : this._entries.get(descriptor.name);
        if (entry === undefined) return;
        if (entry.users === 0) await this._dispose(entry);
        else entry.unloadWhenIdle = true;
    }

    /** Unloads every model and refuses new requests. */
    async close(): Promise<void> {
        this._closed = true;
        await Promise.all([...this._entries.values()].map((entry) => this._dispose(entry)));
    }

    /**
     * The model's entry with this request counted as a user (in the same tick, so no eviction can
     * take it in between), starting its load when needed. A loaded model going away (deleted, or
     * reloading for another context size) is waited out, so there is never a second copy.
     */
    private async _enter(descriptor: ModelDescriptor, contextSize: number | undefined, signal: AbortSignal | undefined): Promise<Entry> {
        // Re-checked after every wait: other requests run meanwhile.
        for (;;) {
            if (this._closed) throw new ApiError("server_busy", "The server is shutting down.");
            const existing = this._entries.get(descriptor.name);
            if (existing !== undefined) {
                if (!existing.unloadWhenIdle && contextSize !== undefined && existing.contextSize === undefined && existing.model === undefined) {
                    // Loading at the loader's default size: learn the size before comparing.
                    await untilAborted(existing.loading.then(() => {}, () => {}), signal);
                    continue;
                }
                const size = existing.contextSize ?? existing.model?.info.contextSize;
                if (!existing.unloadWhenIdle && (contextSize === undefined || size === contextSize)) {
                    existing.users++;
                    return existing;
                }
                // Another context size was asked for (or the model is being deleted): reload after it.
                existing.unloadWhenIdle = true;
                if (existing.users === 0) await this._dispose(existing);
                else await untilAborted(existing.gone, signal);
                continue;
            }
            if (this._unloading.size > 0) {
                await untilAborted(Promise.all(this._unloading).then(() => {}), signal);
                continue;
            }
            if (this._entries.size < this.maxLoaded) break;
            await this._evictIdlest();
        }
        let markGone = () => {};
        const gone = new Promise<void>((resolve) => {
            markGone = resolve;
        });
        const entry: Entry = {
            descriptor,
            gate: new SequenceGate({parallel: this.parallel, maxQueue: this.maxQueue}),
            loading: this._source.load(descriptor, {parallel: this.parallel, ...(contextSize === undefined ? {} : {contextSize})}),
            loadStarted: Date.now(),
            loadReported: false,
            users: 1,
            lastUsed: Date.now(),
            keepAliveMs: this.defaultKeepAliveMs,
            unloadWhenIdle: false,
            ...(contextSize === undefined ? {} : {contextSize}),
            gone,
            markGone
        };
        this._entries.set(descriptor.name, entry);
        entry.loading.then((model) => {
            entry.model = model;
        }, (error: unknown) => {
            if (this._entries.get(descriptor.name) === entry) this._entries.delete(descriptor.name);
            entry.gate.failWaiting(error);
            // Nothing to free: requests waiting for it to go may load it afresh.
            entry.markGone();
        });
        // Callers await `loading` themselves; this keeps an unobserved failure from crashing the process.
        entry.loading = entry.loading.catch((error: unknown) => {
            throw error instanceof ApiError ? error : new ApiError("internal", `Could not load model "${descriptor.name}": ${messageOf(error)}`, {cause: error});
        });
        return entry;
    }

    /** Unloads the least recently used idle model, or throws 503 when every loaded model is busy. */
    private async _evictIdlest(): Promise<void> {
        const idle = [...this._entries.values()].filter((entry) => entry.users === 0)
            .sort((a, b) => a.lastUsed - b.lastUsed)[0];
        if (idle === undefined)
            throw new ApiError("server_busy",
                `${this._entries.size} model(s) are loaded and busy (--max-loaded ${this.maxLoaded}); try again shortly.`,
                {retryAfterS: Math.max(1, Math.ceil(this._meanHoldMs / 1000))});
        await this._dispose(idle);
    }

    private _leave(entry: Entry): void {
        entry.users--;
        entry.lastUsed = Date.now();
        if (entry.users > 0 || this._entries.get(entry.descriptor.name) !== entry) return;
        if (entry.unloadWhenIdle || entry.keepAliveMs === 0) {
            void this._dispose(entry);
            return;
        }
        if (entry.keepAliveMs < 0) return;
        entry.expiresAt = Date.now() + entry.keepAliveMs;
        entry.timer = setTimeout(() => void this._dispose(entry), entry.keepAliveMs);
        entry.timer.unref();
    }

    private _clearTimer(entry: Entry): void {
        if (entry.timer !== undefined) clearTimeout(entry.timer);
        delete entry.timer;
        delete entry.expiresAt;
    }

    /** Unloads `entry` (once, however often called); resolves when its memory is freed. */
    private _dispose(entry: Entry): Promise<void> {
        if (entry.unloading !== undefined) return entry.unloading;
        this._clearTimer(entry);
        if (this._entries.get(entry.descriptor.name) === entry) this._entries.delete(entry.descriptor.name);
        entry.gate.failWaiting(new ApiError("server_busy", `Model "${entry.descriptor.name}" was unloaded; try again.`, {retryAfterS: 1}));
        const unloading = (async () => {
            try {
                const model = await entry.loading;
                await model.dispose();
            } catch {
                // A model that failed to load has nothing to free.
            }
        })();
        entry.unloading = unloading;
        this._unloading.add(unloading);
        void unloading.then(() => {
            this._unloading.delete(unloading);
            entry.markGone();
        });
        return unloading;
    }

    private _retryAfterS(gate: SequenceGate): number {
        // Waiting requests ahead, spread over the sequences, times the mean hold time.
        return Math.max(1, Math.ceil(((gate.queued + 1) / gate.parallel) * this._meanHoldMs / 1000));
    }
}

/** `promise`, or the signal's reason when it aborts first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, {once: true});
        promise.then(() => {
            signal.removeEventListener("abort", onAbort);
            resolve();
        });
    });
}

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
