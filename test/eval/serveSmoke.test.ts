import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {execFile, spawn, type ChildProcess} from "node:child_process";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const model = "models/stories260K.gguf";
const aime = "eval/aime24_test.jsonl";

/** Starts `r1 serve` on a free loopback port and resolves with its OpenAI base URL. */
function startServe(dir: string): Promise<{child: ChildProcess, url: string}> {
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "serve", "--model", sharedPath(model), "--port", "0"],
        {env: {...process.env, R1_HOME: dir}, stdio: ["ignore", "pipe", "pipe"]});
    return new Promise((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => reject(new Error(`r1 serve did not start: ${output}`)), 60_000);
        const onData = (chunk: Buffer): void => {
            output += chunk.toString("utf8");
            const url = /OpenAI (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output)?.[1];
            if (url !== undefined) {
                clearTimeout(timer);
                resolve({child, url});
            }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`r1 serve exited with ${code}: ${output}`));
        });
    });
}

// The pipeline end to end on a real server: a 260K-parameter story model cannot do AIME, so the
// score is near zero, but every request must be answered, graded and reported.
test("r1 eval against r1 serve on stories260K", {skip: skipWithoutShared(model) || skipWithoutShared(aime), timeout: 240_000}, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-eval-smoke-"));
    const {child, url} = await startServe(dir);
    try {
        const run = await new Promise<{status: number, stdout: string, stderr: string}>((resolve) => {
            execFile(process.execPath, [path.join(repoRoot, "bin/r1.js"), "eval", "--dataset", sharedPath(aime), "--endpoint", url,
                "--model", "stories260K", "--limit", "2", "--max-tokens", "16", "--json", "--results", path.join(dir, "results.jsonl")],
            {encoding: "utf8", timeout: 180_000}, (error, stdout, stderr) =>
                resolve({status: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr}));
        });
        assert.equal(run.status, 0, run.stderr);
        const report = JSON.parse(run.stdout) as {samples: number, failed: number, passAt1: number, truncated: number, tokens?: {completion: number}};
        assert.equal(report.samples, 2);
        assert.equal(report.failed, 0);
        assert.ok(report.passAt1 <= 50, `stories260K solved AIME? ${report.passAt1}`);
        assert.equal(report.truncated, 2, "16 tokens cut every completion");
        assert.ok((report.tokens?.completion ?? 0) > 0);
    } finally {
        child.kill("SIGTERM");
        await rm(dir, {recursive: true, force: true});
    }
});
