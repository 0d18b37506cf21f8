/** Named limits and timings of the llama-server engine; each says why it is what it is. */

/**
 * How long llama-server may take to answer `/health` with 200 after it starts. Loading reads the
 * whole file unless it is memory-mapped: 130 GB of the 671B from a 1 GB/s disk is over 2 minutes.
 */
export const DEFAULT_START_TIMEOUT_MS = 15 * 60_000;
/** Between `/health` polls while the model loads (loopback; the poll itself costs ~1 ms). */
export const HEALTH_POLL_MS = 50;
/** After SIGTERM, how long llama-server has to finish its replies and free memory before SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** Lines of llama-server's log kept for error messages (it logs a few lines per request). */
export const LOG_TAIL_LINES = 50;
/** After llama-server exited, how long r1 waits for the rest of its log (the reason it gives). */
export const LOG_DRAIN_MS = 2_000;
/** Longest log line kept; longer ones are cut (a prompt can be logged whole). */
export const MAX_LOG_LINE_CHARS = 2_000;
/** Ports tried when the one picked turns out to be taken by the time llama-server binds it. */
export const PORT_ATTEMPTS = 3;
/**
 * A crash within this long of a restart means the restart did not help: the model is then given up
 * (one restart per crash, never a restart loop).
 */
export const RESTART_WINDOW_MS = 60_000;
/** Largest non-streamed JSON answer read from llama-server (`/props`, `/tokenize` of a long text). */
export const MAX_JSON_RESPONSE_BYTES = 64 * 1024 * 1024;
/** How long a synchronous `countTokens` may wait for `/tokenize`. */
export const SYNC_TOKENIZE_TIMEOUT_MS = 30_000;
/** Texts whose token count is remembered (a conversation's turns are counted again and again). */
export const TOKEN_COUNT_CACHE_ENTRIES = 256;
/**
 * Between r1's tries to bring back a model whose `--rpc` worker went away: each try asks the
 * workers (one small RPC exchange each) and starts llama-server once all answer, so the model
 * serves again (and `/health` says so) without a request having to come first.
 */
export const WORKER_RECOVERY_INTERVAL_MS = 2_000;
