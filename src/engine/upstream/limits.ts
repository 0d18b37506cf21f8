/** Named limits of the upstream engine: an upstream is another program, its answers untrusted. */

/** Largest non-streamed JSON answer read (`/v1/models`, `/tokenize`, an error body). */
export const MAX_UPSTREAM_JSON_BYTES = 16 * 1024 * 1024;
/** Largest reply text (reasoning and answer together) accepted from one stream. */
export const MAX_UPSTREAM_REPLY_CHARS = 64 * 1024 * 1024;
/** How long connecting and the first answer to `/v1/models` may take. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 30_000;
/** How long a synchronous `countTokens` may wait for the upstream's `/tokenize`. */
export const UPSTREAM_TOKENIZE_TIMEOUT_MS = 30_000;
