import {createHash, type Hash} from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import {acquireFileLock} from "./acquireFileLock.js";
import {checkFreeDisk, DEFAULT_FREE_DISK_MARGIN} from "./checkFreeDisk.js";
import type {DownloadEvent, DownloadResult} from "./DownloadEvent.js";
import {ChecksumMismatchError} from "./errors/ChecksumMismatchError.js";
import {DiskFullError} from "./errors/DiskFullError.js";
import {HttpStatusError} from "./errors/HttpStatusError.js";
import {NetworkError} from "./errors/NetworkError.js";
import {hashFileInto} from "./hashFileInto.js";
import {interpretDownloadResponse} from "./interpretDownloadResponse.js";
import {RateMeter} from "./RateMeter.js";
import {writeFileAtomic} from "./writeFileAtomic.js";

/** MAX bytes of a download whose size the server does not announce and the caller does not know (eval data sets). */
export const MAX_UNSIZED_DOWNLOAD_BYTES = 4 * 1024 ** 3;

export interface DownloadFileOptions {
    /** Hex sha256 the file must have; checked before the rename into place. */
    expectedSha256?: string;
    /** Exact size in bytes; also sizes the free-disk check. */
    expectedSize?: number;
    /** Extra request headers (an `Authorization` for gated repos). */
    headers?: Record<string, string>;
    /** Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    signal?: AbortSignal;
    /** Consecutive failed attempts (no byte received) before giving up. Defaults to `6`. */
    maxRetries?: number;
    /** First backoff delay, doubled per failed attempt with jitter, capped at 30 s. Defaults to `1000`. */
    retryBaseDelayMs?: number;
    /** A response that sends no byte for this long is dropped and retried. Defaults to `60000`. */
    stallTimeoutMs?: number;
    /** Least time between two `progress` events. Defaults to `200`. */
    progressIntervalMs?: number;
    /** Free space to leave on the disk beyond the file. Defaults to 256 MiB. */
    freeDiskMargin?: number;
    /** Re-download even when `dest` exists. Defaults to `false`. */
    overwrite?: boolean;
}

/** Sidecar `<dest>.incomplete.json`: which file the partial bytes belong to, so a changed upstream restarts instead of splicing. */
interface PartialInfo {
    url: string;
    sha256?: string;
    size?: number;
}

class RetryableError extends Error {
    constructor(message: string, readonly details: {retryAfterMs?: number, code?: string, status?: number} = {}) {
        super(message);
    }
}

function errorCode(error: unknown): string | undefined {
    let current: unknown = error;
    for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
        const code = (current as NodeJS.ErrnoException).code;
        if (typeof code === "string" && !code.startsWith("UND_ERR_")) return code;
        current = current.cause;
    }
    return undefined;
}

function describe(error: unknown): string {
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    return code === undefined ? message : `${message} (${code})`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted === true) return reject(signal.reason as Error);
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason as Error);
        };
        signal?.addEventListener("abort", onAbort, {once: true});
    });
}

async function sizeOf(file: string): Promise<number | undefined> {
    try {
        return (await fs.stat(file)).size;
    } catch {
        return undefined;
    }
}

async function readPartialInfo(file: string): Promise<PartialInfo | undefined> {
    try {
        const text = await fs.readFile(file, "utf8");
        if (text.length > 8192) return undefined;
        const parsed = JSON.parse(text) as PartialInfo;
        return typeof parsed === "object" && parsed !== null && typeof parsed.url === "string" ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Downloads `url` to `dest` so that a failure at any moment loses at most the bytes in flight and
 * never leaves a file at `dest` that is not complete and verified.
 *
 * - The body goes to `<dest>.incomplete`; a retry in this process or a later run sends
 *   `Range: bytes=<its length>-`. A server that answers 200 to a `Range` restarts from byte 0.
 * - The sha256 is computed while streaming. Within one call the running hash carries across
 *   retries; a new process re-reads the partial file once to rebuild it (Node cannot persist a
 *   hash state, and reading back at disk speed is small next to downloading it again).
 * - On success the file is fsynced and renamed to `dest`; a size or sha256 mismatch deletes the
 *   partial file and throws `ChecksumMismatchError`.
 * - Dropped connections, stalls, 408/429 and 5xx are retried with exponential backoff; the retry
 *   budget resets whenever an attempt made progress, so a flaky link still finishes.
 * - `<dest>.lock` keeps two processes off the same file; free space is checked first.
 */
export async function* downloadFileIter(url: string, dest: string, options: DownloadFileOptions = {}): AsyncGenerator<DownloadEvent, DownloadResult> {
    const {
        expectedSha256, expectedSize, headers = {}, signal,
        maxRetries = 6, retryBaseDelayMs = 1000, stallTimeoutMs = 60_000, progressIntervalMs = 200,
        freeDiskMargin = DEFAULT_FREE_DISK_MARGIN, overwrite = false
    } = options;
    const fetchImpl = options.fetch ?? fetch;
    const expectedHash = expectedSha256?.toLowerCase();
    const directory = path.dirname(dest);
    const partial = `${dest}.incomplete`;
    const partialInfoFile = `${dest}.incomplete.json`;
    /** The bytes cannot be the file: removes them and their sidecar, and returns the error that says why. */
    const discardPartial = async (what: "size" | "sha256", expected: string, actual: string): Promise<ChecksumMismatchError> => {
        await fs.rm(partial, {force: true});
        await fs.rm(partialInfoFile, {force: true});
        return new ChecksumMismatchError(path.basename(dest), what, expected, actual);
    };
    await fs.mkdir(directory, {recursive: true});

    const existing = await sizeOf(dest);
    if (!overwrite && existing !== undefined && (expectedSize === undefined || existing === expectedSize)) {
        // A sidecar left by a crash between the rename and its removal.
        await fs.rm(partialInfoFile, {force: true});
        const done: DownloadResult = {type: "done", path: dest, size: existing, verified: false, skipped: true};
        yield done;
        return done;
    }

    const lock = await acquireFileLock(dest);
    let handle: fs.FileHandle | undefined;
    try {
        const info = await readPartialInfo(partialInfoFile);
        let offset = (await sizeOf(partial)) ?? 0;
        const stale = info === undefined
            ? offset > 0 && expectedHash === undefined // nothing ties these bytes to this file
            : (expectedHash !== undefined && info.sha256 !== undefined && info.sha256 !== expectedHash) ||
              (expectedSize !== undefined && info.size !== undefined && info.size !== expectedSize) ||
              (expectedHash === undefined && info.url !== url);
        if (stale || (expectedSize !== undefined && offset > expectedSize)) {
            if (offset > 0) yield {type: "restart", reason: "the partial file belongs to another version"};
            offset = 0;
        }
        if (offset === 0) await fs.rm(partial, {force: true});
        await writeFileAtomic(partialInfoFile, JSON.stringify({url, sha256: expectedHash, size: expectedSize} satisfies PartialInfo));

        if (expectedSize !== undefined) await checkFreeDisk(directory, expectedSize - offset, freeDiskMargin);
        yield {type: "start", url, dest, size: expectedSize, resumeFrom: offset};

        let hash: Hash = createHash("sha256");
        if (offset > 0) {
            yield {type: "rehash", bytes: offset};
            await hashFileInto(partial, hash, offset, signal);
        }

        let total = expectedSize;
        let failures = 0;
        const meter = new RateMeter();
        let lastProgress = 0;
        for (;;) {
            signal?.throwIfAborted();
            // The file must hold exactly the hashed bytes; anything else (another writer, a crash
            // mid-write in an earlier run) is repaired by rehashing what is really there.
            const onDisk = (await sizeOf(partial)) ?? 0;
            if (onDisk !== offset) {
                hash = createHash("sha256");
                offset = onDisk;
                if (offset > 0) {
                    yield {type: "rehash", bytes: offset};
                    await hashFileInto(partial, hash, offset, signal);
                }
            }
            if (total !== undefined && offset === total) break;

            const attempt = new AbortController();
            const onOuterAbort = () => attempt.abort(signal?.reason);
            signal?.addEventListener("abort", onOuterAbort, {once: true});
            let stallTimer: NodeJS.Timeout | undefined;
            const armStall = () => {
                clearTimeout(stallTimer);
                stallTimer = setTimeout(() => attempt.abort(new RetryableError(`no data for ${stallTimeoutMs} ms`)), stallTimeoutMs);
            };
            const before = offset;
            try {
                armStall();
                // Identity encoding: a compressed body would make lengths and Range offsets meaningless.
                const requestHeaders: Record<string, string> = {"accept-encoding": "identity", ...headers};
                if (offset > 0) requestHeaders.range = `bytes=${offset}-`;
                let response: Response;
                try {
                    response = await fetchImpl(url, {headers: requestHeaders, signal: attempt.signal, redirect: "follow"});
                } catch (error) {
                    if (signal?.aborted === true) throw error;
                    throw new RetryableError(describe(attempt.signal.reason ?? error), {code: errorCode(error)});
                }

                const action = interpretDownloadResponse({
                    status: response.status, contentRange: response.headers.get("content-range"),
                    contentLength: response.headers.get("content-length"), retryAfter: response.headers.get("retry-after")
                }, {offset, ...(total === undefined ? {} : {total}), ...(expectedSize === undefined ? {} : {expectedSize})});
                if (action.kind !== "read") await response.body?.cancel();
                if (action.kind === "complete") {
                    total = action.total;
                    break;
                }
                if (action.kind === "restart") {
                    yield {type: "restart", reason: action.reason};
                    await fs.rm(partial, {force: true});
                    continue;
                }
                if (action.kind === "retry") throw new RetryableError(action.reason, {status: action.status, retryAfterMs: action.retryAfterMs});
                if (action.kind === "fail") throw new HttpStatusError(action.status, url);
                if (action.kind === "size-mismatch") throw await discardPartial("size", String(expectedSize), `${action.announced} (announced by the server)`);
                if (action.kind === "read" && action.restart) {
                    yield {type: "restart", reason: "the server ignored the resume range"};
                    await fs.rm(partial, {force: true});
                    hash = createHash("sha256");
                    offset = 0;
                }
                if (action.kind === "read" && action.total !== undefined) total = action.total;
                if (response.body === null) throw new RetryableError("empty response body");
                if (total !== undefined && total - offset > 0) await checkFreeDisk(directory, total - offset, freeDiskMargin);

                handle = await fs.open(partial, "a");
                try {
                    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
                        armStall();
                        const limit = total ?? MAX_UNSIZED_DOWNLOAD_BYTES;
                        if (offset + chunk.byteLength > limit) {
                            await handle.close();
                            handle = undefined;
                            throw await discardPartial("size", String(limit), `more than ${limit}`);
                        }
                        await handle.write(chunk);
                        hash.update(chunk);
                        offset += chunk.byteLength;
                        meter.add(chunk.byteLength);
                        const now = Date.now();
                        if (now - lastProgress >= progressIntervalMs) {
                            lastProgress = now;
                            yield {type: "progress", downloaded: offset, total, bytesPerSecond: meter.rate()};
                        }
                    }
                } catch (error) {
                    if (error instanceof ChecksumMismatchError) throw error;
                    if ((error as NodeJS.ErrnoException).code === "ENOSPC") throw new DiskFullError(directory);
                    if (signal?.aborted === true) throw error;
                    throw new RetryableError(`connection dropped: ${describe(attempt.signal.reason ?? error)}`, {code: errorCode(error)});
                } finally {
                    await handle?.close();
                    handle = undefined;
                }
                if (total === undefined) {
                    total = offset;
                    break;
                }
                if (offset === total) break;
                throw new RetryableError(`the connection closed at ${offset} of ${total} bytes`);
            } catch (error) {
                if (!(error instanceof RetryableError)) throw error;
                if (offset > before) failures = 0;
                failures++;
                if (failures > maxRetries) {
                    if (error.details.status !== undefined) throw new HttpStatusError(error.details.status, url);
                    throw new NetworkError(url, error.message, {code: error.details.code, resumable: offset > 0});
                }
                const backoff = Math.min(30_000, retryBaseDelayMs * 2 ** (failures - 1));
                const delayMs = Math.round(error.details.retryAfterMs ?? backoff * (0.75 + Math.random() * 0.5));
                yield {type: "retry", attempt: failures, delayMs, reason: error.message, resumeFrom: offset};
                await sleep(delayMs, signal);
            } finally {
                clearTimeout(stallTimer);
                signal?.removeEventListener("abort", onOuterAbort);
                // Closes the connection when the consumer stopped early or the body was abandoned.
                attempt.abort();
            }
        }

        yield {type: "progress", downloaded: offset, total, bytesPerSecond: meter.rate()};
        yield {type: "verifying"};
        const actualSize = (await sizeOf(partial)) ?? 0;
        if (total !== undefined && actualSize !== total) throw await discardPartial("size", String(total), String(actualSize));
        const sha256 = hash.digest("hex");
        if (expectedHash !== undefined && sha256 !== expectedHash) throw await discardPartial("sha256", expectedHash, sha256);
        const flush = await fs.open(partial, "r+");
        try {
            await flush.sync();
        } finally {
            await flush.close();
        }
        await fs.rename(partial, dest);
        await fs.rm(partialInfoFile, {force: true});
        const done: DownloadResult = {type: "done", path: dest, size: actualSize, sha256, verified: expectedHash !== undefined, skipped: false};
        yield done;
        return done;
    } finally {
        await handle?.close();
        await lock.release();
    }
}

/** Drains `downloadFileIter()`; resolves with where the file is, its size and sha256. */
export async function downloadFile(url: string, dest: string, options: DownloadFileOptions = {}): Promise<DownloadResult> {
    const iterator = downloadFileIter(url, dest, options);
    for (;;) {
        const next = await iterator.next();
        if (next.done === true) return next.value;
    }
}
