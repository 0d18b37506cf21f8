import {R1Error} from "../util/R1Error.js";

/** Machine-readable kind of an API failure; each API dialect renders it in its own error shape. */
export type ApiErrorCode =
    | "invalid_request"
    | "invalid_json"
    | "context_length_exceeded"
    | "model_not_found"
    | "unauthorized"
    | "forbidden"
    | "unsupported_media_type"
    | "body_too_large"
    | "queue_full"
    | "server_busy"
    | "timeout"
    | "not_found"
    | "not_supported"
    | "internal";

const statusOf: Record<ApiErrorCode, number> = {
    invalid_request: 400,
    invalid_json: 400,
    context_length_exceeded: 400,
    model_not_found: 404,
    unauthorized: 401,
    forbidden: 403,
    unsupported_media_type: 415,
    body_too_large: 413,
    queue_full: 429,
    server_busy: 503,
    timeout: 504,
    not_found: 404,
    not_supported: 501,
    internal: 500
};

/**
 * A failure to answer one HTTP request. `status` is the HTTP status; `retryAfterS`, when set,
 * becomes a `Retry-After` header (queue full, no room to load a model).
 */
export class ApiError extends R1Error {
    readonly code: ApiErrorCode;
    readonly status: number;
    readonly retryAfterS?: number;
    /** The request field at fault, when there is one (OpenAI's `param`). */
    readonly param?: string;

    constructor(code: ApiErrorCode, message: string, options: {retryAfterS?: number, param?: string, cause?: unknown} = {}) {
        super(message, {cause: options.cause});
        this.code = code;
        this.status = statusOf[code];
        if (options.retryAfterS !== undefined) this.retryAfterS = options.retryAfterS;
        if (options.param !== undefined) this.param = options.param;
    }
}
