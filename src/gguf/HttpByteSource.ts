import type {ByteSource} from "./ByteSource.js";
import {GgufSourceError} from "./errors/GgufSourceError.js";

export interface HttpByteSourceOptions {
    /** Fetch implementation (tests inject one). Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    /** Extra request headers (e.g. `Authorization`). Defaults to none. */
    headers?: Record<string, string>;
    signal?: AbortSignal;
}

/**
 * A remote file read with HTTP `Range` requests, so only the bytes asked for travel. The size
 * comes from the first response's `Content-Range` (or `Content-Length` from servers that ignore
 * ranges, whose body is then cut off after the bytes needed).
 */
export class HttpByteSource implements ByteSource {
    private constructor(readonly name: string, readonly size: number, private readonly options: HttpByteSourceOptions) {}

    /** Opens the URL by reading its first `length` bytes, which are returned with the source. */
    static async open(url: string, length: number, options: HttpByteSourceOptions = {}): Promise<{source: HttpByteSource, prefix: Uint8Array}> {
        const {bytes, size} = await rangeRequest(url, 0, length, options);
        return {source: new HttpByteSource(url, size, options), prefix: bytes};
    }

    async read(offset: number, length: number): Promise<Uint8Array> {
        const want = Math.max(0, Math.min(length, this.size - offset));
        if (want === 0) return new Uint8Array(0);
        return (await rangeRequest(this.name, offset, want, this.options)).bytes;
    }

    async close(): Promise<void> {}
}

async function rangeRequest(url: string, offset: number, length: number, options: HttpByteSourceOptions): Promise<{bytes: Uint8Array, size: number}> {
    const doFetch = options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
        response = await doFetch(url, {headers: {...options.headers, Range: `bytes=${offset}-${offset + length - 1}`}, signal: options.signal});
    } catch (error) {
        const cause = (error as {cause?: {code?: string}}).cause?.code;
        throw new GgufSourceError(url, `cannot reach ${url}: ${(error as Error).message}${cause === undefined ? "" : ` (${cause})`}`,
            {network: true, hint: "Check the URL and your connection.", cause: error});
    }
    if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
        if (range === null || Number(range[1]) !== offset) {
            await response.body?.cancel();
            throw new GgufSourceError(url, `${url} answered a range request with a bad Content-Range`, {network: true, status: 206});
        }
        const size = Number(range[3]);
        return {bytes: await readUpTo(url, response, 0, length), size};
    }
    if (response.status === 200) {
        const size = Number(response.headers.get("content-length") ?? NaN);
        if (!Number.isSafeInteger(size)) {
            await response.body?.cancel();
            throw new GgufSourceError(url, `${url} supports neither range requests nor Content-Length`, {network: true, status: 200});
        }
        return {bytes: await readUpTo(url, response, offset, length), size};
    }
    await response.body?.cancel();
    if (response.status === 416 && offset === 0) return {bytes: new Uint8Array(0), size: 0};
    throw new GgufSourceError(url, `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`, {
        notFound: response.status === 404, network: response.status !== 404, status: response.status,
        hint: response.status === 401 || response.status === 403 ? "The file may need a token or accepted license." : undefined
    });
}

/** Reads body bytes [skip, skip + length) and cancels the rest, so a huge body is never buffered. */
async function readUpTo(url: string, response: Response, skip: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let seen = 0;
    let filled = 0;
    const reader = response.body?.getReader();
    if (reader === undefined) return out.subarray(0, 0);
    try {
        while (filled < length) {
            const {done, value} = await reader.read();
            if (done) break;
            const from = Math.max(0, skip - seen);
            seen += value.length;
            if (from >= value.length) continue;
            const piece = value.subarray(from, from + (length - filled));
            out.set(piece, filled);
            filled += piece.length;
        }
    } catch (error) {
        throw new GgufSourceError(url, `connection to ${url} failed mid-transfer: ${(error as Error).message}`, {network: true, cause: error});
    } finally {
        await reader.cancel().catch(() => undefined);
    }
    return out.subarray(0, filled);
}
