/** Reasoning and answer parts of one completion. */
export interface ThinkSplit {
    reasoning: string;
    answer: string;
}

const OPEN = "<think>";
const CLOSE = "</think>";

/**
 * Splits `<think>…</think>` out of a completion's text, for servers that do not separate reasoning
 * themselves. Text before a lone `</think>` is reasoning too: R1's chat template opens the think
 * block inside the prompt, so the completion often starts mid-thought. An unclosed `<think>` means
 * the model ran out of tokens while thinking, so everything after it is reasoning and there is no
 * answer.
 */
export function splitThink(content: string): ThinkSplit {
    const close = content.lastIndexOf(CLOSE);
    if (close >= 0) {
        const before = content.slice(0, close);
        const open = before.indexOf(OPEN);
        const reasoning = open >= 0 ? before.slice(open + OPEN.length) : before;
        return {reasoning: reasoning.trim(), answer: content.slice(close + CLOSE.length).trim()};
    }
    const open = content.indexOf(OPEN);
    if (open >= 0) return {reasoning: content.slice(open + OPEN.length).trim(), answer: content.slice(0, open).trim()};
    return {reasoning: "", answer: content.trim()};
}
