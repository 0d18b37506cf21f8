import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {formatR1Prompt, isR1Template} from "../../src/engine/formatR1Prompt.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

const BOS = "<｜begin▁of▁sentence｜>";

test("one user turn: the reply starts inside <think>\\n, as R1's template renders it", () => {
    assert.equal(formatR1Prompt([{role: "user", content: "What is 2+2?"}]), `${BOS}<｜User｜>What is 2+2?<｜Assistant｜><think>\n`);
});

test("a system prompt is folded into the first user turn (DeepSeek: no system prompt)", () => {
    assert.equal(
        formatR1Prompt([{role: "system", content: "Be brief."}, {role: "user", content: "Hi"}]),
        `${BOS}<｜User｜>Be brief.\n\nHi<｜Assistant｜><think>\n`
    );
});

test("earlier turns are sent without their reasoning", () => {
    const prompt = formatR1Prompt([
        {role: "user", content: "A"},
        {role: "assistant", content: "B", reasoning: "secret thoughts"},
        {role: "assistant", content: "<think>\nold</think>\n\nC"},
        {role: "user", content: "D"}
    ]);
    assert.equal(prompt, `${BOS}<｜User｜>A<｜Assistant｜>B<｜end▁of▁sentence｜><｜Assistant｜>\n\nC<｜end▁of▁sentence｜><｜User｜>D<｜Assistant｜><think>\n`);
    assert.doesNotMatch(prompt, /secret|old/);
});

test("think: false closes an empty thought so the model answers at once", () => {
    assert.equal(formatR1Prompt([{role: "user", content: "Hi"}], {think: false}), `${BOS}<｜User｜>Hi<｜Assistant｜><think>\n\n</think>\n\n`);
});

test("R1's real chat template is recognised and ends its generation prompt the same way", {skip: skipWithoutShared("templates/deepseek-r1-distill.jinja")}, () => {
    const template = readFileSync(sharedPath("templates/deepseek-r1-distill.jinja"), "utf8");
    assert.equal(isR1Template(template), true);
    assert.match(template, /\{\{'<｜Assistant｜><think>\\n'\}\}/);
    assert.equal(isR1Template("{{ '<|im_start|>' + message.content }}"), false);
    assert.equal(isR1Template(undefined), false);
});
