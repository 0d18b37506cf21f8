import type {Metrics} from "./Metrics.js";
import type {ModelPool} from "./ModelPool.js";

/** What every route handler shares: the model pool, the counters and the per-request limits. */
export interface ServerContext {
    pool: ModelPool;
    metrics: Metrics;
    /** Limit on one request, queueing included (ms). */
    requestTimeoutMs: number;
}
