import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import path from "node:path";
import {physicalCoreCount} from "../../src/engine/physicalCoreCount.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const GOLDEN = "models/stories260K.golden.json";
const skip = skipWithoutShared(GOLDEN);

interface Golden {
    greedy: {prompt: string, n_predict: number, output: string}[];
}

function r1(args: string[], input?: string) {
    const {UV_THREADPOOL_SIZE: _, ...env} = process.env;
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8", env, ...(input === undefined ? {} : {input})});
}

test("r1 run --raw --greedy prints llama.cpp's golden continuation for every golden prompt", {skip}, () => {
    const golden = JSON.parse(readFileSync(sharedPath(GOLDEN), "utf8")) as Golden;
    assert.ok(golden.greedy.length >= 2);
    for (const {prompt, n_predict, output} of golden.greedy) {
        // One thread: the output does not depend on it, and on a busy shared test machine two
        // spin-waiting threads can be 100× slower (see bench/RESULTS.md).
        const result = r1(["run", sharedPath(MODEL), "-p", prompt, "--greedy", "-n", String(n_predict), "--raw", "-t", "1"]);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, `${output}\n`);
    }
});

test("r1 run --json gives reasoning, answer and stats; the decode pool is one thread", {skip}, () => {
    const result = r1(["run", sharedPath(MODEL), "-p", "Lily and Tom", "--greedy", "-n", "8", "--raw", "--json", "--verbose", "-c", "256"]);
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as {reasoning: string, answer: string, stats: {answerTokens: number, finishReason: string}};
    assert.equal(parsed.reasoning, "");
    assert.ok(parsed.answer.startsWith(" Lily and Tom were"));
    assert.equal(parsed.stats.answerTokens, 8);
    assert.equal(parsed.stats.finishReason, "length");
    // bin/r1.js re-executes node so libuv's pool really has one thread (setting it in-process is too late).
    assert.match(result.stderr, /UV_THREADPOOL_SIZE=1\b/);
    assert.match(result.stderr, /context: 256 tokens \(from the command line\)/);
    assert.match(result.stderr, new RegExp(`threads: ${physicalCoreCount()} \\(one per physical core`));
});

test("r1 run reads the prompt from stdin when it is piped", {skip}, () => {
    const golden = JSON.parse(readFileSync(sharedPath(GOLDEN), "utf8")) as Golden;
    const {prompt, output} = golden.greedy[0]!;
    const result = r1(["run", sharedPath(MODEL), "--greedy", "-n", "6", "--raw", "-t", "1"], `${prompt}\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(output.startsWith(result.stdout.trimEnd()) && result.stdout.length > prompt.length + 6, result.stdout);
});

test("r1 run fails in one line: a missing model, a bad flag", () => {
    const missing = r1(["run", "no-such-model.gguf", "-p", "x"]);
    assert.equal(missing.status, 3);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    const badFlag = r1(["run", "no-such-model.gguf", "-p", "x", "--fa", "sometimes"]);
    assert.equal(badFlag.status, 2);
});
