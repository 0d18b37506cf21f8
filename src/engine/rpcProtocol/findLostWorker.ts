import {RpcWorkerUnreachableError} from "./errors.js";
import {probeRpcWorker} from "./probeRpcWorker.js";

/** How long each worker gets to answer when r1 looks for the one that is gone. */
const LOST_WORKER_PROBE_MS = 2_000;

/**
 * The first `--rpc` worker that does not answer as an RPC worker, as a one-line error, or
 * `undefined` when all answer. Only after llama-server has exited: a worker serves one client at a
 * time, so a live llama-server's workers would not answer a probe.
 */
export async function findLostWorker(endpoints: readonly string[]): Promise<RpcWorkerUnreachableError | undefined> {
    for (const endpoint of endpoints) {
        try {
            await probeRpcWorker(endpoint, {timeoutMs: LOST_WORKER_PROBE_MS});
        } catch (error) {
            if (error instanceof RpcWorkerUnreachableError) return error;
            throw error;
        }
    }
    return undefined;
}
