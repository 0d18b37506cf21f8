import type {ComputeEngine} from "@cortex-js/compute-engine";
import {choiceLetter, normalizeAnswer} from "./normalizeAnswer.js";
import {splitAnswerParts, splitTopLevel, type AnswerParts} from "./splitAnswerParts.js";

type Expression = NonNullable<ReturnType<ComputeEngine["parse"]>>;

/** Longest normalized answer that is parsed as math; longer ones only compare as strings. */
export const MAX_GRADED_CHARS = 400;
/** Relative tolerance of numeric equality: tight enough that 0.33 ≠ 1/3, loose enough for float noise. */
export const RELATIVE_TOLERANCE = 1e-6;
const ABSOLUTE_TOLERANCE = 1e-12;
/**
 * Values substituted for the unknowns of symbolic answers ("p - q", "\cot x"): fixed rather than
 * random so a verdict never changes between runs, and irrational-looking so that different
 * expressions rarely agree on all of them.
 */
const SAMPLE_POINTS = [0.7311, 1.3571, 2.1033, -0.4219, 0.3889, 1.9137];
/** Largest literal exponent evaluated: `9^{9^{9}}` would keep the exact arithmetic busy for minutes. */
export const MAX_EXPONENT = 10_000;
/** Largest literal factorial or binomial argument evaluated (170! is already past a double). */
export const MAX_FACTORIAL = 1_000;
/** Fewest sample points where both sides must be finite before two expressions count as equal. */
const MIN_AGREEING_POINTS = 3;

/** Why the grader decided what it did, for the results file. */
export type GradeMethod = "string" | "choice" | "text" | "numeric" | "symbolic" | "equation" | "structure" | "none";

export interface Grade {
    correct: boolean;
    /** The predicted answer after normalization. */
    normalized: string;
}

function closeTo(a: number, b: number): boolean {
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
    return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) + ABSOLUTE_TOLERANCE;
}

/**
 * A left side that only names what the right side is: one variable (`x`), a command (`\theta`),
 * or a function applied to its variables or numbers (`p(x)`, `f(2)`, `g_1(a,b)`, `f^{-1}(x)`).
 */
const NAMING_LHS = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:(?:_\{?\w+\}?|\^\{-1\})*\((?:[a-zA-Z]|-?\d+)(?:,(?:[a-zA-Z]|-?\d+))*\))?$/;

/** `x = 5` or `p(x) = x^3+1` (a naming left side) as its right side; other strings unchanged. */
function assignedValue(s: string): string | undefined {
    const sides = splitTopLevel(s, "=");
    if (sides.length !== 2) return undefined;
    const [lhs = "", rhs = ""] = sides;
    return NAMING_LHS.test(lhs.replace(/\s+/g, "")) && rhs.trim() !== "" ? rhs.trim() : undefined;
}

function isEquation(s: string): boolean {
    return splitTopLevel(s, "=").length === 2 && !/[<>]|\\[lg]eq?(?![a-zA-Z])/.test(s);
}

/** A word answer ("Evelyn", "east", "ellipse") compares as text, never as a product of letters. */
function isWord(s: string): boolean {
    return /^[a-zA-Z]{3,}(?: [a-zA-Z]+)*$/.test(s);
}

/**
 * Decides whether a predicted final answer equals the reference the way math graders do: string
 * rules first (normalizeAnswer), then structure (tuples and intervals in order, sets and solution
 * lists in any order, matrices, unions), then each value as math through the Compute Engine LaTeX
 * parser: numerically when constant, at fixed sample points when symbolic, up to a nonzero factor
 * for equations. Create one with `AnswerGrader.create()`, which loads the math library once.
 */
export class AnswerGrader {
    private constructor(private readonly ce: ComputeEngine) {}

    /** Loads the LaTeX/math library (about a quarter second, so only when grading is needed). */
    static async create(): Promise<AnswerGrader> {
        const {ComputeEngine: Engine} = await import("@cortex-js/compute-engine");
        return new AnswerGrader(new Engine());
    }

    /** Grades `predicted` (as extracted from a completion) against the dataset's `reference`. */
    grade(predicted: string, reference: string): Grade {
        const normalized = normalizeAnswer(predicted);
        return {correct: this.equivalentNormalized(normalized, normalizeAnswer(reference)), normalized};
    }

    /** Whether two raw answers are equivalent. Never throws. */
    equivalent(predicted: string, reference: string): boolean {
        return this.equivalentNormalized(normalizeAnswer(predicted), normalizeAnswer(reference));
    }

    private equivalentNormalized(a: string, b: string): boolean {
        if (a === "" || b === "") return false;
        if (a === b) return true;
        const letter = choiceLetter(b);
        if (letter !== undefined) return choiceLetter(a) === letter;
        if (a.length > MAX_GRADED_CHARS || b.length > MAX_GRADED_CHARS) return false;
        // "x = 5" against "5": compare values. Two equations compare as equations.
        if (!(isEquation(a) && isEquation(b))) {
            a = assignedValue(a) ?? a;
            b = assignedValue(b) ?? b;
            if (a === b) return true;
        }
        try {
            return this.partsEqual(splitAnswerParts(a), splitAnswerParts(b));
        } catch {
            return false; // the math library failed on odd input: not equal, never a crash
        }
    }

    private partsEqual(p: AnswerParts, q: AnswerParts): boolean {
        if (p.kind === "scalar" && q.kind === "scalar") return this.valueEqual(p.value, q.value);
        if (p.kind === "ordered" && q.kind === "ordered") {
            return p.open === q.open && p.close === q.close && this.listEqual(p.items, q.items);
        }
        if (p.kind === "matrix" && q.kind === "matrix") {
            return p.rows.length === q.rows.length && p.rows.every((row, i) => this.listEqual(row, q.rows[i] ?? []));
        }
        // A column or row vector written as a tuple: "(1, 2, 3)" for a pmatrix.
        if (p.kind === "matrix" && q.kind === "ordered") return q.open === "(" && q.close === ")" && this.listEqual(vectorOf(p), q.items);
        if (p.kind === "ordered" && q.kind === "matrix") return p.open === "(" && p.close === ")" && this.listEqual(p.items, vectorOf(q));
        if (p.kind === "unordered" && q.kind === "unordered") return this.multisetEqual(p.items, q.items, (x, y) => this.valueEqual(x, y));
        if (p.kind === "union" && q.kind === "union") {
            return this.multisetEqual(p.items, q.items, (x, y) => this.partsEqual(splitAnswerParts(x), splitAnswerParts(y)));
        }
        if (p.kind === "unordered" && q.kind === "scalar" && p.items.length === 1) return this.valueEqual(p.items[0] ?? "", q.value);
        if (p.kind === "scalar" && q.kind === "unordered" && q.items.length === 1) return this.valueEqual(p.value, q.items[0] ?? "");
        return false;
    }

    private listEqual(xs: string[], ys: string[]): boolean {
        return xs.length === ys.length && xs.every((x, i) => this.valueEqual(x, ys[i] ?? ""));
    }

    private multisetEqual(xs: string[], ys: string[], equal: (x: string, y: string) => boolean): boolean {
        if (xs.length !== ys.length) return false;
        const used = new Array<boolean>(ys.length).fill(false);
        return xs.every((x) => {
            const j = ys.findIndex((y, k) => !used[k] && equal(x, y));
            if (j < 0) return false;
            used[j] = true;
            return true;
        });
    }

    private valueEqual(x: string, y: string): boolean {
        x = x.trim();
        y = y.trim();
        if (x === y) return true;
        if (x === "" || y === "") return false;
        // Numbers in a base ("52_8", "4210_{5}") compare as written.
        if (x.includes("_") || y.includes("_")) return x.replace(/[{}]/g, "") === y.replace(/[{}]/g, "");
        if (isWord(x) || isWord(y)) return x.toLowerCase() === y.toLowerCase();
        if (isEquation(x) && isEquation(y)) return this.equationEqual(x, y);
        const e1 = this.ce.parse(x);
        const e2 = this.ce.parse(y);
        return e1 !== null && e2 !== null && this.mathEqual(e1, e2);
    }

    /** Two equations are the same when `lhs - rhs` of one is a nonzero multiple of the other's. */
    private equationEqual(x: string, y: string): boolean {
        const [l1 = "", r1 = ""] = splitTopLevel(x, "=");
        const [l2 = "", r2 = ""] = splitTopLevel(y, "=");
        const d1 = this.ce.parse(`(${l1})-(${r1})`);
        const d2 = this.ce.parse(`(${l2})-(${r2})`);
        if (d1 === null || d2 === null || !d1.isValid || !d2.isValid || !sameUnknowns(d1, d2)) return false;
        if (!isCheapToEvaluate(d1.json) || !isCheapToEvaluate(d2.json)) return false;
        let ratio: number | undefined;
        let agreeing = 0;
        for (let k = 0; k < SAMPLE_POINTS.length; k++) {
            const v1 = this.valueAt(d1, k);
            const v2 = this.valueAt(d2, k);
            if (v1 === undefined || v2 === undefined || !Number.isFinite(v1.re) || !Number.isFinite(v2.re)) continue;
            if (Math.abs(v2.re) < ABSOLUTE_TOLERANCE) {
                if (Math.abs(v1.re) >= ABSOLUTE_TOLERANCE) return false;
                agreeing++;
                continue;
            }
            const r = v1.re / v2.re;
            if (ratio === undefined) ratio = r;
            else if (!closeTo(r, ratio)) return false;
            agreeing++;
        }
        return agreeing >= MIN_AGREEING_POINTS && ratio !== 0;
    }

    private mathEqual(e1: Expression, e2: Expression): boolean {
        if (!e1.isValid || !e2.isValid) return false;
        if (e1.isSame(e2)) return true;
        if (!sameUnknowns(e1, e2)) return false;
        // Too costly to evaluate (`9^{9^{9}}`): equal only as the same tower once its small powers are folded.
        if (!isCheapToEvaluate(e1.json) || !isCheapToEvaluate(e2.json)) return jsonEqual(foldSmallPowers(e1.json), foldSmallPowers(e2.json));
        if (e1.unknowns.length === 0) {
            const exact = exactlyEqual(e1, e2);
            if (exact !== undefined) return exact;
        }
        const points = e1.unknowns.length === 0 ? 1 : SAMPLE_POINTS.length;
        let agreeing = 0;
        for (let k = 0; k < points; k++) {
            const v1 = this.valueAt(e1, k);
            const v2 = this.valueAt(e2, k);
            if (v1 === undefined || v2 === undefined) return false;
            if (Number.isNaN(v1.re) && Number.isNaN(v2.re) && points > 1) continue; // outside the domain of both
            if (!closeTo(v1.re, v2.re) || !closeTo(v1.im, v2.im)) return false;
            agreeing++;
        }
        return agreeing >= Math.min(points, MIN_AGREEING_POINTS);
    }

    /** Numeric value of `e` with its unknowns set to the `k`th sample point. */
    private valueAt(e: Expression, k: number): {re: number, im: number} | undefined {
        const unknowns = [...e.unknowns].sort();
        const substitution: Record<string, number> = {};
        unknowns.forEach((name, i) => {
            substitution[name] = SAMPLE_POINTS[(k + i * 2) % SAMPLE_POINTS.length] ?? 0;
        });
        const value = (unknowns.length === 0 ? e : e.subs(substitution)).N();
        if (value.unknowns.length > 0) return undefined;
        return {re: value.re, im: value.im};
    }
}

/**
 * Exact verdict for two constants when one of them is an exact integer and the other is exact too
 * (an integer, a fraction, or a decimal as written): the relative tolerance would let
 * `11111111101` equal `11,111,111,100`, and an integer answer is right only when it is that
 * integer. Undefined when the tolerance must decide (irrational values, floating-point results).
 */
function exactlyEqual(e1: Expression, e2: Expression): boolean | undefined {
    const v1 = e1.evaluate();
    const v2 = e2.evaluate();
    const exact = (e: Expression, v: Expression): boolean => v.isRational === true || isNumberLiteral(e.json);
    if (!(v1.isInteger === true && exact(e2, v2)) && !(v2.isInteger === true && exact(e1, v1))) return undefined;
    return v1.isSame(v2);
}

function isNumberLiteral(node: unknown): boolean {
    return typeof node === "number" || (typeof node === "object" && node !== null && !Array.isArray(node) && "num" in node);
}

function numericLiteral(node: unknown): number | undefined {
    if (typeof node === "number") return node;
    if (typeof node === "string" && /^-?\d+(?:\.\d+)?$/.test(node)) return Number(node);
    if (typeof node === "object" && node !== null && "num" in node) return Number((node as {num: unknown}).num);
    return undefined;
}

const TOWER_HEADS = new Set(["Power", "Factorial", "Factorial2", "Exp", "Binomial"]);
const CONSTANTS = new Set(["Pi", "ExponentialE", "ImaginaryUnit", "PositiveInfinity", "NegativeInfinity", "ComplexInfinity", "NaN"]);

function hasHead(node: unknown, heads: ReadonlySet<string>): boolean {
    return Array.isArray(node) && (heads.has(String(node[0])) || node.slice(1).some((a) => hasHead(a, heads)));
}

function hasUnknown(node: unknown): boolean {
    if (typeof node === "string") return /^[A-Za-z]/.test(node) && !CONSTANTS.has(node);
    return Array.isArray(node) && node.slice(1).some(hasUnknown);
}

/**
 * Whether evaluating this MathJSON stays cheap. The math library computes powers and factorials
 * exactly, so a model's `9^{9^{9}}` or `99999!` would stall the grader; such answers are only
 * compared structurally.
 */
export function isCheapToEvaluate(node: unknown, depth = 0): boolean {
    if (depth > 64) return false;
    if (!Array.isArray(node)) return true;
    const [head, ...args] = node as unknown[];
    if (head === "Power" || head === "Root") {
        const exponent = numericLiteral(args[1]);
        if (exponent !== undefined && Math.abs(exponent) > MAX_EXPONENT) return false;
        // A constant tower (2^{3^{4^5}}) grows past any bound; towers in unknowns are evaluated at small points.
        if (exponent === undefined && hasHead(args[1], TOWER_HEADS) && !hasUnknown(args[1])) return false;
    }
    if (head === "Factorial" || head === "Factorial2" || head === "Binomial" || head === "Choose") {
        if (args.some((a) => Math.abs(numericLiteral(a) ?? 0) > MAX_FACTORIAL)) return false;
    }
    return args.every((a) => isCheapToEvaluate(a, depth + 1));
}

/**
 * MathJSON with every integer power whose value is an exact double (`9^9` → 387420489) replaced
 * by that value, so `9^{9^{9}}` and `9^{387420489}` are the same tree. Never evaluates a tower.
 */
export function foldSmallPowers(node: unknown, depth = 0): unknown {
    if (!Array.isArray(node) || depth > 64) return node;
    const folded = node.map((a: unknown, i) => (i === 0 ? a : foldSmallPowers(a, depth + 1)));
    const [head, base, exponent] = folded as [unknown, unknown, unknown];
    if (head !== "Power" || folded.length !== 3 || !Number.isInteger(base) || !Number.isInteger(exponent)) return folded;
    const value = (base as number) ** (exponent as number);
    return (exponent as number) >= 0 && Number.isSafeInteger(value) ? value : folded;
}

function jsonEqual(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

function sameUnknowns(e1: Expression, e2: Expression): boolean {
    const u1 = [...e1.unknowns].sort();
    const u2 = [...e2.unknowns].sort();
    return u1.length === u2.length && u1.every((u, i) => u === u2[i]);
}

function vectorOf(m: {rows: string[][]}): string[] {
    if (m.rows.length === 1) return m.rows[0] ?? [];
    return m.rows.every((row) => row.length === 1) ? m.rows.map((row) => row[0] ?? "") : [];
}
