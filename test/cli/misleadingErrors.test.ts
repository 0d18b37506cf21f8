// Errors a newcomer met that pointed the wrong way, each now one line that says what is really wrong.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import {NetworkError} from "../../src/store/index.js";
import {repoRoot} from "../helpers/shared.js";

let dir: string;
function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {
        cwd: dir, encoding: "utf8", timeout: 60_000, input: "",
        env: {...process.env, R1_HOME: path.join(dir, "home"), HF_ENDPOINT: "http://127.0.0.1:9", HOME: dir, OLLAMA_MODELS: path.join(dir, "none")}
    });
}
function oneLine(result: ReturnType<typeof r1>, code: number, pattern: RegExp, not?: RegExp): void {
    assert.equal(result.status, code, result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, pattern);
    if (not !== undefined) assert.doesNotMatch(result.stderr, not);
}

describe("misleading errors, fixed", () => {
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "r1-errors-"));
        fs.writeFileSync(path.join(dir, "README.md"), "# not a model\n");
    });
    after(() => fs.rmSync(dir, {recursive: true, force: true}));

    test("r1 plan deepseek-r1:15b: an unknown size, not an unknown quant \"15b\"", () => {
        oneLine(r1("plan", "deepseek-r1:15b"), 2, /Unknown model "deepseek-r1:15b"/, /quant/);
    });
    test("r1 run README.md: not a GGUF file, no suggestion to pull it", () => {
        oneLine(r1("run", "README.md"), 4, /README\.md is not a GGUF model file/, /r1 pull/);
    });
    test("r1 run of a name that is no model anywhere: no suggestion to pull it", () => {
        oneLine(r1("run", "no-such-model"), 3, /No model or file named no-such-model.*r1 ls --all/, /r1 pull no-such-model/);
    });
    test("r1 rm of a model never pulled: nothing to remove, no suggestion to pull it", () => {
        oneLine(r1("rm", "deepseek-r1:7b"), 3, /deepseek-r1:7b is not in r1's store/, /r1 pull/);
    });
    test("offline r1 pull: no promise to resume when nothing was downloaded", () => {
        oneLine(r1("pull", "deepseek-r1:1.5b"), 5, /Cannot download from 127\.0\.0\.1:9.*try again/, /resume/);
    });
    test("a network failure after bytes arrived does offer the resume", () => {
        assert.match(new NetworkError("https://hub/x", "reset", {resumable: true}).hint!, /resume/);
        assert.doesNotMatch(new NetworkError("https://hub/x", "reset").hint!, /resume/);
    });
});
