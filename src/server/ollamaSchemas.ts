import {z} from "zod";
import {
    contextSizeSchema, MAX_MESSAGES, reasoningBudgetSchema, modelNameSchema, probabilitySchema, seedSchema, stopSchema, temperatureSchema, textSchema
} from "./schemas.js";
import {MAX_GENERATION_TOKENS} from "./limits.js";

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
// Structured output is not implemented; an empty value (some clients send "") is harmless.
const formatSchema = z.union([z.literal(""), z.null()], "format (structured output) is not supported").optional();

export const ollamaChatRequestSchema = z.object({
    model: modelNameSchema,
    messages: z.array(z.object({
        role: z.enum(["system", "user", "assistant"]),
        content: textSchema,
        thinking: textSchema.nullish(),
        images: z.array(z.string()).max(0, "images are not supported").nullish()
    })).max(MAX_MESSAGES).default([]),
    stream: z.boolean().nullish(),
    think: thinkSchema,
    format: formatSchema,
    options: optionsSchema,
    keep_alive: keepAliveSchema
});
export type OllamaChatRequest = z.infer<typeof ollamaChatRequestSchema>;

export const ollamaGenerateRequestSchema = z.object({
    model: modelNameSchema,
    prompt: textSchema.nullish(),
    system: textSchema.nullish(),
    raw: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    think: thinkSchema,
    format: formatSchema,
    images: z.array(z.string()).max(0, "images are not supported").nullish(),
    options: optionsSchema,
    keep_alive: keepAliveSchema
});
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateRequestSchema>;
export type OllamaOptions = NonNullable<OllamaGenerateRequest["options"]>;

/** `/api/show`, `/api/pull`, `/api/delete`: `model`, or the older `name`. */
export const ollamaModelRequestSchema = z.object({
    model: modelNameSchema.optional(),
    name: modelNameSchema.optional(),
    stream: z.boolean().nullish(),
    insecure: z.boolean().nullish()
}).refine((body) => body.model !== undefined || body.name !== undefined, {message: "model is required", path: ["model"]});
