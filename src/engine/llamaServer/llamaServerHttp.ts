import {LlamaServerRequestError} from "./errors.js";
import {MAX_JSON_RESPONSE_BYTES} from "./limits.js";

/** Where a llama-server listens and the key it wants. */
export interface LlamaServerEndpoint {
    url: string;
    apiKey: string;
}

export function authHeaders(endpoint: LlamaServerEndpoint): Record<string, string> {
    return {"Authorization": `Bearer ${endpoint.apiKey}`, "Content-Type": "application/json"};
}

/** Reads a body as text, refusing more than `limit` bytes (a broken server cannot fill r1's memory). */
export async function readLimitedText(response: Response, limit = MAX_JSON_RESPONSE_BYTES): Promise<string> {
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > limit) throw new LlamaServerRequestError(`answer of ${declared} bytes is over MAX_JSON_RESPONSE_BYTES`, response.status);
    if (response.body === null) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw new LlamaServerRequestError("answer is over MAX_JSON_RESPONSE_BYTES", response.status);
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
}

/** The message of llama-server's `{"error": {"message"}}` answers, or the start of the body. */
export function errorMessageOf(text: string): string {
    try {
        const parsed = JSON.parse(text) as {error?: {message?: unknown} | string};
        const message = typeof parsed.error === "string" ? parsed.error : parsed.error?.message;
        if (typeof message === "string") return message;
    } catch {
        // Not JSON.
    }
    return text.slice(0, 200).replace(/\s+/g, " ");
}

/** GET or POST one JSON request; a non-2xx answer or a body that is not JSON is a `LlamaServerRequestError`. */
export async function requestJson<T>(endpoint: LlamaServerEndpoint, route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(`${endpoint.url}${route}`, {
        method: body === undefined ? "GET" : "POST",
        headers: authHeaders(endpoint),
        ...(body === undefined ? {} : {body: JSON.stringify(body)}),
        ...(signal === undefined ? {} : {signal})
    });
    const text = await readLimitedText(response);
    if (!response.ok) throw new LlamaServerRequestError(`${route} answered ${response.status}: ${errorMessageOf(text)}`, response.status);
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new LlamaServerRequestError(`${route} answered something that is not JSON: ${text.slice(0, 100)}`, response.status);
    }
}
