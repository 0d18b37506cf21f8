import pc from "picocolors";
import {errorSentences} from "../util/errorSentences.js";

/**
 * The one line a user-facing failure prints: `r1: Message. Hint.`, the hint dimmed. Colours only
 * when `color` is set (picocolors' own detection: a terminal, no NO_COLOR), so pipes get plain text.
 */
export function formatErrorLine(error: {message: string, hint?: string}, options: {color?: boolean} = {}): string {
    const c = pc.createColors(options.color ?? pc.isColorSupported);
    const {message, hint} = errorSentences(error.message, error.hint);
    return `${c.red("r1:")} ${message}${hint === undefined ? "" : ` ${c.dim(hint)}`}`;
}
