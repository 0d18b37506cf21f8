import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {execFile, spawn} from "node:child_process";
import {mkdtemp, readFile, rm, stat, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {repoRoot} from "../helpers/shared.js";
import {startScriptedEndpoint, type ScriptedEndpoint} from "./scriptedEndpoint.js";

// Spawns the built CLI (run `npx tsc -p tsconfig.json` first). Asynchronously: the scripted
// server lives in this process and must keep answering while the CLI runs.
function r1(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{status: number, stdout: string, stderr: string}> {
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(repoRoot, "bin/r1.js"), "eval", ...args], {encoding: "utf8", env: {...process.env, R1_HOME: dir, ...env}, timeout: 60_000},
            (error, stdout, stderr) => resolve({status: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr}));
    });
}

let dir: string;
let endpoint: ScriptedEndpoint;

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
        const run = await r1(["--dataset", file, "--endpoint", endpoint.url, "--model", "deepseek-r1:14b", "-np", "2", "--json",
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
        // The mean generated tokens are recorded for r1 plan's time to an answer, under the catalog variant.
        const lengths = JSON.parse(await readFile(path.join(dir, "reasoning-lengths.json"), "utf8")) as {variants: Record<string, {samples: number, meanCompletionTokens: number}>};
        assert.equal(lengths.variants["deepseek-r1-distill-qwen-14b"]?.samples, 6);
        assert.ok(lengths.variants["deepseek-r1-distill-qwen-14b"]!.meanCompletionTokens > 0);

        // Resumed without --model: the endpoint's only model, which is the one the file was written with.
        const resumed = await r1(["--dataset", file, "--endpoint", endpoint.url, "--results", results, "--resume"]);
        assert.equal(resumed.status, 0, resumed.stderr);
        assert.match(resumed.stdout, /pass@1: deepseek-r1:14b/);
        assert.ok(resumed.stdout.includes(`| this run (Q4_K_M) | **${expected.toFixed(1)}%** | 6 |`), resumed.stdout);
    });

    test("killed or interrupted mid-run, --resume finishes with the same report", async () => {
        const slow = await startScriptedEndpoint((problem) => {
            const answer = /ANSWER=(\d+)/.exec(problem)?.[1] ?? "0";
            return {kind: "stream", reasoning: "Slowly.", answer: `\\boxed{${Number(answer) % 2 === 0 ? answer : 1}}`, delayMs: 150};
        });
        try {
            const {file, expected} = await smallDataset();
            const common = ["--dataset", file, "--endpoint", slow.url, "--model", "m"];
            const stopAfterTwo = async (signal: NodeJS.Signals, results: string): Promise<{status: number | null, stderr: string}> => {
                const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "eval", ...common, "--results", results], {stdio: ["ignore", "pipe", "pipe"]});
                let stderr = "";
                child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
                const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
                for (let i = 0; i < 600; i++) {
                    const lines = await readFile(results, "utf8").then((t) => t.trim().split("\n").length, () => 0);
                    if (lines >= 3) break;
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                child.kill(signal);
                return {status: await exited, stderr};
            };
            const killed = path.join(dir, "killed.jsonl");
            const interrupted = path.join(dir, "interrupted.jsonl");
            const [kill, interrupt] = await Promise.all([stopAfterTwo("SIGKILL", killed), stopAfterTwo("SIGINT", interrupted)]);
            assert.equal(kill.status, null);
            assert.equal(interrupt.status, 130, interrupt.stderr);
            assert.match(interrupt.stderr, /interrupted.*--resume/);
            for (const results of [killed, interrupted]) {
                const lines = (await readFile(results, "utf8")).trim().split("\n").length;
                assert.ok(lines >= 3 && lines < 7, `${lines} lines in ${results}`);
                assert.ok((await stat(results)).size > 0);
            }
            const resumed = await Promise.all([killed, interrupted].map((results) => r1([...common, "--results", results, "--resume", "--json"])));
            for (const run of resumed) {
                assert.equal(run.status, 0, run.stderr);
                const report = JSON.parse(run.stdout) as {passAt1: number, samples: number};
                assert.equal(report.samples, 6);
                assert.equal(report.passAt1, expected);
            }
        } finally {
            await slow.close();
        }
    });

    test("usage mistakes and bad files are one line and a non-zero exit", async () => {
        const {file} = await smallDataset();
        const [missing, badK, down, exists] = await Promise.all([
            r1(["--dataset", path.join(dir, "nope.jsonl"), "--endpoint", endpoint.url, "--model", "m"]),
            r1(["--dataset", file, "--endpoint", endpoint.url, "--model", "m", "-k", "0"]),
            r1(["--dataset", file, "--endpoint", "http://127.0.0.1:9/v1"]),
            writeFile(path.join(dir, "taken.jsonl"), "x\n").then(() => r1(["--dataset", file, "--endpoint", endpoint.url, "--model", "m", "--results", path.join(dir, "taken.jsonl")]))
        ]);
        assert.equal(missing.status, 4, missing.stderr);
        assert.match(missing.stderr, /no such file/);
        assert.equal(badK.status, 2, badK.stderr);
        assert.match(badK.stderr, /--samples must be an integer from 1/);
        assert.equal(down.status, 5, down.stderr);
        assert.match(down.stderr, /cannot connect/);
        assert.equal(exists.status, 2, exists.stderr);
        assert.match(exists.stderr, /already exists.*--resume/);
        for (const run of [missing, badK, down, exists]) assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    });
});
