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
        const {path: parts, message} = explainIssue(parsed.error.issues[0]);
        const path = parts.map(String).join(".");
        throw new ApiError("invalid_request", `${path === "" ? "body" : path}: ${message}`,
            path === "" ? {} : {param: path});
    }
    return parsed.data;
}

/**
 * The most telling reason behind an issue. A union (text or parts, say) reports only "Invalid
 * input"; the branch whose type matched holds r1's own reason (an image part is not supported),
 * so that one is followed, with its path appended.
 */
function explainIssue(issue: z.core.$ZodIssue | undefined): {path: PropertyKey[], message: string} {
    if (issue === undefined) return {path: [], message: "invalid"};
    // A field r1 does not know is refused by name: a client never loses what it asked for silently.
    if (issue.code === "unrecognized_keys" && issue.keys.length > 0)
        return {path: [...issue.path, issue.keys[0]!], message: `"${issue.keys[0]}" is not a field r1 supports; remove it`};
    // A union with its own message (e.g. "logprobs is not supported") already says it best.
    if (issue.code === "invalid_union" && issue.message === "Invalid input" && issue.errors.length > 0) {
        const branches = issue.errors.filter((branch) => branch.length > 0);
        const matched = branches.find((branch) => !(branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0)) ?? (branches.length === 1 ? branches[0] : undefined);
        if (matched !== undefined) {
            const inner = explainIssue(matched[0]);
            return {path: [...issue.path, ...inner.path], message: inner.message};
        }
    }
    return {path: issue.path, message: issue.message};
}
