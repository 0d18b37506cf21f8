import {ApiError} from "./ApiError.js";

interface Waiter {
    grant(): void;
    fail(error: unknown): void;
}

/**
 * Admits at most `parallel` generations at once on one model (one per context sequence) and
 * queues at most `maxQueue` more in arrival order; beyond that, `enter()` fails at once with
 * a 429 `ApiError`, so an overloaded server answers quickly instead of piling up requests.
 */
export class SequenceGate {
    readonly parallel: number;
    readonly maxQueue: number;
    private _active = 0;
    private readonly _queue: Waiter[] = [];

    constructor(options: {parallel: number, maxQueue: number}) {
        this.parallel = Math.max(1, Math.floor(options.parallel));
        this.maxQueue = Math.max(0, Math.floor(options.maxQueue));
    }

    /** Generations running now. */
    get active(): number {
        return this._active;
    }

    /** Requests waiting for a sequence. */
    get queued(): number {
        return this._queue.length;
    }

    /**
     * Waits for a free sequence and returns the function that gives it back (call it once).
     * Rejects with the signal's reason when `signal` aborts while waiting, and with a 429
     * `ApiError` when the queue is full; `retryAfterS` is the advice that error carries.
     */
    enter(signal?: AbortSignal, retryAfterS = 1): Promise<() => void> {
        if (signal?.aborted === true) return Promise.reject(signal.reason);
        if (this._active < this.parallel && this._queue.length === 0) {
            this._active++;
            return Promise.resolve(this._releaser());
        }
        if (this._queue.length >= this.maxQueue)
            return Promise.reject(new ApiError("queue_full",
                `All ${this.parallel} sequences are busy and ${this._queue.length} requests are waiting; try again shortly.`,
                {retryAfterS}));
        return new Promise((resolve, reject) => {
            const onAbort = () => {
                const index = this._queue.indexOf(waiter);
                if (index >= 0) this._queue.splice(index, 1);
                reject(signal?.reason);
            };
            const waiter: Waiter = {
                grant: () => {
                    signal?.removeEventListener("abort", onAbort);
                    this._active++;
                    resolve(this._releaser());
                },
                fail: (error) => {
                    signal?.removeEventListener("abort", onAbort);
                    reject(error);
                }
            };
            signal?.addEventListener("abort", onAbort, {once: true});
            this._queue.push(waiter);
        });
    }

    /** Fails every waiting request with `error` (the model is going away). */
    failWaiting(error: unknown): void {
        for (const waiter of this._queue.splice(0)) waiter.fail(error);
    }

    private _releaser(): () => void {
        let released = false;
        return () => {
            if (released) return;
            released = true;
            this._active--;
            this._queue.shift()?.grant();
        };
    }
}
