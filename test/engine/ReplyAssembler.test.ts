import {test} from "node:test";
import assert from "node:assert/strict";
import {ReasoningSplitter, type SplitPiece} from "../../src/engine/ReasoningSplitter.js";
import {ReplyAssembler, type ReplyAssemblerOptions} from "../../src/engine/ReplyAssembler.js";
import type {GenerationEvent} from "../../src/engine/types.js";

/** A clock the test moves by hand. */
function clock(start: number) {
    let now = start;
    return {now: () => now, set: (t: number) => void (now = t)};
}

const joined = (events: GenerationEvent[], type: "reasoning" | "answer") =>
    events.filter((e) => e.type === type).map((e) => (e as {text: string}).text).join("");

/** Pushes `chunks` one token each and finishes; returns the streamed events and the result. */
function run(chunks: readonly string[], options: Omit<ReplyAssemblerOptions, "started">) {
    const reply = new ReplyAssembler({started: 0, ...options});
    const events: GenerationEvent[] = [];
    for (const chunk of chunks) {
        reply.tokens(1);
        events.push(...reply.push(chunk));
        if (reply.stopped) break;
    }
    events.push(...reply.finish());
    return {reply, events, result: reply.result({promptTokens: 7})};
}

/** Every way of cutting `text` into two chunks, plus one character at a time. */
function chunkings(text: string): string[][] {
    return [...[...text].map((_, i) => [text.slice(0, i), text.slice(i)]), [...text]];
}

test("reasoning split across chunks: streamed reasoning joins to the result's, whitespace at its ends never streamed", () => {
    for (const chunks of chunkings("\nTwo plus two.\n</think>\n\nFour.")) {
        const {events, result} = run(chunks, {split: {startInReasoning: true}});
        assert.equal(result.reasoning, "Two plus two.", JSON.stringify(chunks));
        assert.equal(joined(events, "reasoning"), result.reasoning, JSON.stringify(chunks));
        assert.equal(result.answer, "Four.");
        assert.equal(joined(events, "answer"), "Four.");
        const kinds = events.map((e) => e.type);
        assert.ok(kinds.lastIndexOf("reasoning") < kinds.indexOf("answer"), "reasoning first");
    }
    // Whitespace inside the thought is kept once text follows it.
    const {events} = run(["a ", " ", "b", "\n"], {split: {startInReasoning: true}});
    assert.deepEqual(events.map((e) => (e as {text: string}).text), ["a", "  b"]);
});

test("reasoning tokens are those counted while the thought is open", () => {
    const {result} = run(["x", "y", "</think>", "z"], {split: {startInReasoning: true}});
    assert.equal(result.usage.completionTokens, 4);
    assert.equal(result.usage.reasoningTokens, 3, "the token that closes the thought counts as reasoning, as in the engines");
    assert.equal(run(["plain"], {}).result.usage.reasoningTokens, 0);
});

test("stop strings across chunk boundaries: never partly shown, the one that matched is reported", () => {
    for (const chunks of chunkings("one two STOP three")) {
        const {events, result, reply} = run(chunks, {stop: ["STOP", "three"]});
        assert.equal(result.answer, "one two ", JSON.stringify(chunks));
        assert.equal(joined(events, "answer"), "one two ");
        assert.equal(reply.stopped, true);
        assert.equal(result.finishReason, "stop");
        assert.equal(result.stopSequence, "STOP");
    }
    // The stop string that starts first wins, whatever the order given.
    assert.equal(run(["a bc d"], {stop: ["c d", "bc"]}).result.stopSequence, "bc");
    // Stop strings apply to the answer, not the reasoning.
    const split = run(["STOP</think>", "ok STOP"], {split: {startInReasoning: true}, stop: ["STOP"]});
    assert.equal(split.result.reasoning, "STOP");
    assert.equal(split.result.answer, "ok ");
    // Text held back as a possible stop string is released at the end.
    const held = run(["an ST"], {stop: ["STOP"]});
    assert.equal(held.result.answer, "an ST");
    assert.equal(held.result.stopSequence, undefined);
});

test("finish reasons: stop by default; length and abort as the engine sets them; no stop string then", () => {
    assert.equal(run(["hi"], {}).result.finishReason, "stop");
    const reply = new ReplyAssembler({started: 0, stop: ["END"]});
    reply.tokens(1);
    const events = reply.push("cut E");
    reply.finishReason = "abort";
    // After an abort the engine does not call finish(): the held "E" is never shown.
    assert.deepEqual(events, [{type: "answer", text: "cut "}]);
    const result = reply.result({promptTokens: 1});
    assert.equal(result.finishReason, "abort");
    assert.equal(result.answer, "cut ");
    assert.equal(result.stopSequence, undefined);
    const stopped = new ReplyAssembler({started: 0, stop: ["x"]});
    stopped.push("ax");
    stopped.finishReason = "length";
    assert.equal(stopped.result({promptTokens: 1}).stopSequence, undefined, "a stop string is reported only with finishReason stop");
});

test("timings: prompt until the first token, generation from first to last, first answer; the engine's own clock wins", () => {
    const time = clock(100);
    const reply = new ReplyAssembler({started: 100, split: {startInReasoning: true}, now: time.now});
    assert.deepEqual(reply.echo(""), []);
    time.set(130);
    reply.tokens(1);
    reply.push("hmm");
    time.set(150);
    reply.tokens(1);
    reply.push("</think>");
    time.set(175);
    reply.tokens(1);
    reply.push("Yes");
    time.set(190);
    reply.finish();
    assert.deepEqual(reply.result({promptTokens: 3}).timings, {promptMs: 30, generationMs: 45, firstTokenMs: 30, firstAnswerMs: 75});
    assert.deepEqual(reply.result({promptTokens: 3, promptMs: 12, generationMs: 40}).timings, {promptMs: 12, generationMs: 40, firstTokenMs: 30, firstAnswerMs: 75});
    // No token at all (aborted at once): the clock at the end, never a negative generation time, no first answer.
    const empty = new ReplyAssembler({started: 100, now: time.now});
    assert.deepEqual(empty.result({promptTokens: 3}).timings, {promptMs: 90, generationMs: 0, firstTokenMs: 90});
});

test("echoed prompt, shown answers, diverted answers, server-split reasoning, engine facts", () => {
    const time = clock(0);
    const reply = new ReplyAssembler({started: 0, now: time.now, stop: ["!"]});
    time.set(5);
    assert.deepEqual(reply.echo("Once"), [{type: "answer", text: "Once"}]);
    time.set(9);
    reply.tokens(2);
    const json: string[] = [];
    assert.deepEqual(reply.push(" upon!", (text) => (json.push(text), [])), [], "a diverted answer skips the stop strings and shows nothing");
    assert.deepEqual(json, [" upon!"]);
    assert.deepEqual(reply.showAnswer(" a time!"), [{type: "answer", text: " a time!"}], "shown text skips the stop strings");
    assert.deepEqual(reply.pushReasoning("\nthought\n"), [{type: "reasoning", text: "thought"}]);
    const result = reply.result({promptTokens: 4, cachedPromptTokens: 2, completionTokens: 9, reasoningTokens: 1, answer: "replaced", toolCalls: [{id: "c", name: "f", arguments: "{}"}]});
    assert.equal(result.answer, "replaced");
    assert.equal(result.reasoning, "thought");
    assert.deepEqual(result.usage, {promptTokens: 4, completionTokens: 9, reasoningTokens: 1, cachedPromptTokens: 2});
    assert.equal(result.toolCalls.length, 1);
    assert.equal(result.timings.firstAnswerMs, 9, "the echo is not a generated answer");
});

test("a thought the prompt may have opened: reasoning unless the reply opens <think> itself", () => {
    const split = (chunks: string[]) => {
        const splitter = new ReasoningSplitter({startInReasoning: "unlessOpened"});
        const pieces: SplitPiece[] = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.flush()];
        const text = (type: SplitPiece["type"]) => pieces.filter((p) => p.type === type).map((p) => p.text).join("");
        return {reasoning: text("reasoning"), answer: text("answer")};
    };
    for (const chunks of [...chunkings("\n<think>hmm</think>Yes."), ...chunkings("hmm</think>Yes.")])
        assert.deepEqual(split(chunks), {reasoning: "hmm", answer: "Yes."}, JSON.stringify(chunks));
    // A reply that ends while it could still be the opening tag is shown as it came.
    assert.deepEqual(split([" <thi"]), {reasoning: "", answer: " <thi"});
});
