import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {before, describe, test} from "node:test";
import {AnswerGrader} from "../../src/eval/AnswerGrader.js";
import {lastBoxed} from "../../src/eval/extractAnswer.js";
import {normalizeAnswer} from "../../src/eval/normalizeAnswer.js";
import {splitAnswerParts} from "../../src/eval/splitAnswerParts.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {GRADER_CASES} from "./graderCases.js";

let grader: AnswerGrader;
before(async () => {
    grader = await AnswerGrader.create();
});

describe("AnswerGrader table", {timeout: 120_000}, () => {
    test("has at least 150 cases, both verdicts well represented", () => {
        assert.ok(GRADER_CASES.length >= 150, `${GRADER_CASES.length} cases`);
        assert.ok(GRADER_CASES.filter((c) => !c[2]).length >= 50);
    });
    for (const [predicted, reference, expected] of GRADER_CASES) {
        test(`${JSON.stringify(predicted)} ${expected ? "≡" : "≢"} ${JSON.stringify(reference)}`, () => {
            assert.equal(grader.equivalent(predicted, reference), expected,
                `normalized ${JSON.stringify(normalizeAnswer(predicted))} vs ${JSON.stringify(normalizeAnswer(reference))}`);
        });
    }
});

describe("AnswerGrader on the data sets", () => {
    for (const file of ["eval/math500_test.jsonl", "eval/aime24_test.jsonl"]) {
        test(`every reference of ${file} equals itself, and the boxed answer of its solution`, {skip: skipWithoutShared(file)}, () => {
            const rows = readFileSync(sharedPath(file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as {answer: string | number, solution: string});
            const mismatched = rows.filter((r) => {
                const boxed = lastBoxed(r.solution);
                return boxed !== undefined && !grader.equivalent(boxed, String(r.answer));
            });
            assert.deepEqual(mismatched.map((r) => r.answer), []);
            assert.ok(rows.every((r) => grader.equivalent(String(r.answer), String(r.answer))));
        });
    }

    test("a wrong answer of the same form is rejected for every MATH-500 problem with a numeric answer", {skip: skipWithoutShared("eval/math500_test.jsonl")}, () => {
        const rows = readFileSync(sharedPath("eval/math500_test.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as {answer: string});
        const numeric = rows.filter((r) => /^-?\d+$/.test(r.answer));
        assert.ok(numeric.length > 200);
        for (const r of numeric) assert.equal(grader.equivalent(String(Number(r.answer) + 1), r.answer), false, r.answer);
    });
});

describe("normalizeAnswer", () => {
    test("applies the string rules", () => {
        assert.equal(normalizeAnswer("\\left( 3, \\dfrac{\\pi}{2} \\right)"), "(3,\\frac{\\pi}{2})");
        assert.equal(normalizeAnswer("025"), "25");
        assert.equal(normalizeAnswer(".5"), "0.5");
        assert.equal(normalizeAnswer("10,\\!080"), "10080");
        assert.equal(normalizeAnswer("10{,}080"), "10080");
        assert.equal(normalizeAnswer("\\dfrac92"), "\\frac{9}{2}");
        assert.equal(normalizeAnswer("\\frac{270}7"), "\\frac{270}{7}");
        assert.equal(normalizeAnswer("\\frac{\\sqrt{3}}{2}"), "\\frac{\\sqrt{3}}{2}");
        assert.equal(normalizeAnswer("\\text{(C)}"), "(C)");
        assert.equal(normalizeAnswer("\\cot x"), "\\cot x");
        assert.equal(normalizeAnswer("90^\\circ"), "90");
        assert.equal(normalizeAnswer("864 \\mbox{ inches}^2"), "864");
    });

    test("keeps a lone unit word that is the whole answer", () => {
        assert.equal(normalizeAnswer("\\text{east}"), "east");
    });
});

describe("splitAnswerParts", () => {
    test("tells tuples, intervals, sets, lists and products apart", () => {
        assert.deepEqual(splitAnswerParts("(3,4]"), {kind: "ordered", open: "(", close: "]", items: ["3", "4"]});
        assert.deepEqual(splitAnswerParts("\\{1,2\\}"), {kind: "unordered", items: ["1", "2"]});
        assert.deepEqual(splitAnswerParts("1,-2"), {kind: "unordered", items: ["1", "-2"]});
        assert.deepEqual(splitAnswerParts("(a+5)(b+2)"), {kind: "scalar", value: "(a+5)(b+2)"});
        assert.deepEqual(splitAnswerParts("1\\pm\\sqrt{5}"), {kind: "unordered", items: ["1+\\sqrt{5}", "1-\\sqrt{5}"]});
        assert.equal(splitAnswerParts("(0,9)\\cup(9,36)").kind, "union");
        assert.equal(splitAnswerParts("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}").kind, "matrix");
    });
});
