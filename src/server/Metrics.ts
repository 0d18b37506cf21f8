import type {GenerationResult} from "../engine/types.js";
import type {DegradedModel} from "./degradedModels.js";
import {formatPrometheus, type MetricFamily, type MetricSample} from "./formatPrometheus.js";

/** Upper bounds (seconds) of the time-to-first-token histogram. */
const TTFT_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Gauges read from the model pool at scrape time. */
export interface PoolSnapshot {
    loadedModels: number;
    activeSequences: number;
    queuedRequests: number;
    /** Names of the models loaded now (not those still loading). Defaults to none. */
    models?: readonly string[];
    /** Those of them that cannot serve for now (a lost `--rpc` worker). Defaults to none. */
    degraded?: readonly DegradedModel[];
}

interface ModelCounters {
    promptTokens: number;
    completionTokens: number;
    reasoningTokens: number;
    generations: number;
    aborted: number;
    lastTokensPerSecond: number;
    generationSeconds: number;
}

/** Counters of what the server has done, rendered for `GET /metrics`. */
export class Metrics {
    private readonly _requests = new Map<string, number>();
    private readonly _models = new Map<string, ModelCounters>();
    private readonly _ttftBuckets = TTFT_BUCKETS_S.map(() => 0);
    private _ttftSum = 0;
    private _ttftCount = 0;

    /** Counts one answered HTTP request. */
    recordRequest(route: string, status: number): void {
        const key = `${route}\u0000${status}`;
        this._requests.set(key, (this._requests.get(key) ?? 0) + 1);
    }

    /** Counts one finished generation (aborted ones included). */
    recordGeneration(model: string, result: GenerationResult): void {
        const counters = this._counters(model);
        counters.generations++;
        if (result.finishReason === "abort") counters.aborted++;
        counters.promptTokens += result.usage.promptTokens;
        counters.completionTokens += result.usage.completionTokens;
        counters.reasoningTokens += result.usage.reasoningTokens;
        counters.generationSeconds += result.timings.generationMs / 1000;
        if (result.timings.generationMs > 0 && result.usage.completionTokens > 1)
            counters.lastTokensPerSecond = (result.usage.completionTokens - 1) / (result.timings.generationMs / 1000);
        if (result.usage.completionTokens > 0) {
            const ttftS = result.timings.firstTokenMs / 1000;
            this._ttftSum += ttftS;
            this._ttftCount++;
            TTFT_BUCKETS_S.forEach((bound, i) => {
                if (ttftS <= bound) this._ttftBuckets[i]!++;
            });
        }
    }

    /** Counts a generation whose consumer stopped before its result (the client went away). */
    recordAbandoned(model: string): void {
        const counters = this._counters(model);
        counters.generations++;
        counters.aborted++;
    }

    /** Generations of `model` that ended because the client left or timed out. */
    aborted(model: string): number {
        return this._models.get(model)?.aborted ?? 0;
    }

    private _counters(model: string): ModelCounters {
        let counters = this._models.get(model);
        if (counters === undefined) {
            counters = {promptTokens: 0, completionTokens: 0, reasoningTokens: 0, generations: 0, aborted: 0, lastTokensPerSecond: 0, generationSeconds: 0};
            this._models.set(model, counters);
        }
        return counters;
    }

    render(pool: PoolSnapshot): string {
        const perModel = (pick: (counters: ModelCounters) => number): MetricSample[] =>
            [...this._models].map(([model, counters]) => ({labels: {model}, value: pick(counters)}));
        const families: MetricFamily[] = [
            {
                name: "r1_requests_total", help: "HTTP requests answered, by route and status.", type: "counter",
                samples: [...this._requests].map(([key, value]) => {
                    const [route, status] = key.split("\u0000") as [string, string];
                    return {labels: {route, status}, value};
                })
            },
            {name: "r1_generations_total", help: "Generations finished, aborted ones included.", type: "counter", samples: perModel((c) => c.generations)},
            {name: "r1_generations_aborted_total", help: "Generations stopped by a client disconnect or timeout.", type: "counter", samples: perModel((c) => c.aborted)},
            {name: "r1_prompt_tokens_total", help: "Prompt tokens evaluated.", type: "counter", samples: perModel((c) => c.promptTokens)},
            {name: "r1_completion_tokens_total", help: "Tokens generated, reasoning included.", type: "counter", samples: perModel((c) => c.completionTokens)},
            {name: "r1_reasoning_tokens_total", help: "Tokens generated inside the reasoning.", type: "counter", samples: perModel((c) => c.reasoningTokens)},
            {name: "r1_generation_seconds_total", help: "Time spent generating (first to last token).", type: "counter", samples: perModel((c) => c.generationSeconds)},
            {name: "r1_generation_tokens_per_second", help: "Generation speed of the latest finished generation.", type: "gauge", samples: perModel((c) => c.lastTokensPerSecond)},
            {
                name: "r1_time_to_first_token_seconds", help: "Time from request to first generated token.", type: "histogram",
                samples: [
                    ...TTFT_BUCKETS_S.map((bound, i) => ({suffix: "_bucket", labels: {le: String(bound)}, value: this._ttftBuckets[i]!})),
                    {suffix: "_bucket", labels: {le: "+Inf"}, value: this._ttftCount},
                    {suffix: "_sum", value: this._ttftSum},
                    {suffix: "_count", value: this._ttftCount}
                ]
            },
            {name: "r1_queue_depth", help: "Requests waiting for a free sequence.", type: "gauge", samples: [{value: pool.queuedRequests}]},
            {name: "r1_active_sequences", help: "Generations running now.", type: "gauge", samples: [{value: pool.activeSequences}]},
            {name: "r1_loaded_models", help: "Models loaded (or loading) now.", type: "gauge", samples: [{value: pool.loadedModels}]},
            ...degradedFamilies(pool)
        ];
        return formatPrometheus(families);
    }
}

/** A loaded model's degraded state: 1/0 per model, and while degraded the lost worker, since when and r1's tries. */
function degradedFamilies(pool: PoolSnapshot): MetricFamily[] {
    const degraded = pool.degraded ?? [];
    const lost = (pick: (entry: DegradedModel) => number): MetricSample[] =>
        degraded.map((entry) => ({labels: {model: entry.model, worker: entry.degradation.rpcWorker}, value: pick(entry)}));
    return [
        {
            name: "r1_model_degraded", help: "1 while a loaded model cannot serve because an RPC worker is gone (r1 brings it back when the worker answers), else 0.",
            type: "gauge", samples: (pool.models ?? []).map((model) => ({labels: {model}, value: degraded.some((entry) => entry.model === model) ? 1 : 0}))
        },
        {
            name: "r1_rpc_worker_lost_since_seconds", help: "When r1 noticed the RPC worker was gone, Unix time in seconds.", type: "gauge",
            samples: lost((entry) => entry.degradation.since.getTime() / 1000)
        },
        {
            name: "r1_rpc_worker_restart_attempts", help: "Tries to bring the model back since its RPC worker went away.", type: "gauge",
            samples: lost((entry) => entry.degradation.restartAttempts)
        }
    ];
}
