/**
 * Defaults and named limits of `r1 serve`. Every size that comes from a client is bounded here,
 * so a hostile or broken client costs at most these amounts.
 */

/** Default TCP port: beside Ollama's 11434 and away from llama-server's 8080, so all three can run at once. */
export const DEFAULT_PORT = 11435;

/** Default bind address: loopback only; other hosts need `--api-key`. */
export const DEFAULT_HOST = "127.0.0.1";

/** Largest request body accepted (bytes); larger ones get 413 before they are parsed. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Most messages in one chat request. */
export const MAX_MESSAGES = 1024;

/** Longest model name accepted, in characters. */
export const MAX_MODEL_NAME_LENGTH = 200;

/** Most stop strings per request (OpenAI allows 4; Ollama more). */
export const MAX_STOP_STRINGS = 16;

/** Largest `max_tokens` / `num_predict` accepted; the context bounds it further. */
export const MAX_GENERATION_TOKENS = 1_000_000;

/** Smallest and largest `num_ctx` a request may ask for: the engines' own limits, defined once. */
export {MAX_CONTEXT_SIZE, MIN_CONTEXT_SIZE} from "../engine/loadLimits.js";

/** Default number of requests that may wait for a sequence, per model, before new ones get 429. */
export const DEFAULT_MAX_QUEUE = 64;

/** Default time a model stays loaded after its last request (Ollama's 5 minutes). */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

/** Default limit on one request, queueing and generation included. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;

/** Default number of models loaded at once. */
export const DEFAULT_MAX_LOADED = 1;

/** Default number of generations one loaded model runs at once (context sequences). */
export const DEFAULT_PARALLEL = 1;

/** Longest tool call id accepted (OpenAI's ids are about 30 characters). */
export const MAX_TOOL_CALL_ID_LENGTH = 256;

/** Most texts in one embeddings request (OpenAI allows 2048; each is embedded in turn). */
export const MAX_EMBEDDING_INPUTS = 256;

/**
 * Time a client has to send its whole request, headers and body (Node's `requestTimeout`, 300 s
 * by default): a half-sent body would otherwise hold a connection for five minutes.
 */
export const DEFAULT_BODY_READ_TIMEOUT_MS = 30_000;

/**
 * Time a streamed reply may wait for a client that stopped reading (its socket buffers full)
 * before the generation is stopped and the connection closed, so it frees its sequence.
 */
export const DEFAULT_STALLED_CLIENT_MS = 30_000;

/**
 * Most reply bytes queued in r1 (beyond the kernel's socket buffers) for a client that does not
 * read; more closes the connection. Streams wait for the socket to drain, so only one chunk
 * beyond Node's own buffer should ever queue: this catches anything else.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;
