import {z} from "zod";
import type {GenerationOptions} from "../engine/types.js";
import {MAX_CONTEXT_SIZE, MIN_CONTEXT_SIZE, MAX_GENERATION_TOKENS, MAX_MESSAGES, MAX_MODEL_NAME_LENGTH, MAX_STOP_STRINGS} from "./limits.js";

/** Longest text field accepted (characters); the body limit bounds the total anyway. */
const MAX_TEXT_LENGTH = 4 * 1024 * 1024;
const MAX_STOP_LENGTH = 256;

/**
 * A model name as clients send it: letters, digits and `._:/-`, no `..` and no leading
 * separator, no `.` or `..` segment, so a name can never be read as a path outside the store
 * (nor as a second spelling of one inside it).
 */
export const modelNameSchema = z.string()
    .min(1, "model is required")
    .max(MAX_MODEL_NAME_LENGTH)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "model names use letters, digits and . _ : / -")
    .refine((name) => !name.split(/[/:]/).some((segment) => segment === "." || segment === ".."), "model names may not contain \".\" or \"..\" segments");

export const textSchema = z.string().max(MAX_TEXT_LENGTH);
export const stopSchema = z.union([
    z.string().max(MAX_STOP_LENGTH),
    z.array(z.string().max(MAX_STOP_LENGTH)).max(MAX_STOP_STRINGS)
]).nullish();
export const maxTokensSchema = z.number().int().min(1).max(MAX_GENERATION_TOKENS).nullish();
export const temperatureSchema = z.number().min(0).max(2).nullish();
export const probabilitySchema = z.number().min(0).max(1).nullish();
export const seedSchema = z.number().int().nullish();
export const contextSizeSchema = z.number().int().min(MIN_CONTEXT_SIZE).max(MAX_CONTEXT_SIZE).nullish();
/** r1's extension (`reasoning_budget`): most reasoning tokens before the thought is closed. */
export const reasoningBudgetSchema = z.number().int().min(0).max(MAX_GENERATION_TOKENS).nullish();
export {MAX_MESSAGES};

/** `stop` as a list without empty strings. */
export function stopList(stop: string | string[] | null | undefined): string[] | undefined {
    if (stop === null || stop === undefined) return undefined;
    const list = (typeof stop === "string" ? [stop] : stop).filter((s) => s !== "");
    return list.length === 0 ? undefined : list;
}

/** The sampling fields OpenAI's and Ollama's requests share, under the same snake_case names. */
export interface WireSampling {
    temperature?: number | null;
    top_p?: number | null;
    top_k?: number | null;
    min_p?: number | null;
    repeat_penalty?: number | null;
    seed?: number | null;
    reasoning_budget?: number | null;
    stop?: string | string[] | null;
}

/** The engine's options for the sampling fields that were sent (null and absent mean the engine's default). */
export function samplingOptions(fields: WireSampling): Omit<GenerationOptions, "signal"> {
    type Options = Omit<GenerationOptions, "signal">;
    const options: Options = {};
    const set = <K extends keyof Options>(key: K, value: Options[K] | null | undefined) => {
        if (value !== null && value !== undefined) options[key] = value;
    };
    set("temperature", fields.temperature);
    set("topP", fields.top_p);
    set("topK", fields.top_k);
    set("minP", fields.min_p);
    set("repeatPenalty", fields.repeat_penalty);
    set("seed", fields.seed);
    set("thinkBudget", fields.reasoning_budget);
    set("stop", stopList(fields.stop));
    return options;
}
