/**
 * Why a llama-server that ended before it was ready is started once more with `--no-repack`
 * (no extra weight buffers: neither AMX nor CPU_REPACK):
 * - `illegal-instruction`: it died of SIGILL, as a build whose AMX kernels cannot run here does;
 * - `amx-unplaceable-op`: it aborted in ggml's scheduler with `GGML_ASSERT(*cur_backend_id != -1)`,
 *   as llama.cpp's AMX build does for deepseek2 (DeepSeek-R1's architecture, measured on the tiny
 *   MoE): a weight in an AMX buffer feeds an op the AMX kernels do not take, and no backend may run it.
 */
export type RepackRetryReason = "illegal-instruction" | "amx-unplaceable-op";

/** How a start failed: the signal that ended llama-server and its last log lines. */
export interface FailedStart {
    readonly exitSignal?: string;
    readonly logTail: readonly string[];
}

/** The scheduler's assertion, or (when a long backtrace pushed it out of the tail) the function that makes it. */
const UNPLACEABLE_OP = /GGML_ASSERT\(\*cur_backend_id != -1\)|\bggml_backend_sched_split_graph\b/;

/** Whether (and why) a failed start is worth one more try with `--no-repack`; `undefined` for any other failure. */
export function repackRetryReason(failed: FailedStart): RepackRetryReason | undefined {
    if (failed.exitSignal === "SIGILL") return "illegal-instruction";
    if (failed.exitSignal === "SIGABRT" && failed.logTail.some((line) => UNPLACEABLE_OP.test(line))) return "amx-unplaceable-op";
    return undefined;
}
