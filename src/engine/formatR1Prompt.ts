import type {ChatMessage, ToolCall} from "./types.js";

export const R1_USER = "<｜User｜>";
export const R1_ASSISTANT = "<｜Assistant｜>";
export const R1_END = "<｜end▁of▁sentence｜>";
export const R1_TOOL_CALLS_BEGIN = "<｜tool▁calls▁begin｜>";
export const R1_TOOL_CALLS_END = "<｜tool▁calls▁end｜>";
export const R1_TOOL_CALL_BEGIN = "<｜tool▁call▁begin｜>";
export const R1_TOOL_CALL_END = "<｜tool▁call▁end｜>";
export const R1_TOOL_SEP = "<｜tool▁sep｜>";
const R1_TOOL_OUTPUTS_BEGIN = "<｜tool▁outputs▁begin｜>";
const R1_TOOL_OUTPUTS_END = "<｜tool▁outputs▁end｜>";
const R1_TOOL_OUTPUT_BEGIN = "<｜tool▁output▁begin｜>";
const R1_TOOL_OUTPUT_END = "<｜tool▁output▁end｜>";

/** Whether a GGUF chat template is DeepSeek R1's (the distills and the 671B share its turn markers). */
export function isR1Template(template: string | undefined): boolean {
    return template !== undefined && template.includes(R1_USER) && template.includes(R1_ASSISTANT);
}

/**
 * Whether a chat template makes the model reason in `<think>…</think>`: R1's own, or any that
 * mentions `<think>`. The engine and the server (`/api/show`, before loading) share this rule.
 */
export function isReasoningTemplate(template: string | undefined): boolean {
    return isR1Template(template) || (template?.includes("<think>") ?? false);
}

export interface FormatR1PromptOptions {
    /** The model's BOS text. Defaults to `<｜begin▁of▁sentence｜>`. */
    bos?: string;
    /** `false` closes the thought at once so the model answers directly. Defaults to `true`. */
    think?: boolean;
    /** Text added to the system prompt (what the model may answer: tools, a JSON format). */
    instructions?: string;
}

/**
 * Renders a conversation exactly as R1's own chat template does, with DeepSeek's usage
 * recommendations applied: a system message is folded into the first user turn (R1 was tuned
 * without one), earlier answers are sent without their reasoning, and the reply starts inside
 * `<think>\n`. Tokenize the result with special tokens enabled.
 */
export function formatR1Prompt(messages: readonly ChatMessage[], options: FormatR1PromptOptions = {}): string {
    const {bos = "<｜begin▁of▁sentence｜>", think = true} = options;
    const system = [...messages.filter((m) => m.role === "system").map((m) => m.content), ...(options.instructions === undefined ? [] : [options.instructions])].join("\n\n");
    let folded = system === "";
    let text = bos;
    let inToolOutputs = false;
    const closeToolOutputs = () => {
        if (inToolOutputs) text += R1_TOOL_OUTPUTS_END;
        inToolOutputs = false;
    };
    for (const message of messages) {
        if (message.role === "user") {
            closeToolOutputs();
            text += R1_USER + (folded ? message.content : `${system}\n\n${message.content}`);
            folded = true;
        } else if (message.role === "assistant") {
            closeToolOutputs();
            text += R1_ASSISTANT + stripReasoning(message.content) + formatR1ToolCalls(message.toolCalls ?? []) + R1_END;
        } else if (message.role === "tool") {
            // R1's template: the results of one turn's calls in one outputs block.
            text += (inToolOutputs ? "\n" : R1_TOOL_OUTPUTS_BEGIN) + R1_TOOL_OUTPUT_BEGIN + message.content + R1_TOOL_OUTPUT_END;
            inToolOutputs = true;
        }
    }
    closeToolOutputs();
    if (!folded) text += R1_USER + system;
    return text + R1_ASSISTANT + (think ? "<think>\n" : "<think>\n\n</think>\n\n");
}

/** An assistant turn's calls as R1's template writes them; empty when there are none. */
export function formatR1ToolCalls(calls: readonly ToolCall[]): string {
    if (calls.length === 0) return "";
    const body = calls.map((call) => `${R1_TOOL_CALL_BEGIN}function${R1_TOOL_SEP}${call.name}\n\`\`\`json\n${call.arguments}\n\`\`\`${R1_TOOL_CALL_END}`).join("\n");
    return R1_TOOL_CALLS_BEGIN + body + R1_TOOL_CALLS_END;
}

/** The template keeps only what follows the last `</think>` of an assistant turn. */
function stripReasoning(content: string): string {
    const end = content.lastIndexOf("</think>");
    return end < 0 ? content : content.slice(end + "</think>".length);
}
