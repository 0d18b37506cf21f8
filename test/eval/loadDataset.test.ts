import assert from "node:assert/strict";
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {DatasetError} from "../../src/eval/errors/DatasetError.js";
import {loadDataset, parseDataset} from "../../src/eval/loadDataset.js";
import {sharedPath, skipWithoutShared} from "../helpers/shared.js";

let dir: string;
before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-eval-data-"));
});
after(async () => {
    await rm(dir, {recursive: true, force: true});
});

describe("loadDataset", () => {
    test("reads MATH-500 with subjects and levels", {skip: skipWithoutShared("eval/math500_test.jsonl")}, async () => {
        const data = await loadDataset(sharedPath("eval/math500_test.jsonl"));
        assert.equal(data.problems.length, 500);
        assert.equal(data.benchmark, "math500");
        assert.match(data.sha256, /^[0-9a-f]{64}$/);
        assert.equal(new Set(data.problems.map((p) => p.subject)).size, 7);
        assert.ok(data.problems.every((p) => p.level !== undefined && p.level >= 1 && p.level <= 5));
        assert.equal(data.problems[0]?.id, "test/precalculus/807.json");
    });

    test("filters by subject (any case), level and limit", {skip: skipWithoutShared("eval/math500_test.jsonl")}, async () => {
        const data = await loadDataset(sharedPath("eval/math500_test.jsonl"), {subjects: ["number theory", "Geometry"], levels: [5], limit: 7});
        assert.equal(data.problems.length, 7);
        assert.ok(data.problems.every((p) => (p.subject === "Number Theory" || p.subject === "Geometry") && p.level === 5));
    });

    test("reads AIME 2024 and keeps answers as written", {skip: skipWithoutShared("eval/aime24_test.jsonl")}, async () => {
        const data = await loadDataset(sharedPath("eval/aime24_test.jsonl"));
        assert.equal(data.problems.length, 30);
        assert.equal(data.benchmark, "aime2024");
        assert.ok(data.problems.some((p) => p.answer === "025"));
        assert.ok(data.problems.every((p) => p.subject === undefined));
    });

    test("names the line of a bad row", () => {
        assert.throws(() => parseDataset('{"problem":"a","answer":"1"}\n{"problem":"b"}\n', "x.jsonl"),
            (e: unknown) => e instanceof DatasetError && e.line === 2 && /answer/.test(e.message));
        assert.throws(() => parseDataset("{oops\n", "x.jsonl"), (e: unknown) => e instanceof DatasetError && e.line === 1);
        assert.throws(() => parseDataset("\n\n", "x.jsonl"), /no problems/);
    });

    test("accepts numeric answers and ids", () => {
        const problems = parseDataset('{"id":7,"problem":"p","answer":25}\n', "x.jsonl");
        assert.deepEqual(problems, [{id: "7", problem: "p", answer: "25"}]);
    });

    test("a missing file or a filter that keeps nothing is one clear error", async () => {
        await assert.rejects(loadDataset(path.join(dir, "nope.jsonl")), (e: unknown) => e instanceof DatasetError && /no such file/.test(e.message));
        const file = path.join(dir, "one.jsonl");
        await writeFile(file, '{"problem":"p","answer":"1","subject":"Algebra","level":2}\n');
        await assert.rejects(loadDataset(file, {levels: [5]}), /matches/);
    });
});
