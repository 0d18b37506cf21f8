import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {freeLoopbackPort} from "../../src/engine/llamaServer/freeLoopbackPort.js";
import {RpcWorker} from "../../src/engine/rpcWorker/index.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../helpers/llamaCppTools.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const skip = skipWithoutLlamaCppTools("llama-server", "ggml-rpc-server") || skipWithoutShared(MODEL) || skipWithoutShared("models/stories260K.golden.json");
const home = mkdtempSync(path.join(os.tmpdir(), ".r1-draft-rpc-cli-"));
after(() => rmSync(home, {recursive: true, force: true}));

/** `r1 …` asynchronously (the workers answer from this process), with a fresh R1_HOME. */
function r1(args: string[]): Promise<{status: number | null, stdout: string, stderr: string}> {
    const env: NodeJS.ProcessEnv = {...process.env, R1_HOME: home, NO_COLOR: "1"};
    delete env.NODE_TEST_CONTEXT;
    delete env.UV_THREADPOOL_SIZE;
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), ...args], {env});
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (data: Buffer) => stdout += data);
        child.stderr.on("data", (data: Buffer) => stderr += data);
        child.on("close", (status) => resolve({status, stdout, stderr}));
    });
}

const golden = () => (JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]}).greedy[0]!;

test("r1 run --draft: llama-server with a draft model, the same golden greedy text as without", {skip}, async () => {
    const {prompt, n_predict, output} = golden();
    const common = [sharedPath(MODEL), "--llama-server", llamaCppToolPath("llama-server"), "-p", prompt, "--greedy", "-n", String(n_predict), "--raw", "-t", "1", "--verbose"];
    const withDraft = await r1(["run", ...common, "--draft", sharedPath(MODEL)]);
    assert.equal(withDraft.status, 0, withDraft.stderr);
    assert.equal(withDraft.stdout, `${output}\n`);
    assert.match(withDraft.stderr, /engine: llama-server \(auto: --draft need/);
    const without = await r1(["run", ...common, "--engine", "llama-server"]);
    assert.equal(without.stdout, withDraft.stdout);
});

test("r1 run --rpc: split over two r1 workers by the planner, golden greedy text", {skip}, async () => {
    const {prompt, n_predict, output} = golden();
    const workers = await Promise.all([0, 1].map(async () => RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort(), threads: 1})));
    try {
        const rpc = workers.map((worker) => worker.rpcEntry()).join(",");
        const result = await r1(["run", sharedPath(MODEL), "--llama-server", llamaCppToolPath("llama-server"), "--rpc", rpc, "-p", prompt, "--greedy",
            "-n", String(n_predict), "--raw", "-t", "1", "--verbose"]);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, `${output}\n`);
        assert.match(result.stderr, new RegExp(`--rpc: 3/2 layers on ${rpc.replace(/[.]/g, "\\.").replace(",", ", ")}; predicted`));
        assert.match(result.stderr, /engine: llama-server \(auto: --rpc/);
    } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
    }
    // A worker that is not there: one line naming it.
    const gone = await r1(["run", sharedPath(MODEL), "--rpc", `127.0.0.1:${await freeLoopbackPort()}`, "-p", "x", "--raw", "-n", "1"]);
    assert.equal(gone.status, 5);
    assert.match(gone.stderr.trim(), /^r1: RPC worker 127\.0\.0\.1:\d+ refused the connection/);
    assert.equal(gone.stderr.trim().split("\n").length, 1);
});
