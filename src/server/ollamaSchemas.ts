import {z} from "zod";
import {
    contextSizeSchema, MAX_MESSAGES, reasoningBudgetSchema, modelNameSchema, probabilitySchema, seedSchema, stopSchema, temperatureSchema, textSchema
} from "./schemas.js";
import {MAX_EMBEDDING_INPUTS, MAX_GENERATION_TOKENS, MAX_TOOL_CALL_ID_LENGTH} from "./limits.js";
import {MAX_TOOLS} from "../engine/planOutput.js";

/** Ollama's `options`; unknown keys (e.g. `num_gpu`) are ignored, as Ollama ignores what a runner lacks. */
const optionsSchema = z.object({
    num_ctx: contextSizeSchema,
    // -1 means "until the model stops", -2 "until the context is full": both are the engine's default.
    num_predict: z.number().int().min(-2).max(MAX_GENERATION_TOKENS).nullish(),
    temperature: temperatureSchema,
    top_p: probabilitySchema,
    top_k: z.number().int().min(0).max(10_000).nullish(),
    min_p: probabilitySchema,
    repeat_penalty: z.number().min(0).max(10).nullish(),
    seed: seedSchema,
    stop: stopSchema,
    reasoning_budget: reasoningBudgetSchema
}).nullish();

const keepAliveSchema = z.union([z.number(), z.string().max(32)]).nullish();
const thinkSchema = z.union([z.boolean(), z.enum(["low", "medium", "high"])]).nullish();
/** Structured output: `"json"` or a JSON Schema (checked by the engine's checkJsonSchema); `""` (some clients send it) means none. */
const formatSchema = z.union([z.literal(""), z.literal("json"), z.record(z.string(), z.unknown()), z.null()],
    "format is \"json\" or a JSON Schema object").optional();

const toolSchema = z.object({
    type: z.literal("function", "only function tools are supported"),
    function: z.object({
        name: z.string().max(64),
        description: textSchema.nullish(),
        parameters: z.record(z.string(), z.unknown()).nullish()
    })
});

/** Ollama's calls carry arguments as an object (OpenAI's as JSON text). */
const toolCallSchema = z.object({
    id: z.string().max(MAX_TOOL_CALL_ID_LENGTH).nullish(),
    function: z.object({
        index: z.number().int().min(0).nullish(),
        name: z.string().max(64),
        arguments: z.record(z.string(), z.unknown()).default({})
    })
});

export const ollamaChatRequestSchema = z.object({
    model: modelNameSchema,
    messages: z.array(z.object({
        role: z.enum(["system", "user", "assistant", "tool"]),
        // Ollama treats a missing content as empty (its Python client omits empty fields).
        content: textSchema.nullish(),
        thinking: textSchema.nullish(),
        images: z.array(z.string()).max(0, "images are not supported; r1's models read text only").nullish(),
        tool_calls: z.array(toolCallSchema).max(MAX_MESSAGES).nullish(),
        // The tool a result comes from (Ollama 0.12); results answer the latest calls in order.
        tool_name: z.string().max(64).nullish(),
        tool_call_id: z.string().max(MAX_TOOL_CALL_ID_LENGTH).nullish()
    })).max(MAX_MESSAGES).default([]),
    tools: z.array(toolSchema).max(MAX_TOOLS).nullish(),
    stream: z.boolean().nullish(),
    think: thinkSchema,
    format: formatSchema,
    options: optionsSchema,
    keep_alive: keepAliveSchema
}).strict();
export type OllamaChatRequest = z.infer<typeof ollamaChatRequestSchema>;

export const ollamaGenerateRequestSchema = z.object({
    model: modelNameSchema,
    prompt: textSchema.nullish(),
    system: textSchema.nullish(),
    raw: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    think: thinkSchema,
    format: formatSchema,
    images: z.array(z.string()).max(0, "images are not supported; r1's models read text only").nullish(),
    suffix: z.union([z.literal(""), z.null()], "suffix (fill-in-the-middle) is not supported by r1").optional(),
    context: z.array(z.number()).max(0, "context (the deprecated token context) is not supported by r1; send the conversation to /api/chat").nullish(),
    options: optionsSchema,
    keep_alive: keepAliveSchema
}).strict();
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateRequestSchema>;
export type OllamaOptions = NonNullable<OllamaGenerateRequest["options"]>;

/** `/api/show`, `/api/pull`, `/api/delete`: `model`, or the older `name`. */
export const ollamaModelRequestSchema = z.object({
    model: modelNameSchema.optional(),
    name: modelNameSchema.optional(),
    stream: z.boolean().nullish(),
    insecure: z.boolean().nullish()
}).refine((body) => body.model !== undefined || body.name !== undefined, {message: "model is required", path: ["model"]});

/** `/api/embed` (and the older `/api/embeddings`, which sends one `prompt`). */
export const ollamaEmbedRequestSchema = z.object({
    model: modelNameSchema,
    input: z.union([textSchema, z.array(textSchema).max(MAX_EMBEDDING_INPUTS)]).nullish(),
    prompt: textSchema.nullish(),
    // Ollama cuts long inputs to the context by default; r1 refuses them instead (truncate: false).
    truncate: z.literal(false, "truncate is not supported by r1: inputs longer than the context are refused; send truncate: false").nullish(),
    dimensions: z.null("dimensions is not supported by r1 (vectors have the model's own size)").optional(),
    keep_alive: keepAliveSchema
}).strict();
