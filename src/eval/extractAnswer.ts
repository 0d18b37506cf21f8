/** Longest final answer the grader looks at; a longer one is a runaway generation, not an answer. */
export const MAX_ANSWER_CHARS = 1_000;

/** Where the final answer was found, from most to least trustworthy. */
export type AnswerSource = "boxed" | "reasoning-boxed" | "answer-is" | "last-number" | "none";

export interface ExtractedAnswer {
    /** The final answer as written (LaTeX), or `""` when none was found. */
    answer: string;
    source: AnswerSource;
}

const BOX_COMMANDS = ["\\boxed", "\\fbox"];

/**
 * Content of the last `\boxed{…}` (or `\fbox{…}`, or `\boxed 5`) in `text`, with nested braces;
 * `undefined` when there is none or it never closes.
 */
export function lastBoxed(text: string): string | undefined {
    let start = -1;
    let command = "";
    for (const c of BOX_COMMANDS) {
        const at = text.lastIndexOf(c);
        if (at > start) {
            start = at;
            command = c;
        }
    }
    if (start < 0) return undefined;
    let i = start + command.length;
    if (text[i] !== "{") {
        // `\boxed 5` form: the argument runs to the next `$`, newline or end.
        const rest = /^ +([^$\n]+)/.exec(text.slice(i));
        return rest?.[1]?.trim().slice(0, MAX_ANSWER_CHARS);
    }
    let depth = 0;
    for (const begin = i; i < text.length; i++) {
        const ch = text[i];
        if (ch === "\\") {
            i++; // `\{` and `\}` are literal braces, not grouping
            continue;
        }
        if (ch === "{") depth++;
        else if (ch === "}" && --depth === 0) return text.slice(begin + 1, i).trim().slice(0, MAX_ANSWER_CHARS);
    }
    return undefined;
}

/**
 * The final answer of a completion, the way math graders find it: the last `\boxed{}` of the answer
 * part; else the last `\boxed{}` of the reasoning (the answer part was cut off); else a sentence
 * "the answer is X"; else the last number of the answer part.
 */
export function extractAnswer(parts: {answer: string, reasoning?: string}): ExtractedAnswer {
    const boxed = lastBoxed(parts.answer);
    if (boxed !== undefined) return {answer: boxed, source: "boxed"};
    const reasoningBoxed = parts.reasoning === undefined ? undefined : lastBoxed(parts.reasoning);
    if (reasoningBoxed !== undefined) return {answer: reasoningBoxed, source: "reasoning-boxed"};
    const tail = parts.answer.slice(-4 * MAX_ANSWER_CHARS);
    const sentences = [...tail.matchAll(/answer\s*(?:is|:)\s*:?\s*\$*([^\n$]+?)\$*\s*\.?\s*$/gim)];
    const answerIs = sentences[sentences.length - 1];
    if (answerIs?.[1] !== undefined && answerIs[1].trim() !== "") {
        return {answer: answerIs[1].trim().slice(0, MAX_ANSWER_CHARS), source: "answer-is"};
    }
    const numbers = tail.match(/-?\d+(?:\.\d+)?(?:\/\d+)?/g);
    const last = numbers?.[numbers.length - 1];
    if (last !== undefined) return {answer: last, source: "last-number"};
    return {answer: "", source: "none"};
}
