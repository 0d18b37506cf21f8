import {z} from "zod";
import {
    contextSizeSchema, MAX_MESSAGES, maxTokensSchema, reasoningBudgetSchema, modelNameSchema, probabilitySchema, seedSchema, stopSchema, temperatureSchema, textSchema
} from "./schemas.js";

const contentPartSchema = z.object({type: z.literal("text"), text: textSchema});

/** OpenAI message content: a string, or text parts (images and audio are refused). */
const contentSchema = z.union([textSchema, z.array(contentPartSchema).max(MAX_MESSAGES)]).nullish();

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
    stream_options: z.object({include_usage: z.boolean().nullish()}).nullish()
};

export const chatCompletionRequestSchema = z.object({
    ...samplingFields,
    messages: z.array(z.object({
        role: z.enum(["system", "developer", "user", "assistant"]),
        content: contentSchema,
        // DeepSeek returns it; clients may echo it back. It is dropped before templating.
        reasoning_content: textSchema.nullish()
    })).min(1, "messages must not be empty").max(MAX_MESSAGES),
    max_completion_tokens: maxTokensSchema
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z.object({
    ...samplingFields,
    prompt: z.union([textSchema, z.array(textSchema).length(1, "only one prompt per request is supported")]),
    echo: z.literal(false, "echo is not supported").nullish(),
    suffix: z.null("suffix is not supported").optional()
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
