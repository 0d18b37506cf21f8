// Exit codes come from the ExitCode table everywhere: a literal 2 here and a 3 there drifted apart before.
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {repoRoot} from "../helpers/shared.js";

function sources(dir: string): string[] {
    return readdirSync(dir, {withFileTypes: true}).flatMap((e) => e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []);
}

/** A line that gives r1 a numeric exit code. A child process's status ({exitCode: 0, signal: null}) is the child's, not r1's. */
function isExitLiteral(line: string): boolean {
    return /exitCode: \d|process\.exit\(\d|exitCode = \d/.test(line) && !line.trim().startsWith("//") && !/\bsignal\b/.test(line);
}

test("no numeric exit code literal under src/ (use ExitCode)", () => {
    const found = sources(path.join(repoRoot, "src")).flatMap((file) => readFileSync(file, "utf8").split("\n")
        .map((line, i) => ({line, at: `${path.relative(repoRoot, file)}:${i + 1}`}))
        .filter(({line}) => isExitLiteral(line)))
        .map(({at, line}) => `${at}: ${line.trim()}`);
    assert.deepEqual(found, []);
});

test("the literal check can fail", () => {
    assert.equal(isExitLiteral("throw new R1Error(\"x\", {exitCode: 2});"), true);
    assert.equal(isExitLiteral("process.exit(1);"), true);
    assert.equal(isExitLiteral("resolve({exitCode: 0, signal: null, output});"), false);
});
