import type {Context} from "hono";
import {ApiError} from "./ApiError.js";

/** An API's error shape. */
export type ErrorDialect = "ollama" | "openai" | "anthropic";

/** The API whose error shape a path uses: Ollama's `{error}` under `/api`, Anthropic's under `/v1/messages`, OpenAI's elsewhere. */
export function dialectOf(path: string): ErrorDialect {
    if (path === "/api" || path.startsWith("/api/")) return "ollama";
    return path === "/v1/messages" || path.startsWith("/v1/messages/") ? "anthropic" : "openai";
}

const anthropicType: Record<number, string> = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "timeout_error"
};

/** Any thrown value as an `ApiError` (non-API errors become 500s with their message). */
export function toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ApiError("internal", `Internal error: ${message}`, {cause: error});
}

const openaiType: Record<number, string> = {
    401: "authentication_error",
    404: "invalid_request_error",
    429: "rate_limit_error"
};

/** The body of an error in one API's dialect (also used inside streams). */
export function errorBody(error: ApiError, dialect: ErrorDialect): object {
    if (dialect === "ollama") return {error: error.message};
    if (dialect === "anthropic")
        return {type: "error", error: {type: anthropicType[error.status] ?? (error.status >= 500 ? "api_error" : "invalid_request_error"), message: error.message}};
    return {
        error: {
            message: error.message,
            type: openaiType[error.status] ?? (error.status >= 500 ? "server_error" : "invalid_request_error"),
            param: error.param ?? null,
            code: error.code
        }
    };
}

/** The HTTP response for a failed request, with `Retry-After` when the error advises one. */
export function errorResponse(c: Context, thrown: unknown): Response {
    const error = toApiError(thrown);
    if (error.retryAfterS !== undefined) c.header("Retry-After", String(error.retryAfterS));
    if (error.status === 401) c.header("WWW-Authenticate", "Bearer");
    return c.json(errorBody(error, dialectOf(c.req.path)), error.status as 400);
}
