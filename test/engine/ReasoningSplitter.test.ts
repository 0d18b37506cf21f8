import {test} from "node:test";
import assert from "node:assert/strict";
import {ReasoningSplitter, type SplitPiece} from "../../src/engine/ReasoningSplitter.js";
import {StopMatcher} from "../../src/engine/StopMatcher.js";

function split(chunks: string[], startInReasoning: boolean): {reasoning: string, answer: string, order: string[]} {
    const splitter = new ReasoningSplitter({startInReasoning});
    const pieces: SplitPiece[] = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.flush()];
    return {
        reasoning: pieces.filter((p) => p.type === "reasoning").map((p) => p.text).join(""),
        answer: pieces.filter((p) => p.type === "answer").map((p) => p.text).join(""),
        order: pieces.map((p) => p.type)
    };
}

/** Every way of cutting `text` into two chunks, plus one character at a time. */
function chunkings(text: string): string[][] {
    const cuts = [...text].map((_, i) => [text.slice(0, i), text.slice(i)]);
    return [...cuts, [...text]];
}

test("the template opened <think>: the model only closes it, at any chunk boundary", () => {
    for (const chunks of chunkings("Let me see: 2+2=4.\n</think>\n\nThe answer is 4.")) {
        const result = split(chunks, true);
        assert.equal(result.reasoning, "Let me see: 2+2=4.\n");
        assert.equal(result.answer, "The answer is 4.");
        assert.ok(result.order.lastIndexOf("reasoning") < result.order.indexOf("answer"), "all reasoning comes before the answer");
    }
});

test("the model opens <think> itself (after leading whitespace)", () => {
    for (const chunks of chunkings("\n<think>hmm</think>Yes.")) {
        const result = split(chunks, false);
        assert.equal(result.reasoning, "hmm");
        assert.equal(result.answer, "Yes.");
    }
});

test("no <think> at all: everything is the answer, and a lone '<' is not swallowed", () => {
    assert.deepEqual(split(["Hello ", "world"], false), {reasoning: "", answer: "Hello world", order: ["answer", "answer"]});
    assert.equal(split(["<", "b>bold"], false).answer, "<b>bold");
    assert.equal(split(["<thi"], false).answer, "<thi");
});

test("a thought that never closes stays reasoning, including a partial tag at the end", () => {
    const result = split(["thinking </thi"], true);
    assert.equal(result.reasoning, "thinking </thi");
    assert.equal(result.answer, "");
});

test("stop strings end the answer and are never partly shown", () => {
    const stops = new StopMatcher(["STOP", "\n\n"]);
    let shown = "";
    for (const chunk of ["one S", "T", "two ST", "OP three"]) shown += stops.push(chunk);
    shown += stops.flush();
    assert.equal(shown, "one STtwo ");
    assert.equal(stops.hasStopped, true);
    const none = new StopMatcher([]);
    assert.equal(none.push("a\n\n"), "a\n\n");
});
