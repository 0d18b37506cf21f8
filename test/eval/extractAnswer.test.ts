import assert from "node:assert/strict";
import {describe, test} from "node:test";
import {extractAnswer, lastBoxed, MAX_ANSWER_CHARS} from "../../src/eval/extractAnswer.js";
import {splitThink} from "../../src/eval/splitThink.js";

describe("lastBoxed", () => {
    test("takes the last box, with nested braces", () => {
        assert.equal(lastBoxed("first \\boxed{1} then \\boxed{\\frac{1}{\\sqrt{2}}}."), "\\frac{1}{\\sqrt{2}}");
    });
    test("treats escaped braces as text", () => {
        assert.equal(lastBoxed("$\\boxed{\\{1,2\\}}$"), "\\{1,2\\}");
    });
    test("reads \\boxed 5 and \\fbox{}", () => {
        assert.equal(lastBoxed("so $\\boxed 5$."), "5");
        assert.equal(lastBoxed("\\fbox{7}"), "7");
    });
    test("returns undefined for a box that never closes or no box", () => {
        assert.equal(lastBoxed("\\boxed{\\frac{1}{2}"), undefined);
        assert.equal(lastBoxed("no box here"), undefined);
    });
    test("caps a runaway box", () => {
        assert.equal(lastBoxed(`\\boxed{${"1".repeat(5000)}}`)?.length, MAX_ANSWER_CHARS);
    });
});

describe("extractAnswer", () => {
    test("prefers the answer part's box", () => {
        assert.deepEqual(extractAnswer({reasoning: "\\boxed{3}", answer: "So \\boxed{4}."}), {answer: "4", source: "boxed"});
    });
    test("falls back to the reasoning's box when the answer was cut off", () => {
        assert.deepEqual(extractAnswer({reasoning: "maybe \\boxed{3}", answer: ""}), {answer: "3", source: "reasoning-boxed"});
    });
    test("falls back to 'the answer is'", () => {
        assert.deepEqual(extractAnswer({answer: "Thus the answer is $\\frac{1}{2}$.\nThanks"}), {answer: "\\frac{1}{2}", source: "answer-is"});
        assert.deepEqual(extractAnswer({answer: "Answer: 12\nFinal answer: 13"}), {answer: "13", source: "answer-is"});
    });
    test("then to the last number, then to none", () => {
        assert.deepEqual(extractAnswer({answer: "we get 3 and then 17 apples"}), {answer: "17", source: "last-number"});
        assert.deepEqual(extractAnswer({answer: "I cannot solve this"}), {answer: "", source: "none"});
    });
});

describe("splitThink", () => {
    test("splits <think>…</think> from the answer", () => {
        assert.deepEqual(splitThink("<think>hmm</think>\n\nIt is \\boxed{2}."), {reasoning: "hmm", answer: "It is \\boxed{2}."});
    });
    test("treats text before a lone </think> as reasoning (template opened the block)", () => {
        assert.deepEqual(splitThink("hmm, so 2</think>Answer: 2"), {reasoning: "hmm, so 2", answer: "Answer: 2"});
    });
    test("an unclosed <think> is all reasoning", () => {
        assert.deepEqual(splitThink("<think>still going"), {reasoning: "still going", answer: ""});
    });
    test("plain content is all answer", () => {
        assert.deepEqual(splitThink(" 42 "), {reasoning: "", answer: "42"});
    });
});
