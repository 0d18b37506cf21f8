import assert from "node:assert/strict";
import {execFile} from "node:child_process";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {startScriptedEndpoint, type ScriptedEndpoint} from "./scriptedEndpoint.js";

// Spawns the built CLI (run `npx tsc -p tsconfig.json` first). Asynchronously: the scripted
// server lives in this process and must keep answering while the CLI runs.
function r1(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{status: number, stdout: string, stderr: string}> {
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(repoRoot, "bin/r1.js"), "eval", ...args], {encoding: "utf8", env: {...process.env, ...env}, timeout: 60_000},
            (error, stdout, stderr) => resolve({status: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr}));
    });
}

let dir: string;
let endpoint: ScriptedEndpoint;
const aime = "eval/aime24_test.jsonl";

before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-eval-cli-"));
    // Right on every problem whose reference is even, wrong on the odd ones.
    endpoint = await startScriptedEndpoint((problem) => {
        const answer = /ANSWER=(\d+)/.exec(problem)?.[1] ?? "0";
        const right = Number(answer) % 2 === 0;
        return {kind: "stream", reasoning: "Thinking.", answer: `\\boxed{${right ? answer : Number(answer) + 1}}`, usage: true};
    }, {models: ["deepseek-r1:14b"]});
});
after(async () => {
    await endpoint.close();
    await rm(dir, {recursive: true, force: true});
});

/** A small AIME-shaped data set whose problems carry their answers, so the script can cheat in known ways. */
async function smallDataset(): Promise<{file: string, expected: number}> {
    const file = path.join(dir, "aime24_small.jsonl");
    const answers = ["204", "113", "025", "809", "116", "073"];
    await writeFile(file, answers.map((a, i) => JSON.stringify({id: i, problem: `Find it. ANSWER=${a}`, answer: a})).join("\n"));
    return {file, expected: (100 * answers.filter((a) => Number(a) % 2 === 0).length) / answers.length};
}

describe("r1 eval", () => {
    test("prints the JSON report and writes Markdown and results", async () => {
        const {file, expected} = await smallDataset();
        const results = path.join(dir, "cli-results.jsonl");
        const markdown = path.join(dir, "report.md");
        const run = await r1(["--dataset", file, "--endpoint", endpoint.url, "--model", "deepseek-r1:14b", "-p", "2", "--json",
            "--results", results, "--markdown", markdown]);
        assert.equal(run.status, 0, run.stderr);
        const report = JSON.parse(run.stdout) as {passAt1: number, samples: number, published?: {score: number}};
        assert.equal(report.passAt1, expected);
        assert.equal(report.samples, 6);
        assert.equal(report.published?.score, 69.7);
        const md = await readFile(markdown, "utf8");
        assert.match(md, /AIME 2024 pass@1/);
        assert.ok(md.includes(`**${expected.toFixed(1)}%**`), md);
        assert.match(md, /69\.7%/);
        assert.equal((await readFile(results, "utf8")).trim().split("\n").length, 7);

        const again = await r1(["--dataset", file, "--endpoint", endpoint.url, "--results", results]);
        assert.equal(again.status, 2);
        assert.match(again.stderr, /already exists.*--resume/);
        const resumed = await r1(["--dataset", file, "--endpoint", endpoint.url, "--results", results, "--resume", "--json"]);
        assert.equal(resumed.status, 0, resumed.stderr);
        assert.equal((JSON.parse(resumed.stdout) as {passAt1: number}).passAt1, expected);
    });

    test("takes the endpoint's only model and prints Markdown by default", async () => {
        const {file} = await smallDataset();
        const run = await r1(["--dataset", file, "--endpoint", endpoint.url, "--results", path.join(dir, "auto.jsonl"), "--limit", "2"]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /pass@1: deepseek-r1:14b/);
        assert.match(run.stdout, /\| this run \| \*\*50\.0%\*\* \| 2 \|/);
    });

    test("runs the shared AIME 2024 file end to end", {skip: skipWithoutShared(aime)}, async () => {
        const run = await r1(["--dataset", sharedPath(aime), "--endpoint", endpoint.url, "--model", "m", "--json", "-p", "4",
            "--results", path.join(dir, "aime.jsonl")]);
        assert.equal(run.status, 0, run.stderr);
        const report = JSON.parse(run.stdout) as {problems: number, samples: number, passAt1: number, benchmark: string};
        assert.equal(report.problems, 30);
        assert.equal(report.benchmark, "aime2024");
        assert.equal(report.passAt1, 0, "the script cannot see the real answers");
    });

    test("usage mistakes and bad files are one line and a non-zero exit", async () => {
        const missing = await r1(["--dataset", path.join(dir, "nope.jsonl"), "--endpoint", endpoint.url, "--model", "m"]);
        assert.equal(missing.status, 4);
        assert.equal(missing.stderr.trim().split("\n").length, 1);
        assert.match(missing.stderr, /no such file/);
        const {file} = await smallDataset();
        const badK = await r1(["--dataset", file, "--endpoint", endpoint.url, "--model", "m", "-k", "0"]);
        assert.equal(badK.status, 2);
        assert.match(badK.stderr, /--samples must be an integer from 1/);
        const down = await r1(["--dataset", file, "--endpoint", "http://127.0.0.1:9/v1"]);
        assert.equal(down.status, 5);
        assert.equal(down.stderr.trim().split("\n").length, 1);
        assert.match(down.stderr, /cannot connect/);
    });
});
