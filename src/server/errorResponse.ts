import type {Context} from "hono";
import {ApiError} from "./ApiError.js";

/** The API whose error shape a path uses: Ollama's `{error}` under `/api`, OpenAI's elsewhere. */
export function dialectOf(path: string): "ollama" | "openai" {
    return path === "/api" || path.startsWith("/api/") ? "ollama" : "openai";
}

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
export function errorBody(error: ApiError, dialect: "ollama" | "openai"): object {
    if (dialect === "ollama") return {error: error.message};
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
