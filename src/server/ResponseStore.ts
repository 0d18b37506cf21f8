import type {ChatMessage} from "../engine/types.js";

/** One stored response: its JSON (for `GET /v1/responses/{id}`) and the conversation up to and including it. */
export interface StoredResponse {
    response: object;
    /** Every turn so far (without the request's `instructions`, which OpenAI does not carry over), ending with the reply. */
    messages: ChatMessage[];
}

export interface ResponseStoreOptions {
    /** Most responses kept; the least recently used go first. Defaults to `MAX_STORED_RESPONSES` (256). */
    maxResponses?: number;
    /** Most bytes (as JSON text) kept in all. Defaults to `MAX_STORED_RESPONSE_BYTES` (64 MiB). */
    maxBytes?: number;
}

/** Responses kept for `previous_response_id` and `GET /v1/responses/{id}`, in memory only. */
export const MAX_STORED_RESPONSES = 256;
/** Their total size bound (JSON text bytes), so long conversations cannot eat memory. */
export const MAX_STORED_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * `store: true` responses for the Responses API, in bounded memory: at most `maxResponses`
 * and `maxBytes` in all, least recently used evicted first, nothing across restarts.
 */
export class ResponseStore {
    readonly maxResponses: number;
    readonly maxBytes: number;
    private readonly _entries = new Map<string, {stored: StoredResponse, bytes: number}>();
    private _bytes = 0;

    constructor(options: ResponseStoreOptions = {}) {
        this.maxResponses = Math.max(1, options.maxResponses ?? MAX_STORED_RESPONSES);
        this.maxBytes = Math.max(1, options.maxBytes ?? MAX_STORED_RESPONSE_BYTES);
    }

    get size(): number {
        return this._entries.size;
    }

    /** Keeps `stored` under `id`; a response larger than the whole budget is not kept. Returns whether it was. */
    put(id: string, stored: StoredResponse): boolean {
        this.delete(id);
        const bytes = Buffer.byteLength(JSON.stringify(stored));
        if (bytes > this.maxBytes) return false;
        this._entries.set(id, {stored, bytes});
        this._bytes += bytes;
        for (const [oldest, entry] of this._entries) {
            if (this._entries.size <= this.maxResponses && this._bytes <= this.maxBytes) break;
            this._entries.delete(oldest);
            this._bytes -= entry.bytes;
        }
        return true;
    }

    /** The stored response, now the most recently used; `undefined` when unknown or evicted. */
    get(id: string): StoredResponse | undefined {
        const entry = this._entries.get(id);
        if (entry === undefined) return undefined;
        this._entries.delete(id);
        this._entries.set(id, entry);
        return entry.stored;
    }

    delete(id: string): boolean {
        const entry = this._entries.get(id);
        if (entry === undefined) return false;
        this._entries.delete(id);
        this._bytes -= entry.bytes;
        return true;
    }
}
