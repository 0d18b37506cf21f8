// `r1 run`'s values: numbers that are not numbers are refused, /set knows its settings and the
// model's trained context, and a one-shot reply of a model that does not reason has a default length.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import path from "node:path";
import {describe, test} from "node:test";
import {checkSetting, DEFAULT_PLAIN_MAX_TOKENS, oneShotMaxTokens} from "../../src/cli/commands/run.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const STORIES = "models/stories260K.gguf";
const r1 = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8", timeout: 120_000, input: ""});

describe("oneShotMaxTokens", () => {
    test("-n wins; a model that does not reason stops at the default; R1 keeps the context", () => {
        assert.equal(oneShotMaxTokens(64, false), 64);
        assert.equal(oneShotMaxTokens(64, true), 64);
        assert.equal(oneShotMaxTokens(undefined, false), DEFAULT_PLAIN_MAX_TOKENS);
        assert.equal(oneShotMaxTokens(undefined, true), undefined);
    });
});

describe("checkSetting (/set)", () => {
    const cases: [string | undefined, string | undefined, number | undefined, RegExp | undefined][] = [
        ["temperature", "0.6", 2048, undefined],
        ["ctx", "1024", 2048, undefined],
        ["ctx", "2048", 2048, undefined],
        ["ctx", "16384", 2048, /the context 16384 is past the 2048 tokens this model was trained on/],
        ["ctx", "8", 2048, /at least 16/],
        ["ctx", "1.5", 2048, /whole number/],
        ["temperature", "abc", 2048, /needs a number/],
        ["temperature", "-1", 2048, /outside 0 to 5/],
        ["foo", "3", 2048, /there is no setting foo/],
        [undefined, undefined, 2048, /needs a setting/]
    ];
    for (const [key, value, trained, expected] of cases) {
        test(`/set ${key ?? ""} ${value ?? ""}`, () => {
            const problem = checkSetting(key, value, trained);
            if (expected === undefined) assert.equal(problem, undefined);
            else assert.match(problem?.message ?? "", expected);
        });
    }
});

describe("r1 run values (stories260K)", {skip: skipWithoutShared(STORIES)}, () => {
    test("--temperature abc and friends are refused in one line", () => {
        for (const [flag, value] of [["--temperature", "abc"], ["--top-p", "2"], ["--top-k", "1.5"], ["--seed", "-3"]] as const) {
            const result = r1("run", sharedPath(STORIES), "-p", "Once", flag, value);
            assert.equal(result.status, 2, `${flag} ${value}: ${result.stderr}`);
            assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
            assert.match(result.stderr, new RegExp(`${flag} must be`));
        }
    });
    test("-n given: no default-length note", () => {
        const plain = r1("run", sharedPath(STORIES), "-p", "Once upon a time", "--greedy", "-n", "4");
        assert.equal(plain.status, 0, plain.stderr);
        assert.doesNotMatch(plain.stderr, /the default for a model that does not reason/);
        assert.match(plain.stderr, /answer 4 tok/);
    });
});
