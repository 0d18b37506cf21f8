import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {chmod, mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {repoRoot} from "../../helpers/shared.js";

function r1(args: string[], env: NodeJS.ProcessEnv) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8", env: {...process.env, ...env, NO_COLOR: "1"}});
}

test("r1 engine ls names an incompatible llama-server on PATH; r1 engine build without cmake is one line, exit 3", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-engine-cli-"));
    try {
        const bin = path.join(dir, "bin");
        await mkdir(bin);
        await writeFile(path.join(bin, "llama-server"), "#!/bin/sh\necho 'version: 2500 (deadbee)' >&2\n");
        await chmod(path.join(bin, "llama-server"), 0o755);
        const env = {R1_HOME: path.join(dir, "home"), PATH: bin};

        const ls = r1(["engine", "ls", "--json"], env);
        assert.equal(ls.status, 0, ls.stderr);
        const listed = JSON.parse(ls.stdout);
        assert.equal(listed.installs.length, 1);
        assert.equal(listed.installs[0].origin, "path");
        assert.equal(listed.installs[0].compatible, false);
        assert.match(listed.installs[0].problem, /^is llama\.cpp b2500 \(deadbee\), not v/);
        assert.deepEqual(listed.use, {});

        const table = r1(["engine", "ls"], env);
        assert.match(table.stdout, /incompatible: is llama\.cpp b2500/);
        assert.match(table.stdout, /missing: llama-server, ggml-rpc-server, llama-imatrix — build them with r1 engine build/);

        const build = r1(["engine", "build", "--backend", "cpu"], env);
        assert.equal(build.status, 3);
        const lines = build.stderr.trim().split("\n");
        assert.equal(lines.at(-1), "r1: r1 engine build needs cmake, which is not installed. Install cmake 3.14 or newer from your package manager or cmake.org.");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
