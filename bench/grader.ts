// Times the answer grader the way RESULTS.md reports it: loading the math library once
// (`AnswerGrader.create()`), then grading MATH-500's boxed solution answers against their `answer`
// fields (mostly string-equal after normalization) and pairs of *different* answers (the full
// path: structure, LaTeX parse, numeric or sample-point evaluation). Prints one JSON line, with the
// installed @cortex-js/compute-engine version, so two installs can be run alternately and compared.
//
//   node --import tsx bench/grader.ts [path/to/math500_test.jsonl]
import {readFileSync} from "node:fs";
import {AnswerGrader} from "../src/eval/AnswerGrader.js";
import {lastBoxed} from "../src/eval/extractAnswer.js";
import {sharedPath} from "../test/helpers/shared.js";

const file = process.argv[2] ?? sharedPath("eval/math500_test.jsonl");
const rows = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as {answer: string | number, solution: string});
const answers = rows.map((r) => String(r.answer));
// The package's exports hide its package.json; read it where Node would find the package from here.
const version = (JSON.parse(readFileSync(new URL("../node_modules/@cortex-js/compute-engine/package.json", import.meta.url), "utf8")) as {version: string}).version;

let t = performance.now();
const grader = await AnswerGrader.create();
const createMs = performance.now() - t;

t = performance.now();
let boxedEqual = 0;
for (const r of rows) {
    const boxed = lastBoxed(r.solution);
    if (boxed !== undefined && grader.equivalent(boxed, String(r.answer))) boxedEqual++;
}
const boxedMs = performance.now() - t;

t = performance.now();
let differentEqual = 0;
const pairs = 300;
for (let i = 0; i < pairs; i++) if (grader.equivalent(answers[i % answers.length]!, answers[(i * 37 + 1) % answers.length]!)) differentEqual++;
const differentMs = performance.now() - t;

console.log(JSON.stringify({computeEngine: version, createMs: Math.round(createMs), boxed: {pairs: rows.length, equal: boxedEqual, ms: Math.round(boxedMs)},
    different: {pairs, equal: differentEqual, ms: Math.round(differentMs)}}));
