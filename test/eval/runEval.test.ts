import assert from "node:assert/strict";
import {readFile, mkdtemp, rm, writeFile, appendFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {AnswerGrader} from "../../src/eval/AnswerGrader.js";
import {EndpointError} from "../../src/eval/errors/EndpointError.js";
import {ResultsFileError} from "../../src/eval/errors/ResultsFileError.js";
import type {EvalDataset} from "../../src/eval/EvalProblem.js";
import {loadDataset} from "../../src/eval/loadDataset.js";
import {PROMPT_SUFFIX, runEval, runEvalIter, type EvalEvent} from "../../src/eval/runEvalIter.js";
import type {EvalReport} from "../../src/eval/summarizeResults.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {startScriptedEndpoint, type Script, type ScriptedReply} from "./scriptedEndpoint.js";

let dir: string;
let grader: AnswerGrader;
let counter = 0;
before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-eval-run-"));
    grader = await AnswerGrader.create();
});
after(async () => {
    await rm(dir, {recursive: true, force: true});
});

function resultsPath(): string {
    return path.join(dir, `results-${++counter}.jsonl`);
}

/** Ten MATH-style problems, each answered in a different way whose verdict is known. */
const MIXED: {id: string, subject: string, level: number, answer: string, reply: (call: number) => ScriptedReply, correct: boolean}[] = [
    {id: "a", subject: "Algebra", level: 1, answer: "\\frac{14}{3}", correct: true,
        reply: () => ({kind: "stream", reasoning: "Add them up: 14/3.", answer: "The answer is $\\boxed{\\dfrac{14}{3}}$.", usage: true})},
    {id: "b", subject: "Algebra", level: 2, answer: "(3,4]", correct: true,
        reply: () => ({kind: "stream", reasoning: "Ollama-style field.", answer: "\\boxed{(3, 4]}", field: "reasoning"})},
    {id: "c", subject: "Algebra", level: 3, answer: "025", correct: true,
        reply: () => ({kind: "stream", reasoning: "Inline think, and a decoy \\boxed{7}.", answer: "\\boxed{25}", field: "think"})},
    {id: "d", subject: "Geometry", level: 1, answer: "90^\\circ", correct: false,
        reply: () => ({kind: "stream", reasoning: "Hmm.", answer: "\\boxed{45^\\circ}"})},
    {id: "e", subject: "Geometry", level: 2, answer: "12", correct: false,
        reply: () => ({kind: "stream", reasoning: "", answer: ""})},
    {id: "f", subject: "Geometry", level: 3, answer: "5", correct: false,
        reply: () => ({kind: "malformed"})},
    {id: "g", subject: "Number Theory", level: 1, answer: "7", correct: true,
        reply: (call) => (call === 0 ? {kind: "status", status: 503} : {kind: "stream", reasoning: "Retry worked.", answer: "\\boxed{7}"})},
    {id: "h", subject: "Number Theory", level: 2, answer: "9", correct: false,
        reply: () => ({kind: "drop"})},
    {id: "i", subject: "Number Theory", level: 3, answer: "\\text{(C)}", correct: true,
        reply: () => ({kind: "json", reasoning: "Plain JSON server.", answer: "\\boxed{C}"})},
    {id: "j", subject: "Prealgebra", level: 1, answer: "x=5", correct: true,
        reply: () => ({kind: "stream", reasoning: "No box this time.", answer: "So the final answer is 5."})}
];

async function mixedDataset(): Promise<EvalDataset> {
    const file = path.join(dir, "mixed.jsonl");
    await writeFile(file, MIXED.map((m) => JSON.stringify({problem: `Problem ${m.id}?`, answer: m.answer, subject: m.subject, level: m.level, unique_id: m.id})).join("\n"));
    return loadDataset(file);
}

const mixedScript: Script = (problem, call) => {
    const id = /^Problem (\w)\?$/.exec(problem)?.[1];
    const entry = MIXED.find((m) => m.id === id);
    if (entry === undefined) return {kind: "status", status: 400};
    return entry.reply(call);
};

async function drain(iterator: AsyncGenerator<EvalEvent, EvalReport>, onEvent?: (e: EvalEvent) => void): Promise<{report: EvalReport, events: EvalEvent[]}> {
    const events: EvalEvent[] = [];
    for (;;) {
        const step = await iterator.next();
        if (step.done === true) return {report: step.value, events};
        events.push(step.value);
        onEvent?.(step.value);
    }
}

describe("runEval against a scripted endpoint", () => {
    test("scores a mixed run exactly, with the protocol's request and every reply form", async () => {
        const endpoint = await startScriptedEndpoint(mixedScript);
        try {
            const dataset = await mixedDataset();
            const results = resultsPath();
            const {report, events} = await drain(runEvalIter({
                dataset, endpoint: endpoint.url, model: "scripted", resultsPath: results, parallel: 3, grader, retries: 1, retryDelayMs: 1
            }));
            const expected = MIXED.filter((m) => m.correct).length;
            assert.equal(report.correct, expected);
            assert.equal(report.passAt1, (100 * expected) / MIXED.length);
            assert.equal(report.samples, 10);
            assert.equal(report.failed, 2); // malformed and dropped, after their retry
            assert.equal(report.noAnswer, 1); // the empty reply
            assert.deepEqual(report.bySubject.map((s) => [s.name, s.problems, s.passAt1]), [
                ["Algebra", 3, 100], ["Geometry", 3, 0], ["Number Theory", 3, 200 / 3], ["Prealgebra", 1, 100]
            ]);
            assert.deepEqual(report.byLevel.map((s) => [s.name, s.problems]), [["Level 1", 4], ["Level 2", 3], ["Level 3", 3]]);
            assert.ok(events.some((e) => e.type === "retry" && e.problemId === "g"));

            const request = endpoint.requests[0];
            assert.equal(request?.messages?.length, 1, "no system prompt");
            assert.equal(request?.messages?.[0]?.role, "user");
            assert.ok(request?.messages?.[0]?.content.endsWith(`\n${PROMPT_SUFFIX}`));
            assert.equal(request?.temperature, 0.6);
            assert.equal(request?.top_p, 0.95);
            assert.equal(request?.max_tokens, 32768);
            assert.equal(request?.stream, true);

            const lines = (await readFile(results, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
            assert.equal(lines[0]?.type, "run");
            assert.equal(lines.length, 11);
            const byId = new Map(lines.slice(1).map((l) => [l.problemId, l]));
            assert.deepEqual(byId.get("a")?.tokens, {completion: 15, reasoning: 5, answer: 10, estimated: false});
            assert.equal(byId.get("c")?.predicted, "25", "the box inside <think> is not the answer");
            assert.equal(byId.get("j")?.source, "answer-is");
            assert.match(String(byId.get("f")?.error), /malformed/);
        } finally {
            await endpoint.close();
        }
    });

    test("pass@1 with k samples is the mean share of correct samples", async () => {
        // Problem "a": right, wrong, right, right (75%); "b": always wrong (0%); "c": always right.
        const script: Script = (problem, call) => {
            const right = problem.includes(" a?") ? call !== 1 : problem.includes(" c?");
            return {kind: "stream", reasoning: "r", answer: right ? "\\boxed{1}" : "\\boxed{2}"};
        };
        const endpoint = await startScriptedEndpoint(script);
        try {
            const file = path.join(dir, "k.jsonl");
            await writeFile(file, ["a", "b", "c"].map((id) => JSON.stringify({problem: `Problem ${id}?`, answer: "1", unique_id: id})).join("\n"));
            const report = await runEval({dataset: await loadDataset(file), endpoint: endpoint.url, model: "m", resultsPath: resultsPath(), samples: 4, parallel: 2, grader});
            assert.equal(report.samples, 12);
            assert.equal(report.correct, 7);
            assert.equal(report.passAt1, (75 + 0 + 100) / 3);
            assert.equal(report.problemsComplete, 3);
        } finally {
            await endpoint.close();
        }
    });

    test("keeps --parallel requests in flight, no more", async () => {
        const endpoint = await startScriptedEndpoint(() => ({kind: "stream", answer: "\\boxed{1}", delayMs: 40}));
        try {
            const file = path.join(dir, "p.jsonl");
            await writeFile(file, Array.from({length: 12}, (_, i) => JSON.stringify({problem: `Problem ${i}?`, answer: "1"})).join("\n"));
            const report = await runEval({dataset: await loadDataset(file), endpoint: endpoint.url, model: "m", resultsPath: resultsPath(), parallel: 4, grader});
            assert.equal(report.passAt1, 100);
            assert.ok(endpoint.maxInFlight <= 4 && endpoint.maxInFlight >= 2, `max in flight ${endpoint.maxInFlight}`);
        } finally {
            await endpoint.close();
        }
    });

    test("an interrupted run resumed gives the same report as an uninterrupted one", async () => {
        const script: Script = (problem, call) => {
            const id = /^Problem (\w)\?$/.exec(problem)?.[1];
            const entry = MIXED.find((m) => m.id === id);
            const base = entry?.reply(call) ?? {kind: "status", status: 400};
            // Slow enough that the run can be stopped with requests in flight.
            return base.kind === "stream" ? {...base, delayMs: 30} : base;
        };
        const dataset = await mixedDataset();
        const options = {dataset, model: "scripted", parallel: 2, samples: 2, grader, retries: 1, retryDelayMs: 1};

        const reference = await startScriptedEndpoint(script);
        let full: EvalReport;
        try {
            full = await runEval({...options, endpoint: reference.url, resultsPath: resultsPath()});
        } finally {
            await reference.close();
        }

        const endpoint = await startScriptedEndpoint(script);
        try {
            const results = resultsPath();
            const controller = new AbortController();
            const first = await drain(runEvalIter({...options, endpoint: endpoint.url, resultsPath: results, signal: controller.signal}), (e) => {
                if (e.type === "sample" && e.done === 5) controller.abort();
            });
            const done = first.events.find((e) => e.type === "done");
            assert.ok(done?.type === "done" && done.interrupted);
            assert.ok(first.report.samples >= 5 && first.report.samples < 20, `${first.report.samples} samples before the stop`);
            const saved = (await readFile(results, "utf8")).trim().split("\n").length - 1;
            assert.equal(saved, first.report.samples, "every graded sample was already on disk");
            // A crash mid-write leaves a torn line; resume must cope.
            await appendFile(results, '{"type":"sample","problemId":"a","sam');

            await assert.rejects(runEval({...options, endpoint: endpoint.url, resultsPath: results}),
                (e: unknown) => e instanceof ResultsFileError && /already exists/.test(e.message));
            await assert.rejects(runEval({...options, samples: 3, endpoint: endpoint.url, resultsPath: results, resume: true}),
                (e: unknown) => e instanceof ResultsFileError && /samples/.test(e.message));

            const {report, events} = await drain(runEvalIter({...options, endpoint: endpoint.url, resultsPath: results, resume: true}));
            const start = events[0];
            assert.ok(start?.type === "start" && start.resumed > 0);
            const strip = (r: EvalReport): unknown => ({...r, endpoint: "", secondsPerSample: 0, secondsToFirstText: 0});
            assert.deepEqual(strip(report), strip(full));
            assert.equal(report.samples, 20);
        } finally {
            await endpoint.close();
        }
    });

    test("stops with one clear error when the endpoint rejects the model or keeps failing", async () => {
        const dataset = await mixedDataset();
        const notFound = await startScriptedEndpoint(() => ({kind: "status", status: 404, body: "{\"error\":{\"message\":\"model not found\"}}"}));
        try {
            await assert.rejects(runEval({dataset, endpoint: notFound.url, model: "nope", resultsPath: resultsPath(), grader}),
                (e: unknown) => e instanceof EndpointError && e.status === 404 && /model not found/.test(e.message));
        } finally {
            await notFound.close();
        }
        const down = await startScriptedEndpoint(() => ({kind: "status", status: 503}));
        try {
            await assert.rejects(runEval({dataset, endpoint: down.url, model: "m", resultsPath: resultsPath(), grader, retries: 0, maxConsecutiveFailures: 3}),
                (e: unknown) => e instanceof EndpointError && /3 requests in a row failed/.test(e.message));
        } finally {
            await down.close();
        }
        await assert.rejects(runEval({dataset, endpoint: "http://127.0.0.1:9/v1", model: "m", resultsPath: resultsPath(), grader, retries: 0, maxConsecutiveFailures: 2}),
            (e: unknown) => e instanceof EndpointError && /cannot connect/.test(e.message));
    });

    test("AIME 2024: the reported score equals the known one, with the published score beside it", {skip: skipWithoutShared("eval/aime24_test.jsonl")}, async () => {
        const dataset = await loadDataset(sharedPath("eval/aime24_test.jsonl"));
        const answers = new Map(dataset.problems.map((p, i) => [p.problem.trim(), {answer: p.answer, right: i % 3 !== 0}]));
        const endpoint = await startScriptedEndpoint((problem) => {
            const entry = answers.get(problem.trim());
            const value = entry === undefined ? "0" : entry.right ? String(Number(entry.answer)) : String(Number(entry.answer) + 1);
            return {kind: "stream", reasoning: "Work.", answer: `Therefore $\\boxed{${value}}$.`};
        });
        try {
            const report = await runEval({dataset, endpoint: endpoint.url, model: "deepseek-r1:7b", resultsPath: resultsPath(), parallel: 4, grader});
            assert.equal(report.correct, 20);
            assert.equal(report.passAt1, 200 / 3);
            assert.equal(report.published?.variant, "DeepSeek-R1-Distill-Qwen-7B");
            assert.equal(report.published?.score, 55.5);
        } finally {
            await endpoint.close();
        }
    });
});
