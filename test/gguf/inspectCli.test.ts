import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import path from "node:path";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

// Runs the built CLI (`npx tsc -p tsconfig.json` first; `npm test` does it).
function r1(...args: string[]) {
    return spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
}

function r1Async(...args: string[]): Promise<{status: number | null, stdout: string, stderr: string}> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {env: {...process.env, NO_COLOR: "1"}});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (status) => resolve({status, stdout, stderr}));
    });
}

const stories = "models/stories260K.gguf";

test("r1 inspect stories260K.gguf prints the summary: llama, 48 tensors, 512-token vocabulary", {skip: skipWithoutShared(stories)}, () => {
    const result = r1("inspect", sharedPath(stories));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /architecture\s+llama/);
    assert.match(result.stdout, /48 tensors/);
    assert.match(result.stdout, /512-token vocabulary/);
    assert.match(result.stdout, /context length\s+2,048/);
    assert.match(result.stdout, /layers\s+5, embedding 64, heads 8, kv heads 4/);
    assert.match(result.stdout, /bits per weight\s+32\.00/);
    assert.match(result.stdout, /F32\s+48 tensors/);
});

test("r1 inspect --tensors --metadata lists tensors and keys, abbreviating long arrays", {skip: skipWithoutShared(stories)}, () => {
    const result = r1("inspect", sharedPath(stories), "--tensors", "--metadata");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /token_embd\.weight\s+\[64, 512\]\s+F32\s+131,072/);
    assert.match(result.stdout, /tokenizer\.ggml\.tokens\s+string\[512\]\s+\["<unk>", "<s>", "<\/s>".*… 504 more\]/);
    assert.ok(result.stdout.split("\n").length > 48 + 20);
});

test("r1 inspect --json is machine-readable and complete", {skip: skipWithoutShared(stories)}, () => {
    const result = r1("inspect", sharedPath(stories), "--json");
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.summary.architecture, "llama");
    assert.equal(json.summary.vocabSize, 512);
    assert.equal(json.tensors.length, 48);
    assert.equal(json.metadata["tokenizer.ggml.tokens"].length, 512);
    assert.equal(json.metadata["general.architecture"].value, "llama");
});

test("r1 inspect on a missing, non-GGUF or truncated file prints one line and exits non-zero", {skip: skipWithoutShared(stories)}, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "r1-inspect-"));
    try {
        const text = path.join(dir, "notes.gguf");
        await writeFile(text, "just text\n");
        const truncated = path.join(dir, "cut.gguf");
        await writeFile(truncated, (await readFile(sharedPath(stories))).subarray(0, 5000));
        for (const [file, pattern, code] of [
            [path.join(dir, "missing.gguf"), /no such file/i, 3],
            [text, /not a GGUF file/, 4],
            [truncated, /truncated/, 4]
        ] as const) {
            const result = r1("inspect", file);
            assert.equal(result.status, code, result.stderr);
            assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
            assert.match(result.stderr, pattern);
            assert.equal(result.stdout, "");
        }
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});

test("r1 inspect of an unreachable or missing URL prints one line and exits non-zero", async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const {port} = server.address() as AddressInfo;
    try {
        const missing = await r1Async("inspect", `http://127.0.0.1:${port}/nope.gguf`);
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /HTTP 404/);
        assert.equal(missing.stderr.trim().split("\n").length, 1);
    } finally {
        await new Promise((resolve) => server.close(resolve));
    }
    // A port that was just closed on loopback: connection refused.
    const refused = r1("inspect", `http://127.0.0.1:${port}/model.gguf`);
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, /cannot reach/i);
    assert.equal(refused.stderr.trim().split("\n").length, 1);
});
