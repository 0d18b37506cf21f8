/** MAX seconds honoured from a `Retry-After` header. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** What the downloader knows when a response arrives. */
export interface DownloadResponseContext {
    /** Bytes already in the partial file (the `Range` start, 0 without one). */
    offset: number;
    /** Total size known so far (expected, or announced by an earlier response). */
    total?: number;
    /** Size the caller requires. */
    expectedSize?: number;
    /** Clock for an HTTP-date `Retry-After`. Defaults to `Date.now()`. */
    now?: number;
}

/** The parts of a response the decision depends on. */
export interface DownloadResponseHead {
    status: number;
    contentRange?: string | null;
    contentLength?: string | null;
    retryAfter?: string | null;
}

/** What to do with a response. Every branch of the download's HTTP handling, as data. */
export type DownloadResponseAction =
    /** Read the body, appended at the offset (`restart`: the server ignored Range, so start the file over). */
    | {kind: "read", restart: boolean, total?: number}
    /** 416 for exactly our length: the partial file is already the whole file. */
    | {kind: "complete", total: number}
    /** 416 otherwise: the range is not valid any more; drop the partial file and start again. */
    | {kind: "restart", reason: string}
    /** Try again later (after `retryAfterMs` when the server said). */
    | {kind: "retry", reason: string, status?: number, retryAfterMs?: number}
    /** A status that will not get better by retrying. */
    | {kind: "fail", status: number}
    /** The server announces a size other than the expected one: the file changed upstream. */
    | {kind: "size-mismatch", announced: number};

export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
    if (value === null || value === undefined) return undefined;
    const seconds = Number(value);
    if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/**
 * Decides what a download response means, from its status and headers alone (pure; the generator
 * in `downloadFileIter` does the I/O). 206 must start at our offset; 200 to a Range means the
 * server ignores Range; 408/429/5xx are retried; 416 is either "already complete" or "start over".
 */
export function interpretDownloadResponse(head: DownloadResponseHead, context: DownloadResponseContext): DownloadResponseAction {
    const {status} = head;
    const {offset} = context;
    if (status === 416 && offset > 0) {
        const announced = /\/(\d+)$/.exec(head.contentRange ?? "")?.[1];
        if (announced !== undefined && Number(announced) === offset && (context.total === undefined || context.total === offset)) return {kind: "complete", total: offset};
        return {kind: "restart", reason: "the server rejected the resume range"};
    }
    if (status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(head.retryAfter, context.now);
        return {kind: "retry", reason: `HTTP ${status}`, status, ...(retryAfterMs === undefined ? {} : {retryAfterMs})};
    }
    if (status !== 200 && status !== 206) return {kind: "fail", status};
    let start = 0;
    let announced: number | undefined;
    if (status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(head.contentRange ?? "");
        start = range === null ? -1 : Number(range[1]);
        if (range !== null && range[3] !== "*") announced = Number(range[3]);
        if (start !== offset) return {kind: "retry", reason: `the server answered a different range (${head.contentRange ?? "none"})`};
    } else if (head.contentLength !== null && head.contentLength !== undefined && /^\d+$/.test(head.contentLength)) {
        announced = Number(head.contentLength);
    }
    if (announced !== undefined && context.expectedSize !== undefined && announced !== context.expectedSize) return {kind: "size-mismatch", announced};
    const total = announced ?? context.total;
    // 200 to a Range request: the server ignores Range; the whole body comes from byte 0.
    return {kind: "read", restart: status === 200 && offset > 0, ...(total === undefined ? {} : {total})};
}
