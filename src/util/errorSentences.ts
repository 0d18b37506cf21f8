/**
 * `text` as a sentence: a leading plain lowercase word capitalized ("check the file" → "Check the
 * file", but never "r1 …", "llama.cpp …", a path or code), a hint wrapped whole in parentheses
 * unwrapped, and a full stop added unless it already ends with one (or `!`/`?`). Pure.
 */
export function asSentence(text: string): string {
    let s = text.trim();
    if (s === "") return s;
    if (s.startsWith("(") && s.endsWith(")") && closingParen(s) === s.length - 1) s = s.slice(1, -1).trim();
    if (/^[a-z]+(?=\s|$)/.test(s)) s = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?…]$/.test(s) ? s : `${s}.`;
}

/** Index of the parenthesis that closes the one at index 0, or -1. */
function closingParen(s: string): number {
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
        if (s[i] === "(") depth++;
        else if (s[i] === ")" && --depth === 0) return i;
    }
    return -1;
}

/**
 * An error's message and hint as the sentences the user reads: "Model x is not pulled. Run `r1
 * pull x` first." rather than the two run together. Newlines become spaces, so a failure stays one
 * line.
 */
export function errorSentences(message: string, hint?: string): {message: string, hint?: string} {
    const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, " ");
    const sentences = {message: asSentence(oneLine(message))};
    return hint === undefined || hint.trim() === "" ? sentences : {...sentences, hint: asSentence(oneLine(hint))};
}
