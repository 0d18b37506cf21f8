import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {after, test} from "node:test";
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {chooseEngine, launchOptionsFor} from "../../src/engine/loadEngineModel.js";
import {R1Error} from "../../src/util/R1Error.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../helpers/llamaCppTools.js";
import {processesMatching, waitUntil} from "../helpers/processTable.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeSteadyTinyR1Model} from "./tinyR1Model.js";
import {deltas, startScriptedServer} from "./upstream/scriptedOpenAiServer.js";

const bin = path.join(repoRoot, "bin/r1.js");
const MODEL = "models/stories260K.gguf";
const home = mkdtempSync(path.join(os.tmpdir(), ".r1-engine-cli-"));
after(() => rmSync(home, {recursive: true, force: true}));

function env(): NodeJS.ProcessEnv {
    const result: NodeJS.ProcessEnv = {...process.env, R1_HOME: home};
    delete result.NODE_TEST_CONTEXT;
    delete result.UV_THREADPOOL_SIZE;
    return result;
}

function r1(args: string[]) {
    return spawnSync(process.execPath, [bin, ...args], {encoding: "utf8", env: env(), timeout: 120_000});
}

test("auto is the embedded engine unless the load needs llama-server; embedded refuses what it cannot do", () => {
    assert.equal(chooseEngine({path: "m"}).engine, "embedded");
    assert.equal(chooseEngine({path: "m", cpuMoeLayers: 0}).engine, "embedded");
    for (const needs of [{cpuMoeLayers: 3}, {overrideTensors: ["exps=CPU"]}, {draftModelPath: "d.gguf"}, {rpcServers: ["h:1"]}, {tensorSplit: [1, 1]}])
        assert.equal(chooseEngine({path: "m", ...needs}).engine, "llama-server", JSON.stringify(needs));
    assert.equal(chooseEngine({path: "m", engine: "llama-server"}).engine, "llama-server");
    assert.throws(() => chooseEngine({path: "m", engine: "embedded", cpuMoeLayers: 3}), (e: unknown) => e instanceof R1Error && e.exitCode === 2 && /--n-cpu-moe/.test(e.message));
    assert.equal(chooseEngine({path: "", upstream: {url: "http://h"}}).engine, "upstream");
    assert.throws(() => chooseEngine({path: "", upstream: {url: "http://h"}, engine: "llama-server"}), R1Error);
    assert.throws(() => chooseEngine({path: "", upstream: {url: "http://h"}, cpuMoeLayers: 2}), R1Error);
});

test("the engine's load options reach llama-server's launch options, context per sequence", () => {
    assert.deepEqual(launchOptionsFor({path: "m", contextSize: 2048, parallel: 4, threads: 2, gpuLayers: 10, mmap: false, mlock: true, cpuMoeLayers: 20, flashAttention: true, cacheTypeK: "q8_0"}),
        {contextSize: 2048, parallel: 4, threads: 2, gpuLayers: 10, flashAttention: true, cacheTypeK: "q8_0", mmap: false, mlock: true, cpuMoeLayers: 20});
});

test("r1 run --engine llama-server prints llama.cpp's golden continuation", {skip: skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(MODEL)}, () => {
    const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
    const {prompt, n_predict, output} = golden.greedy[0]!;
    // R1_HOME is a fresh folder here: the llama-server is named (as r1 found it for the tests).
    const result = r1(["run", sharedPath(MODEL), "--engine", "llama-server", "--llama-server", llamaCppToolPath("llama-server"), "-p", prompt, "--greedy", "-n", String(n_predict), "--raw", "-t", "1", "--verbose"]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${output}\n`);
    assert.match(result.stderr, /engine: llama-server \(--engine llama-server\)/);
    assert.deepEqual(processesMatching(`-m ${sharedPath(MODEL)}`), [], "llama-server went with r1 run");
});

test("CLI faults are one line with an exit code: embedded asked for llama-server's layout, binary missing, wrong version", {skip: skipWithoutShared(MODEL)}, () => {
    const embedded = r1(["run", sharedPath(MODEL), "--engine", "embedded", "--n-cpu-moe", "2", "-p", "x"]);
    assert.equal(embedded.status, 2);
    assert.equal(embedded.stderr.trim().split("\n").length, 1);
    const missing = r1(["run", sharedPath(MODEL), "--engine", "llama-server", "--llama-server", path.join(home, "nope"), "-p", "x"]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /does not exist/);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    const fake = path.join(home, "llama-server");
    writeFileSync(fake, "#!/bin/sh\necho 'version: 0.3.9 (build 7, commit abc1234)' >&2\n");
    chmodSync(fake, 0o755);
    const wrong = r1(["run", sharedPath(MODEL), "--engine", "llama-server", "--llama-server", fake, "-p", "x"]);
    assert.equal(wrong.status, 3);
    assert.match(wrong.stderr, /0\.3\.9/);
    assert.equal(wrong.stderr.trim().split("\n").length, 1);
});

test("r1 run --upstream: the reply of an OpenAI-compatible server, reasoning apart", async () => {
    const scripted = await startScriptedServer();
    try {
        scripted.setScript({kind: "chunks", chunks: deltas([{reasoning_content: "Adding."}, {content: "4"}])});
        const result = await new Promise<{status: number | null, stdout: string, stderr: string}>((resolve) => {
            const child = spawn(process.execPath, [bin, "run", "deepseek-r1-distill-qwen-1.5b", "--upstream", scripted.url, "-p", "2+2?", "--json"], {env: env()});
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => stdout += d.toString());
            child.stderr.on("data", (d: Buffer) => stderr += d.toString());
            child.on("exit", (status) => resolve({status, stdout, stderr}));
        });
        assert.equal(result.status, 0, result.stderr);
        const parsed = JSON.parse(result.stdout) as {reasoning: string, answer: string};
        assert.deepEqual({reasoning: parsed.reasoning, answer: parsed.answer}, {reasoning: "Adding.", answer: "4"});
    } finally {
        await scripted.close();
    }
});

test("r1 serve --engine llama-server: a crash mid-reply is one error for that request, the other model keeps answering, nothing is left running",
    {skip: skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(MODEL) || skipWithoutShared(R1_VOCAB), timeout: 180_000}, async () => {
        const steady = await writeSteadyTinyR1Model();
        const child = spawn(process.execPath, [bin, "serve", "--engine", "llama-server", "--llama-server", llamaCppToolPath("llama-server"), "--model", sharedPath(MODEL), "--model", steady.path, "--port", "0", "-t", "1", "--max-loaded", "2"], {env: env()});
        try {
            let stderr = "";
            const url = await new Promise<string>((resolve, reject) => {
                child.stderr.on("data", (data: Buffer) => {
                    stderr += data.toString();
                    const match = /listening on \S*?(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr.replace(/\u001b\[[0-9;]*m/g, ""));
                    if (match !== null) resolve(match[1]!);
                });
                child.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
            });
            const ask = (model: string, maxTokens: number, stream = false) => fetch(`${url}/v1/chat/completions`, {method: "POST", headers: {"Content-Type": "application/json"},
                body: JSON.stringify({model, messages: [{role: "user", content: "Hi"}], max_tokens: maxTokens, temperature: 0, stream})});
            const first = await ask("stories260K", 4);
            assert.equal(first.status, 200, await first.clone().text());
            // A reply that never ends by itself; its llama-server is killed while it streams.
            const steadyName = path.basename(steady.path, ".gguf");
            const streaming = await ask(steadyName, 4000, true);
            assert.equal(streaming.status, 200);
            const reader = streaming.body!.getReader();
            await reader.read();
            const [server] = processesMatching(`-m ${steady.path}`);
            assert.ok(server !== undefined, "the steady model's llama-server runs");
            process.kill(server.pid, "SIGKILL");
            let rest = "";
            for (;;) {
                const {done, value} = await reader.read();
                if (done) break;
                rest += Buffer.from(value).toString();
            }
            assert.match(rest, /llama-server was killed by SIGKILL during the reply/);
            const again = await ask("stories260K", 4);
            assert.equal(again.status, 200, "the other model still answers");
            await waitUntil(() => /restarted/.test(stderr), "r1 serve reports the restart");
            const after = await ask(steadyName, 3);
            assert.equal(after.status, 200, "the restarted llama-server answers");
        } finally {
            child.kill("SIGTERM");
            await new Promise((resolve) => child.once("exit", resolve));
            steady.cleanup();
        }
        assert.deepEqual(processesMatching(steady.path), []);
        assert.deepEqual(processesMatching(`-m ${sharedPath(MODEL)}`), []);
    });
