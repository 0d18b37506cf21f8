import {HttpStatusError} from "./errors/HttpStatusError.js";
import {HubAuthError} from "./errors/HubAuthError.js";
import {HubFileNotFoundError} from "./errors/HubFileNotFoundError.js";
import {NetworkError} from "./errors/NetworkError.js";
import {hfResolveUrl, hfTreeUrl} from "./hfHub.js";

/** MAX bytes of a hub file listing read for the 404 message. */
export const MAX_TREE_LISTING_BYTES = 8 * 1024 * 1024;

/** What the hub says about a file before its body is fetched. */
export interface HubFileMetadata {
    /** Exact size in bytes (`X-Linked-Size` for LFS files). */
    size: number;
    /** The LFS oid (`X-Linked-Etag`), which is the file's sha256; `undefined` for non-LFS files. */
    sha256?: string;
    /** Commit the file was resolved at (`X-Repo-Commit`), used to pin every later request. */
    revision?: string;
}

export interface HubRequestOptions {
    endpoint: string;
    token?: string;
    /** Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    signal?: AbortSignal;
    /** Attempts when the hub cannot be reached or answers 5xx. Defaults to `3`. */
    attempts?: number;
    /** Delay before the second attempt, doubled after. Defaults to `500`. */
    retryBaseDelayMs?: number;
}

function authHeaders(token: string | undefined): Record<string, string> {
    return token === undefined ? {} : {authorization: `Bearer ${token}`};
}

function unquote(etag: string | null): string | undefined {
    if (etag === null) return undefined;
    const value = etag.replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
    return /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

async function request(url: string, init: RequestInit, options: HubRequestOptions): Promise<Response> {
    const fetchImpl = options.fetch ?? fetch;
    const attempts = options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, (options.retryBaseDelayMs ?? 500) * 2 ** (attempt - 1)));
        try {
            const response = await fetchImpl(url, {...init, signal: options.signal});
            if (response.status < 500 || attempt === attempts - 1) return response;
            await response.body?.cancel();
            lastError = new HttpStatusError(response.status, url);
        } catch (error) {
            if (options.signal?.aborted === true) throw error;
            lastError = error;
        }
    }
    if (lastError instanceof HttpStatusError) throw lastError;
    const code = (lastError as {cause?: {code?: string}} | undefined)?.cause?.code;
    throw new NetworkError(url, code === undefined ? "no response" : `no response (${code})`, {code, cause: lastError});
}

/** The body as text, or `undefined` (and the rest unread) once it passes `limit` bytes. */
async function readCapped(response: Response, limit: number): Promise<string | undefined> {
    if (response.body === null) return "";
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        length += chunk.byteLength;
        // Leaving the loop early cancels the stream.
        if (length > limit) return undefined;
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
}

/**
 * The GGUF files a repository lists (recursively), or `[]` when the hub does not say. Used to
 * make a 404 useful: "not found; its GGUF files: …".
 */
export async function listHubGgufFiles(repo: string, revision: string, options: HubRequestOptions): Promise<string[]> {
    try {
        const response = await request(hfTreeUrl(options.endpoint, repo, revision), {headers: authHeaders(options.token)}, {...options, attempts: 1});
        if (!response.ok) {
            await response.body?.cancel();
            return [];
        }
        const length = Number(response.headers.get("content-length") ?? "0");
        if (length > MAX_TREE_LISTING_BYTES) {
            await response.body?.cancel();
            return [];
        }
        const text = await readCapped(response, MAX_TREE_LISTING_BYTES);
        if (text === undefined) return [];
        const entries: unknown = JSON.parse(text);
        if (!Array.isArray(entries)) return [];
        return entries
            .filter((entry): entry is {type: string, path: string} => typeof entry === "object" && entry !== null && typeof entry.path === "string")
            .filter((entry) => entry.type !== "directory" && entry.path.toLowerCase().endsWith(".gguf"))
            .map((entry) => entry.path)
            .sort();
    } catch {
        return [];
    }
}

/**
 * HEADs the file's resolve URL without following the redirect: the hub puts the LFS sha256,
 * size and commit on that first response. Maps 401/403 to `HubAuthError` and 404 to
 * `HubFileNotFoundError` (with the repo's GGUF files when it lists them).
 */
export async function fetchHubFileMetadata(repo: string, revision: string, file: string, options: HubRequestOptions): Promise<HubFileMetadata> {
    const url = hfResolveUrl(options.endpoint, repo, revision, file);
    const response = await request(url, {method: "HEAD", redirect: "manual", headers: {...authHeaders(options.token), "accept-encoding": "identity"}}, options);
    await response.body?.cancel();
    const status = response.status;
    const errorCode = response.headers.get("x-error-code");
    if (status === 401 && errorCode === "RepoNotFound" && options.token === undefined)
        throw new HubFileNotFoundError(repo, file, []);
    if (status === 401 || status === 403) throw new HubAuthError(repo, status, options.token !== undefined);
    if (status === 404) throw new HubFileNotFoundError(repo, file, errorCode === "RepoNotFound" ? [] : await listHubGgufFiles(repo, revision, options));
    if (status >= 400) throw new HttpStatusError(status, url);
    const sizeHeader = response.headers.get("x-linked-size") ?? response.headers.get("content-length");
    if (sizeHeader === null || !/^\d+$/.test(sizeHeader)) throw new HttpStatusError(status, `${url} (no file size in the hub's answer)`);
    const sha256 = unquote(response.headers.get("x-linked-etag")) ?? unquote(response.headers.get("etag"));
    const commit = response.headers.get("x-repo-commit") ?? undefined;
    return {size: Number(sizeHeader), sha256, revision: commit !== undefined && /^[0-9a-f]{40}$/.test(commit) ? commit : undefined};
}
