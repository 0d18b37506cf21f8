import type {ModelDegradation} from "../engine/types.js";
import type {LoadedEntry} from "./ModelPool.js";

/** A loaded model that cannot serve for now, by its served name. */
export interface DegradedModel {
    readonly model: string;
    readonly degradation: ModelDegradation;
}

/** The loaded models whose engine reports a degradation (a lost `--rpc` worker), for `/health` and `/metrics`. */
export function degradedModels(loaded: readonly LoadedEntry[]): DegradedModel[] {
    return loaded.flatMap((entry) => {
        const degradation = entry.model?.degradation?.();
        return degradation === undefined ? [] : [{model: entry.descriptor.name, degradation}];
    });
}

/**
 * `/health`'s body: `{status: "ok"}` with 200, or, while a model is degraded, 503 with llama-server's
 * "unavailable" error shape (`{error: {code: 503, message, type: "unavailable_error"}}`, what it
 * answers while loading) plus `status: "degraded"` and each degraded model's worker, since when and tries.
 */
export function healthBody(loaded: readonly LoadedEntry[]): {status: 200 | 503, body: Record<string, unknown>} {
    const degraded = degradedModels(loaded);
    if (degraded.length === 0) return {status: 200, body: {status: "ok", loaded_models: loaded.length}};
    return {
        status: 503,
        body: {
            status: "degraded",
            loaded_models: loaded.length,
            error: {code: 503, message: degraded[0]!.degradation.message, type: "unavailable_error"},
            degraded: degraded.map(({model, degradation}) => ({
                model, rpc_worker: degradation.rpcWorker, since: degradation.since.toISOString(),
                restart_attempts: degradation.restartAttempts, message: degradation.message
            }))
        }
    };
}
