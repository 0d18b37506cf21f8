import "./helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import path from "node:path";
import {repoRoot} from "./helpers/shared.js";

function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8"});
}

test("r1 --help lists every command", () => {
    const result = r1("--help");
    assert.equal(result.status, 0);
    for (const name of ["plan", "hw", "bench", "pull", "run", "serve", "ls", "rm", "show", "quantize", "inspect", "eval"])
        assert.match(result.stdout, new RegExp(`r1 ${name}\\b`));
});

test("an unknown command is one line and exit code 2", () => {
    const result = r1("frobnicate");
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split("\n").length, 1);
});
