import {z} from "zod";
import {MAX_TOOLS} from "../engine/planOutput.js";
import {MAX_STOP_STRINGS, MAX_TOOL_CALL_ID_LENGTH} from "./limits.js";
import {MAX_MESSAGES, maxTokensSchema, modelNameSchema, probabilitySchema, textSchema} from "./schemas.js";

const textBlockSchema = z.object({type: z.literal("text"), text: textSchema, cache_control: z.unknown().optional(), citations: z.unknown().optional()});

/** Content of a `tool_result`: a string or text blocks. */
const toolResultContentSchema = z.union([textSchema, z.array(z.object({type: z.string().max(64), text: textSchema.optional()}).superRefine((block, ctx) => {
    if (block.type !== "text") ctx.addIssue({code: "custom", path: ["type"], message: `tool results of type "${block.type}" are not supported; r1's models read text only`});
    else if (block.text === undefined) ctx.addIssue({code: "custom", path: ["text"], message: "a text block needs text"});
})).max(MAX_MESSAGES)]);

/**
 * One content block of a request message. Text, tool use, tool results and thinking (dropped
 * before templating: R1 never sees its earlier reasoning) are read; any other type (image,
 * document, server tools) is refused by name.
 */
const contentBlockSchema = z.object({type: z.string().max(64)}).passthrough().superRefine((block, ctx) => {
    const schema = blockSchemas[block.type];
    if (schema === undefined) {
        ctx.addIssue({code: "custom", path: ["type"], message: `content blocks of type "${block.type}" are not supported; r1 reads text, tool_use, tool_result and thinking`});
        return;
    }
    const parsed = schema.safeParse(block);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({code: "custom", path: issue.path, message: issue.message});
});

const blockSchemas: Record<string, z.ZodType> = {
    text: textBlockSchema,
    tool_use: z.object({
        type: z.literal("tool_use"),
        id: z.string().min(1).max(MAX_TOOL_CALL_ID_LENGTH),
        name: z.string().min(1).max(64),
        input: z.record(z.string(), z.unknown()),
        cache_control: z.unknown().optional()
    }),
    tool_result: z.object({
        type: z.literal("tool_result"),
        tool_use_id: z.string().min(1).max(MAX_TOOL_CALL_ID_LENGTH),
        content: toolResultContentSchema.optional(),
        is_error: z.boolean().optional(),
        cache_control: z.unknown().optional()
    }),
    thinking: z.object({type: z.literal("thinking"), thinking: textSchema, signature: z.string().max(65_536).optional()}),
    redacted_thinking: z.object({type: z.literal("redacted_thinking"), data: z.string().max(1_048_576)})
};

export type AnthropicBlock =
    | {type: "text", text: string}
    | {type: "tool_use", id: string, name: string, input: Record<string, unknown>}
    | {type: "tool_result", tool_use_id: string, content?: string | {type: string, text?: string}[], is_error?: boolean}
    | {type: "thinking", thinking: string}
    | {type: "redacted_thinking", data: string};

const messageSchema = z.object({
    role: z.enum(["user", "assistant"], "role is \"user\" or \"assistant\" (the system prompt goes in `system`)"),
    content: z.union([textSchema, z.array(contentBlockSchema).max(MAX_MESSAGES)])
});

const toolSchema = z.object({
    // Custom (client) tools only; Anthropic's server tools (web search, code execution) are not run by r1.
    type: z.literal("custom", "only custom tools (name, description, input_schema) are supported").optional(),
    name: z.string().min(1).max(64),
    description: textSchema.optional(),
    input_schema: z.record(z.string(), z.unknown()),
    cache_control: z.unknown().optional()
});

const toolChoiceSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional()}),
    z.object({type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional()}),
    z.object({type: z.literal("tool"), name: z.string().min(1).max(64), disable_parallel_tool_use: z.boolean().optional()}),
    z.object({type: z.literal("none")})
], "tool_choice.type is auto, any, tool or none");

const thinkingSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("enabled"), budget_tokens: z.number().int().min(0).max(1_000_000)}),
    z.object({type: z.literal("adaptive")}),
    z.object({type: z.literal("disabled")})
], "thinking.type is enabled, adaptive or disabled");

const systemSchema = z.union([textSchema, z.array(textBlockSchema).max(MAX_MESSAGES)]);

/** The fields `/v1/messages/count_tokens` reads (a subset of a messages request). */
const promptFields = {
    model: modelNameSchema,
    messages: z.array(messageSchema).min(1, "messages must not be empty").max(MAX_MESSAGES),
    system: systemSchema.optional(),
    tools: z.array(toolSchema).max(MAX_TOOLS).optional(),
    tool_choice: toolChoiceSchema.optional(),
    thinking: thinkingSchema.optional()
};

/**
 * Anthropic's `POST /v1/messages` body. Unknown fields are a 400 naming them (`strict`), so a
 * client never silently loses a feature it asked for; `metadata` and `service_tier` are accepted
 * and have no effect on a local server.
 */
export const messagesRequestSchema = z.object({
    ...promptFields,
    max_tokens: maxTokensSchema.unwrap().unwrap(),
    // Anthropic's range is 0–1; R1's recommended 0.6 is inside it.
    temperature: z.number().min(0).max(1).optional(),
    top_p: probabilitySchema.unwrap().unwrap().optional(),
    top_k: z.number().int().min(0).max(10_000).optional(),
    stop_sequences: z.array(z.string().max(256)).max(MAX_STOP_STRINGS).optional(),
    stream: z.boolean().optional(),
    metadata: z.object({user_id: z.string().max(256).nullish()}).optional(),
    service_tier: z.enum(["auto", "standard_only"]).optional()
}).strict();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = z.object(promptFields).strict();
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
