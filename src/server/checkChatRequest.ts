import {UnsupportedOptionError} from "../engine/errors.js";
import {checkToolTurns, planOutput} from "../engine/planOutput.js";
import type {ChatMessage, GenerationOptions} from "../engine/types.js";
import {ApiError} from "./ApiError.js";

/** Renames an engine option path (`toolChoice`, `tools[0].parameters.x`) to the API's own field. */
export type OptionField = (option: string) => string;

/** OpenAI's and Ollama's names (both wrap a tool's name and parameters in `function`). */
export const apiField: OptionField = (option) => option
    .replace(/^tools\[(\d+)\]\./, "tools.$1.function.")
    .replace(/^toolChoice/, "tool_choice")
    .replace(/^parallelToolCalls/, "parallel_tool_calls")
    .replace(/^responseFormat\.schema/, "response_format.json_schema.schema")
    .replace(/^responseFormat/, "response_format")
    .replace(/^thinkBudget/, "reasoning_budget")
    .replace(/^echoPrompt/, "echo")
    .replace(/^maxTokens/, "max_tokens");

/** An engine's refusal as a 400 naming the request's own field. */
export function unsupportedOptionError(error: UnsupportedOptionError, field: OptionField): ApiError {
    const name = field(error.option);
    return new ApiError("invalid_request", `${name}: ${error.reason}`, {param: name, cause: error});
}

/**
 * Checks the tools, tool choice, response format and tool turns of a chat before any model is
 * loaded, so a bad schema or an unknown tool costs nothing: a 400 naming the field.
 */
export function checkChatRequest(messages: readonly ChatMessage[], options: GenerationOptions, field: OptionField = apiField): void {
    try {
        planOutput(options);
    } catch (error) {
        if (error instanceof UnsupportedOptionError) throw unsupportedOptionError(error, field);
        throw error;
    }
    const problem = checkToolTurns(messages);
    if (problem !== undefined) throw new ApiError("invalid_request", problem, {param: "messages"});
}
