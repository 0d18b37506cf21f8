/**
 * Unit words dropped after a number ("5.4 cents", "864 \mbox{ inches}^2"): MATH-500 answers carry
 * them, models write them or leave them out, and neither changes the answer.
 */
const UNIT_WORDS = [
    "degrees?", "cents?", "dollars?", "inch(?:es)?", "feet", "foot", "ft", "yards?", "miles?", "meters?", "m", "cm",
    "mm", "km", "kg", "g", "grams?", "units?", "square", "sq", "hours?", "minutes?", "seconds?", "days?", "weeks?",
    "years?", "mph", "percent", "points?", "ways?", "people", "students?", "sides?", "cubic", "liters?", "ml", "pounds?",
    "ounces?", "coins?", "marbles?", "numbers?", "integers?", "handshakes?", "games?", "times?", "digits?", "terms?",
    "values?", "positive", "seats?", "outfits?", "cups?", "bits?", "boxes?", "cookies?", "tiles?", "steps?", "rows?"
].join("|");
const UNIT_TEXT = new RegExp(`\\\\(?:text|mbox|mathrm|textrm|textnormal)\\{\\s*(?:(?:${UNIT_WORDS})\\s*)+\\}(?:\\^\\{?[23]\\}?)?`, "g");
/**
 * Any text after a number is a unit or a label (`9 \text{ customers}`, `864 \text{ in}^2`,
 * `2 \mbox{ inches per second}`): the list above cannot name every noun, and the number alone
 * decides equality. "and"/"or" between values are separators, not units.
 */
const TEXT_AFTER_NUMBER = /(?<=[\d}.)]\s*)\\(?:text|mbox|textrm|textnormal)\{\s*(?!(?:and|or)\s*\})[a-zA-Z][a-zA-Z .'/-]*\}(?:\^\{?[23]\}?)?/g;
// Bare words only when longer than one letter: "4m" may well be an expression in m.
const UNIT_TAIL_WORDS = UNIT_WORDS.split("|").filter((w) => w.replace(/[^a-z]/g, "").length > 1).join("|");
const UNIT_TAIL = new RegExp(`(?<=[\\d}.)])\\s*(?:(?:${UNIT_TAIL_WORDS})\\b\\s*)+(?:\\^\\{?[23]\\}?)?$`);

/** Text wrappers whose content is kept as is. */
const TEXT_WRAPPERS = /\\(?:text|textbf|textit|mbox|mathrm|mathbf|textrm|textnormal|operatorname)\{([^{}]*)\}/g;

/**
 * Removes whitespace except where it ends a LaTeX command name (`\cot x` must not become `\cotx`).
 */
function removeSpaces(s: string): string {
    return s.replace(/(\\[a-zA-Z]+)?\s+/g, (_, command: string | undefined) => (command === undefined ? "" : `${command} `)).trim();
}

/**
 * `\frac92` → `\frac{9}{2}`, `\frac{270}7` → `\frac{270}{7}`: TeX takes one token as an argument
 * without braces; the math parser and string comparison both want the braced form (Hendrycks
 * MATH's `_fix_fracs`).
 */
function braceFracArguments(s: string): string {
    const argument = String.raw`(\{[^{}]*\}|[0-9a-zA-Z])`;
    return s.replace(new RegExp(String.raw`\\frac\s*${argument}\s*${argument}`, "g"), (_, a: string, b: string) =>
        `\\frac${a.startsWith("{") ? a : `{${a}}`}${b.startsWith("{") ? b : `{${b}}`}`);
}

/**
 * Canonical spelling of a final answer, before any math is parsed: the string rules math graders
 * (Hendrycks MATH, Qwen2.5-Math, DeepSeek's evaluation) apply. Pure; never throws.
 *
 * Drops `$`, `\left`/`\right`, spacing commands, `\displaystyle`, degree marks, percent signs, unit
 * words, any `\text{…}` right after a number, and thousands separators; `\dfrac`/`\tfrac` become `\frac` with braced arguments; `\text{X}` becomes `X`; `x \in S`
 * becomes `S`; integers lose leading zeros ("025" → "25", AIME style); a trailing period goes.
 */
export function normalizeAnswer(raw: string): string {
    let s = raw.trim();
    // Nested boxes and the display wrappers models sometimes leave inside \boxed{}.
    for (let i = 0; i < 3 && /^\\boxed\{.*\}$/s.test(s); i++) s = s.slice("\\boxed{".length, -1).trim();
    s = s.replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "");
    s = s.replace(/^\$+|\$+$/g, "");
    s = s.replace(/\\\$/g, "").replace(/\$/g, "");
    s = s.replace(/[\n\r\t]/g, " ");
    s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits)(?![a-zA-Z])/g, "");
    s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg)(?![a-zA-Z])\.?/g, "");
    s = s.replace(/\\(?:quad|qquad)(?![a-zA-Z])/g, " ").replace(/(?<!\\)\\[,;:! ]/g, "").replace(/~/g, " ");
    s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, "\\frac");
    s = braceFracArguments(s);
    s = s.replace(/\u03c0/g, "\\pi ").replace(/\u221e/g, "\\infty ").replace(/\u2212/g, "-").replace(/\u00b7|\u22c5/g, "\\cdot ");
    // Degrees: 90^\circ, 90^{\circ}, 90°, 90\degree.
    s = s.replace(/\^\s*\{?\s*\\circ\s*\}?/g, "").replace(/\\circ(?![a-zA-Z])/g, "").replace(/\u00b0|\\degree(?![a-zA-Z])/g, "");
    s = s.replace(/\\?%/g, "").replace(/\\percent(?![a-zA-Z])/g, "");
    // "x \in [-2,7]" is the interval; "k = 3" is 3 (when the other side of the comparison isn't an equation).
    s = s.replace(/^\s*[a-zA-Z]\s*\\in(?![a-zA-Z])\s*/, "");
    s = s.replace(UNIT_TEXT, (match, offset: number) => (offset === 0 ? match : ""));
    s = s.replace(TEXT_AFTER_NUMBER, "");
    s = s.replace(/\\text\{\s*(?:and|or)\s*\}/g, ",");
    s = s.replace(TEXT_WRAPPERS, "$1").replace(TEXT_WRAPPERS, "$1");
    s = s.replace(UNIT_TAIL, "");
    s = removeSpaces(s);
    s = s.replace(/[.,;]+$/, "");
    // "10{,}080" is how LaTeX keeps a thousands comma from adding space.
    s = s.replace(/(?<=\d)\{,\}(?=\d{3})/g, ",");
    // Thousands separators only where unambiguous: "10,080" and "11,111,111,100" but never "1,-2".
    if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
    // Leading zeros of a plain number, and ".5" → "0.5", "5." → "5", "2.50" → "2.5".
    const number = /^(-?)0*(\d*)(?:\.(\d*?)0*)?$/.exec(s);
    if (number !== null && /\d/.test(s)) {
        const [, sign = "", whole = "", fraction = ""] = number;
        s = `${sign}${whole === "" ? "0" : whole}${fraction === "" ? "" : `.${fraction}`}`;
        if (s === "-0") s = "0";
    }
    return s;
}

/** `"C"` for a multiple-choice answer written `C`, `(C)` or `\text{(C)}` (after normalization). */
export function choiceLetter(normalized: string): string | undefined {
    return /^\(?([A-E])\)?$/.exec(normalized)?.[1];
}
