import {z} from "zod";
import {MAX_TOOLS} from "../engine/planOutput.js";
import {MAX_EMBEDDING_INPUTS, MAX_TOOL_CALL_ID_LENGTH} from "./limits.js";
import {
    contextSizeSchema, MAX_MESSAGES, maxTokensSchema, reasoningBudgetSchema, modelNameSchema, probabilitySchema, seedSchema, stopSchema, temperatureSchema, textSchema
} from "./schemas.js";

/** A text part; any other kind (image_url, input_audio, file) is refused by name, r1 serves text models. */
const contentPartSchema = z.object({type: z.string().max(64), text: textSchema.optional()}).superRefine((part, ctx) => {
    if (part.type !== "text") ctx.addIssue({code: "custom", path: ["type"], message: `content parts of type "${part.type}" are not supported; r1's models read text only`});
    else if (part.text === undefined) ctx.addIssue({code: "custom", path: ["text"], message: "a text part needs text"});
});

/** OpenAI message content: a string, or text parts (images and audio are refused). */
const contentSchema = z.union([textSchema, z.array(contentPartSchema).max(MAX_MESSAGES)]).nullish();

/** Unsupported OpenAI fields: accepted only at their "off" value, so a client never silently loses what it asked for. */
const unsupported = (field: string, off: z.ZodType) => z.union([off, z.null()], `${field} is not supported by r1`).optional();

const toolCallSchema = z.object({
    id: z.string().min(1).max(MAX_TOOL_CALL_ID_LENGTH),
    type: z.literal("function", "only function tool calls are supported").optional(),
    function: z.object({name: z.string().max(64), arguments: textSchema})
});

const toolSchema = z.object({
    type: z.literal("function", "only function tools are supported"),
    function: z.object({
        name: z.string().max(64),
        description: textSchema.nullish(),
        // Checked against what the grammar supports by the engine's checkJsonSchema (the feature is named).
        parameters: z.record(z.string(), z.unknown()).nullish(),
        // The grammar always enforces the schema, so strict is honoured either way.
        strict: z.boolean().nullish()
    })
});

const toolChoiceSchema = z.union([
    z.enum(["none", "auto", "required"]),
    z.object({type: z.literal("function"), function: z.object({name: z.string().max(64)})})
], "tool_choice is \"none\", \"auto\", \"required\" or {type: \"function\", function: {name}}").nullish();

const responseFormatSchema = z.discriminatedUnion("type", [
    z.object({type: z.literal("text")}),
    z.object({type: z.literal("json_object")}),
    z.object({type: z.literal("json_schema"), json_schema: z.object({
        name: z.string().max(64),
        description: textSchema.nullish(),
        schema: z.record(z.string(), z.unknown()).nullish(),
        strict: z.boolean().nullish()
    })})
], "response_format.type is text, json_object or json_schema").nullish();

const samplingFields = {
    model: modelNameSchema,
    max_tokens: maxTokensSchema,
    temperature: temperatureSchema,
    top_p: probabilitySchema,
    // llama.cpp's extensions, accepted for the same clients.
    top_k: z.number().int().min(0).max(10_000).nullish(),
    min_p: probabilitySchema,
    repeat_penalty: z.number().min(0).max(10).nullish(),
    stop: stopSchema,
    seed: seedSchema,
    reasoning_budget: reasoningBudgetSchema,
    // Ollama's name, accepted here too: context size per sequence; a different one reloads the model (see ModelPool).
    num_ctx: contextSizeSchema,
    n: z.literal(1, "only n = 1 is supported").nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({include_usage: z.boolean().nullish()}).nullish(),
    // false (chat) or 0 (legacy completions' count) mean none: what r1 does.
    logprobs: unsupported("logprobs", z.union([z.literal(false), z.literal(0)])),
    top_logprobs: unsupported("top_logprobs", z.literal(0)),
    logit_bias: unsupported("logit_bias", z.object({}).strict()),
    presence_penalty: unsupported("presence_penalty", z.literal(0)),
    frequency_penalty: unsupported("frequency_penalty", z.literal(0)),
    // An end-user id for the provider's abuse monitoring: nothing to do locally.
    user: z.string().max(256).nullish(),
    // Every request runs at the one local service tier.
    service_tier: z.enum(["auto", "default"], "service_tier other than auto/default is not supported by r1").nullish(),
    store: unsupported("store", z.literal(false)),
    metadata: unsupported("metadata (kept only with store)", z.never()),
    reasoning_effort: unsupported("reasoning_effort (R1 has no effort levels; r1's reasoning_budget caps the thinking)", z.never())
};

export const chatCompletionRequestSchema = z.object({
    ...samplingFields,
    messages: z.array(z.object({
        role: z.enum(["system", "developer", "user", "assistant", "tool"]),
        content: contentSchema,
        // DeepSeek returns it; clients may echo it back. It is dropped before templating.
        reasoning_content: textSchema.nullish(),
        tool_calls: z.array(toolCallSchema).max(MAX_MESSAGES).nullish(),
        tool_call_id: z.string().max(MAX_TOOL_CALL_ID_LENGTH).nullish(),
        // Allowed on tool turns (the function's name, implied by the call id); elsewhere refused by the route.
        name: z.string().max(64).nullish()
    })).min(1, "messages must not be empty").max(MAX_MESSAGES),
    max_completion_tokens: maxTokensSchema,
    tools: z.array(toolSchema).max(MAX_TOOLS).nullish(),
    tool_choice: toolChoiceSchema,
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormatSchema,
    modalities: z.array(z.literal("text", "only text output is supported by r1")).max(1).nullish(),
    functions: unsupported("functions (deprecated; send tools)", z.never()),
    function_call: unsupported("function_call (deprecated; send tool_choice)", z.never())
}).strict();
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z.object({
    ...samplingFields,
    prompt: z.union([textSchema, z.array(textSchema).length(1, "only one prompt per request is supported")]),
    echo: z.literal(false, "echo is not supported").nullish(),
    suffix: z.null("suffix is not supported").optional()
}).strict();
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.object({
    model: modelNameSchema,
    input: z.union([textSchema, z.array(textSchema).min(1).max(MAX_EMBEDDING_INPUTS)],
        "input is a text or a list of texts (token-id input is not supported by r1)"),
    encoding_format: z.enum(["float", "base64"]).nullish(),
    dimensions: z.null("dimensions is not supported by r1 (vectors have the model's own size)").optional(),
    user: z.string().max(256).nullish()
}).strict();
