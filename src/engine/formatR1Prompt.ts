import type {ChatMessage} from "./types.js";

export const R1_USER = "<｜User｜>";
export const R1_ASSISTANT = "<｜Assistant｜>";
export const R1_END = "<｜end▁of▁sentence｜>";

/** Whether a GGUF chat template is DeepSeek R1's (the distills and the 671B share its turn markers). */
export function isR1Template(template: string | undefined): boolean {
    return template !== undefined && template.includes(R1_USER) && template.includes(R1_ASSISTANT);
}

export interface FormatR1PromptOptions {
    /** The model's BOS text. Defaults to `<｜begin▁of▁sentence｜>`. */
    bos?: string;
    /** `false` closes the thought at once so the model answers directly. Defaults to `true`. */
    think?: boolean;
}

/**
 * Renders a conversation exactly as R1's own chat template does, with DeepSeek's usage
 * recommendations applied: a system message is folded into the first user turn (R1 was tuned
 * without one), earlier answers are sent without their reasoning, and the reply starts inside
 * `<think>\n`. Tokenize the result with special tokens enabled.
 */
export function formatR1Prompt(messages: readonly ChatMessage[], options: FormatR1PromptOptions = {}): string {
    const {bos = "<｜begin▁of▁sentence｜>", think = true} = options;
    const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
    let folded = system === "";
    let text = bos;
    for (const message of messages) {
        if (message.role === "user") {
            text += R1_USER + (folded ? message.content : `${system}\n\n${message.content}`);
            folded = true;
        } else if (message.role === "assistant") {
            text += R1_ASSISTANT + stripReasoning(message.content) + R1_END;
        }
    }
    if (!folded) text += R1_USER + system;
    return text + R1_ASSISTANT + (think ? "<think>\n" : "<think>\n\n</think>\n\n");
}

/** The template keeps only what follows the last `</think>` of an assistant turn. */
function stripReasoning(content: string): string {
    const end = content.lastIndexOf("</think>");
    return end < 0 ? content : content.slice(end + "</think>".length);
}
