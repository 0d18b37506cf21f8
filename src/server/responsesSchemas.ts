import {z} from "zod";
import {MAX_TOOLS} from "../engine/planOutput.js";
import {MAX_TOOL_CALL_ID_LENGTH} from "./limits.js";
import {MAX_MESSAGES, maxTokensSchema, modelNameSchema, probabilitySchema, seedSchema, temperatureSchema, textSchema} from "./schemas.js";

/** A content part of an input message: text only (`input_text`, or `output_text` in assistant turns sent back). */
const contentPartSchema = z.object({type: z.string().max(64), text: textSchema.optional()}).passthrough().superRefine((part, ctx) => {
    if (part.type !== "input_text" && part.type !== "output_text")
        ctx.addIssue({code: "custom", path: ["type"], message: `content parts of type "${part.type}" are not supported; r1's models read text only`});
    else if (part.text === undefined) ctx.addIssue({code: "custom", path: ["text"], message: "a text part needs text"});
});

const messageItemSchema = z.object({
    type: z.literal("message").optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([textSchema, z.array(contentPartSchema).max(MAX_MESSAGES)]),
    id: z.string().max(256).optional(),
    status: z.string().max(32).optional()
});

const functionCallItemSchema = z.object({
    type: z.literal("function_call"),
    call_id: z.string().min(1).max(MAX_TOOL_CALL_ID_LENGTH),
    name: z.string().min(1).max(64),
    arguments: textSchema,
    id: z.string().max(256).optional(),
    status: z.string().max(32).optional()
});

const functionCallOutputItemSchema = z.object({
    type: z.literal("function_call_output"),
    call_id: z.string().min(1).max(MAX_TOOL_CALL_ID_LENGTH),
    output: z.union([textSchema, z.array(contentPartSchema).max(MAX_MESSAGES)]),
    id: z.string().max(256).optional(),
    status: z.string().max(32).optional()
});

/** A reasoning item sent back: accepted and dropped before templating (R1 never sees earlier reasoning). */
const reasoningItemSchema = z.object({type: z.literal("reasoning")}).passthrough();

/** One input item; any other type (images, item references, built-in tool calls) is refused by name. */
const inputItemSchema = z.object({type: z.string().max(64).optional()}).passthrough().superRefine((item, ctx) => {
    const schema = itemSchemas[item.type ?? "message"];
    if (schema === undefined) {
        ctx.addIssue({code: "custom", path: ["type"], message: `input items of type "${item.type}" are not supported; r1 reads message, function_call, function_call_output and reasoning items`});
        return;
    }
    const parsed = schema.safeParse(item);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({code: "custom", path: issue.path, message: issue.message});
});

const itemSchemas: Record<string, z.ZodType> = {
    message: messageItemSchema,
    function_call: functionCallItemSchema,
    function_call_output: functionCallOutputItemSchema,
    reasoning: reasoningItemSchema
};

export type ResponsesInputItem =
    | z.infer<typeof messageItemSchema>
    | z.infer<typeof functionCallItemSchema>
    | z.infer<typeof functionCallOutputItemSchema>
    | {type: "reasoning"};

const toolSchema = z.object({
    type: z.literal("function", "only function tools are supported (r1 runs no built-in tools)"),
    name: z.string().min(1).max(64),
    description: textSchema.nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    // The grammar always enforces the schema, so strict is honoured either way.
    strict: z.boolean().nullish()
});

const toolChoiceSchema = z.union([
    z.enum(["none", "auto", "required"]),
    z.object({type: z.literal("function"), name: z.string().min(1).max(64)})
], "tool_choice is \"none\", \"auto\", \"required\" or {type: \"function\", name}");

const formatSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("text")}),
    z.object({type: z.literal("json_object")}),
    z.object({
        type: z.literal("json_schema"), name: z.string().max(64), schema: z.record(z.string(), z.unknown()),
        description: textSchema.nullish(), strict: z.boolean().nullish()
    })
], "text.format.type is text, json_object or json_schema");

/**
 * OpenAI's `POST /v1/responses` body. Unknown fields are a 400 naming them (`strict`), so a
 * client never silently loses what it asked for.
 */
export const responsesRequestSchema = z.object({
    model: modelNameSchema,
    input: z.union([textSchema, z.array(inputItemSchema).max(MAX_MESSAGES)]),
    instructions: textSchema.nullish(),
    max_output_tokens: maxTokensSchema,
    temperature: temperatureSchema,
    top_p: probabilitySchema,
    tools: z.array(toolSchema).max(MAX_TOOLS).nullish(),
    tool_choice: toolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.object({format: formatSchema.optional()}).strict().nullish(),
    // "none" skips R1's reasoning; other efforts let it reason as it does (R1 has no effort levels).
    reasoning: z.object({effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]).nullish(), summary: z.enum(["auto", "concise", "detailed"]).nullish()}).strict().nullish(),
    stream: z.boolean().nullish(),
    store: z.boolean().nullish(),
    previous_response_id: z.string().max(256).nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).refine((m) => Object.keys(m).length <= 16, "at most 16 metadata keys").nullish(),
    truncation: z.literal("disabled", "only truncation \"disabled\" is supported").nullish(),
    user: z.string().max(256).nullish(),
    safety_identifier: z.string().max(256).nullish(),
    // r1's and llama.cpp's extensions, as on /v1/chat/completions.
    seed: seedSchema,
    reasoning_budget: z.number().int().min(0).max(1_000_000).nullish()
}).strict();
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
