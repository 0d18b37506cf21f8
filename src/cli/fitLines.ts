import {visibleWidth} from "./renderTable.js";

/**
 * Lines wrapped at spaces to the terminal's width (unchanged in a pipe), continuation lines
 * indented under the text they continue: `r1 hw`'s CPU line lists a dozen ISA extensions.
 */
export function fitLines(lines: readonly string[], width = process.stdout.isTTY === true ? process.stdout.columns ?? 80 : Number.POSITIVE_INFINITY): string[] {
    const out: string[] = [];
    for (const line of lines) {
        if (visibleWidth(line) <= width) {
            out.push(line);
            continue;
        }
        const indent = " ".repeat(Math.min(Math.floor(width / 2), (/^\s*\S+\s+/.exec(line)?.[0].length ?? 0)));
        let current = "";
        for (const word of line.split(/(?<=\s)(?=\S)/)) {
            if (current !== "" && visibleWidth(current + word.trimEnd()) > width) {
                out.push(current.trimEnd());
                current = indent + word;
            } else {
                current += word;
            }
        }
        if (current.trim() !== "") out.push(current.trimEnd());
    }
    return out;
}
