import type {Context} from "hono";
import type {z} from "zod";
import {ApiError} from "./ApiError.js";

/**
 * Parses the request body as JSON and validates it with `schema`, throwing a 400 `ApiError`
 * naming the first wrong field. The body size is already bounded by the body-limit middleware.
 */
export async function readJsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
    let body: unknown;
    try {
        body = JSON.parse(await c.req.text());
    } catch {
        throw new ApiError("invalid_json", "The request body is not valid JSON.");
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.map(String).join(".") ?? "";
        throw new ApiError("invalid_request", `${path === "" ? "body" : path}: ${issue?.message ?? "invalid"}`,
            path === "" ? {} : {param: path});
    }
    return parsed.data;
}
