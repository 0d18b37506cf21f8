/**
 * The shape of a normalized answer: one value, or a bracketed or bare list of values, or a matrix.
 * `ordered` lists (tuples, intervals, matrices) compare element by element; unordered ones (sets,
 * bare "1, -2" solution lists, `a \pm b`) compare as multisets.
 */
export type AnswerParts =
    | {kind: "scalar", value: string}
    | {kind: "ordered", open: string, close: string, items: string[]}
    | {kind: "unordered", items: string[]}
    | {kind: "matrix", rows: string[][]}
    | {kind: "union", items: string[]};

/** Most elements a list or matrix answer may have before it is compared as a plain string. */
export const MAX_ANSWER_PARTS = 64;

/** Splits `s` on `separator` where it is outside any (), [], {}. */
export function splitTopLevel(s: string, separator: string): string[] {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
        const ch = s[i];
        if (ch === "\\" && s.startsWith(separator, i) && depth === 0) {
            parts.push(s.slice(start, i));
            start = i + separator.length;
            i = start - 1;
            continue;
        }
        if (ch === "\\") {
            if (s[i + 1] === "{") depth++;
            else if (s[i + 1] === "}") depth--;
            if (s[i + 1] === "{" || s[i + 1] === "}") i++;
            continue;
        }
        if (ch === "(" || ch === "[" || ch === "{") depth++;
        else if (ch === ")" || ch === "]" || ch === "}") depth--;
        else if (depth === 0 && s.startsWith(separator, i)) {
            parts.push(s.slice(start, i));
            start = i + separator.length;
            i = start - 1;
        }
    }
    parts.push(s.slice(start));
    return parts;
}

/** Whether the bracket opening at 0 closes at the very end (so `(a+5)(b+2)` is not one group). */
function enclosesWhole(s: string, openLength: number, closeLength: number): boolean {
    let depth = 0;
    for (let i = 0; i < s.length - closeLength; i++) {
        const ch = s[i];
        if (ch === "\\") {
            if (s[i + 1] === "{") depth++;
            else if (s[i + 1] === "}") depth--;
            i++;
        } else if (ch === "(" || ch === "[" || ch === "{") depth++;
        else if (ch === ")" || ch === "]" || ch === "}") depth--;
        if (depth === 0 && i >= openLength - 1) return false;
    }
    return true;
}

/** `a \pm b` as its two values, or `undefined` when there is no top-level `\pm`. */
function expandPlusMinus(item: string): string[] | undefined {
    const parts = splitTopLevel(item, "\\pm");
    if (parts.length !== 2) return undefined;
    const [a = "", b = ""] = parts;
    return [`${a}+${b}`, `${a}-${b}`];
}

function unorderedItems(items: string[]): string[] {
    return items.flatMap((item) => expandPlusMinus(item) ?? [item]);
}

/** Parses a normalized answer into its parts. Pure. */
export function splitAnswerParts(s: string): AnswerParts {
    const matrix = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?(.*)\\end\{\1\}$/s.exec(s);
    if (matrix?.[2] !== undefined) {
        const rows = matrix[2].split("\\\\").map((row) => row.split("&").map((cell) => cell.trim())).filter((row) => row.some((c) => c !== ""));
        if (rows.length * (rows[0]?.length ?? 0) <= MAX_ANSWER_PARTS) return {kind: "matrix", rows};
    }
    const unions = splitTopLevel(s, "\\cup");
    if (unions.length > 1 && unions.length <= MAX_ANSWER_PARTS) return {kind: "union", items: unions.map((u) => u.trim())};
    if (s.startsWith("\\{") && s.endsWith("\\}") && enclosesWhole(s, 2, 2)) {
        return {kind: "unordered", items: unorderedItems(splitTopLevel(s.slice(2, -2), ","))};
    }
    const open = s[0];
    const close = s[s.length - 1];
    if ((open === "(" || open === "[") && (close === ")" || close === "]") && enclosesWhole(s, 1, 1)) {
        const items = splitTopLevel(s.slice(1, -1), ",");
        if (items.length > 1 && items.length <= MAX_ANSWER_PARTS) return {kind: "ordered", open, close, items};
    }
    const bare = splitTopLevel(s, ",");
    if (bare.length > 1 && bare.length <= MAX_ANSWER_PARTS) return {kind: "unordered", items: unorderedItems(bare)};
    const pm = expandPlusMinus(s);
    if (pm !== undefined) return {kind: "unordered", items: pm};
    return {kind: "scalar", value: s};
}
