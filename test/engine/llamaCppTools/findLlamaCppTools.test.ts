import assert from "node:assert/strict";
import {chmod, mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {findLlamaCppTools, formatLlamaCppVersion, isCompatibleVersion, LLAMA_CPP_RELEASE, llamaCppPaths, LlamaCppToolMissingError,
    LlamaCppToolUnusableError, parseLlamaCppVersion, requireLlamaCppTool} from "../../../src/engine/llamaCppTools/index.js";

test("LLAMA_CPP_RELEASE is the tag node-llama-cpp ships", () => {
    assert.match(LLAMA_CPP_RELEASE, /^v\d+\.\d+\.\d+$|^b\d+$/);
});

test("parseLlamaCppVersion reads the current and the old --version formats", () => {
    const current = parseLlamaCppVersion("version: 0.4.0-dev (build 1, commit 80fb11a)\nbuilt with GNU 12.2.0 for Linux x86_64\n");
    assert.deepEqual(current, {version: "0.4.0-dev", base: "0.4.0", build: 1, commit: "80fb11a"});
    assert.equal(isCompatibleVersion(current!, "v0.4.0"), true);
    assert.equal(isCompatibleVersion(current!, "v0.5.0"), false);
    assert.equal(formatLlamaCppVersion(current!), "0.4.0-dev (build 1, commit 80fb11a)");
    const old = parseLlamaCppVersion("load_backend: loaded CPU\nversion: 4404 (b8ec0a0)\nbuilt with cc\n");
    assert.deepEqual(old, {version: "4404", build: 4404, commit: "b8ec0a0"});
    assert.equal(isCompatibleVersion(old!, "v0.4.0"), false);
    assert.equal(formatLlamaCppVersion(old!), "b4404 (b8ec0a0)");
    assert.equal(parseLlamaCppVersion("usage: foo"), undefined);
});

/** A fake llama.cpp program that prints `version` for --version, as llama.cpp does (on stderr). */
async function fakeTool(file: string, version: string): Promise<void> {
    await mkdir(path.dirname(file), {recursive: true});
    await writeFile(file, `#!/bin/sh\necho 'version: ${version}' >&2\necho 'built with cc for test' >&2\n`);
    await chmod(file, 0o755);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-tools-"));
    try {
        await fn(dir);
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
}

test("findLlamaCppTools: a stamped build, an incompatible PATH llama-server, an unfinished build", () => withTempDir(async (dir) => {
    const home = path.join(dir, "home");
    const cpu = llamaCppPaths({r1Home: home, backend: "cpu"});
    for (const tool of ["llama-server", "ggml-rpc-server", "llama-imatrix"])
        await fakeTool(path.join(cpu.binDir, tool), "0.4.0-dev (build 1, commit 80fb11a)");
    await writeFile(cpu.stampFile, JSON.stringify({version: 1, release: LLAMA_CPP_RELEASE, backend: "cpu", cmakeArgs: [], tools: [],
        builtAt: "2026-01-01T00:00:00Z"}));
    // A CUDA build whose stamp was never written does not count.
    const cuda = llamaCppPaths({r1Home: home, backend: "cuda"});
    await fakeTool(path.join(cuda.binDir, "llama-server"), "0.4.0-dev (build 1, commit 80fb11a)");
    const pathDir = path.join(dir, "usr-bin");
    await fakeTool(path.join(pathDir, "llama-server"), "3000 (abc1234)");

    const found = await findLlamaCppTools({r1Home: home, env: {PATH: `${path.join(dir, "nothing")}:${pathDir}`}});
    assert.deepEqual(found.installs.map((install) => [install.origin, install.backend, install.compatible]),
        [["built", "cpu", true], ["path", undefined, false]]);
    assert.equal(found.installs[1]!.problem, `is llama.cpp b3000 (abc1234), not ${LLAMA_CPP_RELEASE} (the release r1's embedded engine runs)`);
    assert.deepEqual(found.paths, {
        "llama-server": path.join(cpu.binDir, "llama-server"),
        "ggml-rpc-server": path.join(cpu.binDir, "ggml-rpc-server"),
        "llama-imatrix": path.join(cpu.binDir, "llama-imatrix")
    });
    assert.equal(requireLlamaCppTool(found, "llama-server"), path.join(cpu.binDir, "llama-server"));
}));

test("findLlamaCppTools: nothing built, only an incompatible PATH llama-server → a one-line error naming it", () => withTempDir(async (dir) => {
    await fakeTool(path.join(dir, "bin", "llama-server"), "0.3.1 (build 7, commit 1234567)");
    const found = await findLlamaCppTools({r1Home: path.join(dir, "home"), env: {PATH: path.join(dir, "bin")}});
    assert.deepEqual(found.paths, {});
    assert.throws(() => requireLlamaCppTool(found, "llama-server"), (error: unknown) => {
        assert.ok(error instanceof LlamaCppToolMissingError);
        assert.equal(error.message, `no usable llama-server: ${path.join(dir, "bin", "llama-server")} is llama.cpp 0.3.1 (build 7, commit 1234567), not ${LLAMA_CPP_RELEASE} (the release r1's embedded engine runs)`);
        assert.match(error.hint!, /r1 engine build/);
        return true;
    });
    assert.throws(() => requireLlamaCppTool(found, "ggml-rpc-server"), /ggml-rpc-server is not available/);
}));

test("findLlamaCppTools: a compatible PATH llama-server brings its sibling tools", () => withTempDir(async (dir) => {
    const bin = path.join(dir, "bin");
    await fakeTool(path.join(bin, "llama-server"), `${LLAMA_CPP_RELEASE.slice(1)} (build 1, commit 80fb11a)`);
    await fakeTool(path.join(bin, "ggml-rpc-server"), "x");
    const found = await findLlamaCppTools({r1Home: path.join(dir, "home"), env: {PATH: bin}});
    assert.equal(found.installs[0]!.origin, "path");
    assert.deepEqual(found.paths, {"llama-server": path.join(bin, "llama-server"), "ggml-rpc-server": path.join(bin, "ggml-rpc-server")});
}));

test("findLlamaCppTools: a given --llama-server is used as given, or refused in one line", () => withTempDir(async (dir) => {
    const good = path.join(dir, "good", "llama-server");
    await fakeTool(good, `${LLAMA_CPP_RELEASE.slice(1)}-dev (build 1, commit 80fb11a)`);
    const found = await findLlamaCppTools({r1Home: path.join(dir, "home"), llamaServerPath: good, searchPath: false});
    assert.equal(requireLlamaCppTool(found, "llama-server"), good);

    const missing = await findLlamaCppTools({r1Home: path.join(dir, "home"), llamaServerPath: path.join(dir, "nope"), searchPath: false});
    assert.throws(() => requireLlamaCppTool(missing, "llama-server"), (error: unknown) =>
        error instanceof LlamaCppToolUnusableError && error.message === `${path.join(dir, "nope")} does not exist or is not an executable file`);

    const notLlama = path.join(dir, "other", "llama-server");
    await mkdir(path.dirname(notLlama));
    await writeFile(notLlama, "#!/bin/sh\necho hello\n");
    await chmod(notLlama, 0o755);
    const wrong = await findLlamaCppTools({r1Home: path.join(dir, "home"), llamaServerPath: notLlama, searchPath: false});
    assert.throws(() => requireLlamaCppTool(wrong, "llama-server"), /printed no llama\.cpp version for --version/);
}));
