import "../../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {freeLoopbackPort} from "../../../src/engine/llamaServer/freeLoopbackPort.js";
import {RpcWorker} from "../../../src/engine/rpcWorker/index.js";
import type {GenerationOptions} from "../../../src/engine/types.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {isRunning, processesMatching, waitUntil} from "../../helpers/processTable.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const skip = skipWithoutLlamaCppTools("ggml-rpc-server", "llama-server") || skipWithoutShared(MODEL) || skipWithoutShared("models/stories260K.golden.json");

test("a worker killed mid-generation: one line naming it, the model stays loaded, and it serves again once the worker is back", {skip}, async () => {
    const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
    const {prompt, n_predict, output} = golden.greedy[0]!;
    const binary = llamaCppToolPath("ggml-rpc-server");
    const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
    const workers = await Promise.all(ports.map((port) => RpcWorker.start({binary, port})));
    const lostEntry = workers[1]!.rpcEntry();
    const notices: string[] = [];
    const model = await LlamaServerModel.load({
        path: sharedPath(MODEL), binary: llamaCppToolPath("llama-server"), onNotice: (notice) => notices.push(notice),
        launch: {contextSize: 1024, threads: 1, gpuLayers: 99, rpcServers: workers.map((worker) => worker.rpcEntry()), tensorSplit: [1, 1]}
    });
    const greedy = async (options: GenerationOptions, onToken?: (count: number) => Promise<void>) => {
        let count = 0;
        let answer: string | undefined;
        for await (const event of model.complete(prompt, options)) {
            if (event.type === "done") answer = event.result.answer;
            // Generated pieces (the prompt's size comes before llama-server is asked).
            else if (event.type !== "prompt") await onToken?.(++count);
        }
        return answer;
    };
    const pids = new Set<number>([model.process.pid]);
    try {
        const oneLine = (error: unknown) => error instanceof Error && !error.message.includes("\n")
            && error.message.startsWith(`RPC worker ${lostEntry} refused the connection`) && /r1 starts it again when the worker answers$/.test(error.message);
        // A long reply (~1000 tokens at a few ms each), the worker stopped at its first token: the kill lands mid-generation.
        await assert.rejects(greedy({temperature: 0, maxTokens: 1000}, async (count) => {
            if (count === 1) await workers[1]!.stop();
        }), oneLine);
        // While it is gone, each request says so in the same line, quickly.
        await assert.rejects(greedy({temperature: 0, maxTokens: 8}), oneLine);
        assert.ok(notices.some((notice) => notice.startsWith(`RPC worker ${lostEntry}`)), notices.join("\n"));
        // Degraded, with the worker named; r1 keeps trying on its own.
        const degraded = model.degradation();
        assert.equal(degraded?.rpcWorker, lostEntry);
        assert.ok(degraded.since.getTime() <= Date.now() && degraded.restartAttempts >= 1, JSON.stringify(degraded));
        // Back on the same port: the next request starts llama-server again and gets the golden text.
        workers[1] = await RpcWorker.start({binary, port: ports[1]!});
        assert.equal(await greedy({temperature: 0, maxTokens: n_predict, echoPrompt: true}), output);
        pids.add(model.process.pid);
        assert.ok(notices.at(-1)!.endsWith("runs again: its RPC workers answer"), notices.join("\n"));
    } finally {
        await model.dispose();
        await Promise.all(workers.map((worker) => worker.stop()));
    }
    // By process id: other test files run llama-servers on the same shared model at the same time.
    assert.deepEqual([...pids].filter(isRunning), [], "no llama-server left");
});

const home = mkdtempSync(path.join(os.tmpdir(), ".r1-worker-loss-"));
after(() => rmSync(home, {recursive: true, force: true}));

test("r1 serve --rpc: a worker killed mid-reply is one error line, the server stays up, /health and /metrics say which worker since when, "
    + "and once it is back /health is ok and the model serves, without restarting r1", {skip, timeout: 240_000}, async () => {
    const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
    const {prompt, n_predict, output} = golden.greedy[0]!;
    const binary = llamaCppToolPath("ggml-rpc-server");
    const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
    const workers = await Promise.all(ports.map((port) => RpcWorker.start({binary, port, threads: 1})));
    const rpc = workers.map((worker) => worker.rpcEntry()).join(",");
    const lostEntry = workers[1]!.rpcEntry();
    const env: NodeJS.ProcessEnv = {...process.env, R1_HOME: home, NO_COLOR: "1"};
    delete env.NODE_TEST_CONTEXT;
    delete env.UV_THREADPOOL_SIZE;
    const serve = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "serve", "--model", sharedPath(MODEL), "--rpc", rpc,
        "--llama-server", llamaCppToolPath("llama-server"), "--port", "0", "-t", "1", "--no-local-stores"], {env});
    let stderr = "";
    try {
        const url = await new Promise<string>((resolve, reject) => {
            serve.stderr.on("data", (data: Buffer) => {
                stderr += data.toString();
                const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
                if (match !== null) resolve(match[1]!);
            });
            serve.once("exit", (code) => reject(new Error(`r1 serve exited with ${code}: ${stderr}`)));
        });
        const complete = (maxTokens: number, stream = false) => fetch(`${url}/v1/completions`, {method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({model: "stories260K", prompt, max_tokens: maxTokens, temperature: 0, stream})});
        const health = async () => {
            const response = await fetch(`${url}/health`);
            return {status: response.status, body: await response.json() as Record<string, any>};
        };
        const metrics = async () => (await fetch(`${url}/metrics`)).text();
        const first = await complete(n_predict);
        assert.equal(first.status, 200, await first.clone().text());
        const continuation = ((await first.json()) as {choices: {text: string}[]}).choices[0]!.text;
        assert.ok(continuation.length > 20 && output.endsWith(continuation), `${continuation} is not the end of ${output}`);
        assert.deepEqual(await health(), {status: 200, body: {status: "ok", loaded_models: 1}});

        // A long greedy reply; the worker stops at its first chunk, so the loss lands mid-generation.
        const streaming = await complete(1000, true);
        assert.equal(streaming.status, 200);
        const reader = streaming.body!.getReader();
        await reader.read();
        await workers[1]!.stop();
        let rest = "";
        for (;;) {
            const {done, value} = await reader.read();
            if (done) break;
            rest += Buffer.from(value).toString();
        }
        const streamError = /"message":"((?:[^"\\]|\\.)*)"/.exec(rest)?.[1];
        assert.ok(streamError !== undefined && streamError.includes(`RPC worker ${lostEntry} refused the connection`) && !streamError.includes("\\n"), rest);

        // The server is up and says it is degraded: 503, which worker, since when, r1's tries (the background loop's, no request needed).
        await waitUntil(async () => (await health()).status === 503, "/health reports the lost worker");
        await waitUntil(async () => /^r1_rpc_worker_restart_attempts\{[^}]*\} [1-9]/m.test(await metrics()), "r1 tries again on its own", 60_000);
        const down = await health();
        assert.equal(down.body.status, "degraded");
        assert.equal(down.body.error.type, "unavailable_error");
        assert.equal(down.body.degraded[0].model, "stories260K");
        assert.equal(down.body.degraded[0].rpc_worker, lostEntry);
        assert.ok(Date.parse(down.body.degraded[0].since) <= Date.now() && down.body.degraded[0].restart_attempts >= 1, JSON.stringify(down.body));
        const text = await metrics();
        assert.match(text, /^r1_model_degraded\{model="stories260K"\} 1$/m);
        assert.match(text, new RegExp(`^r1_rpc_worker_lost_since_seconds\\{model="stories260K",worker="${lostEntry.replace(/\./g, "\\.")}"\\} \\d`, "m"));
        // A request meanwhile: 503 with the one line naming the worker.
        const refused = await complete(4);
        assert.equal(refused.status, 503);
        assert.equal(refused.headers.get("retry-after"), "2");
        const refusedMessage = ((await refused.json()) as {error: {message: string}}).error.message;
        assert.ok(refusedMessage.startsWith(`RPC worker ${lostEntry} refused the connection`) && !refusedMessage.includes("\n"), refusedMessage);

        // Back on the same port: r1 notices by itself, /health turns ok, and the model gives the golden text again.
        workers[1] = await RpcWorker.start({binary, port: ports[1]!, threads: 1});
        await waitUntil(async () => (await health()).status === 200, "/health is ok again", 120_000);
        assert.match(await metrics(), /^r1_model_degraded\{model="stories260K"\} 0$/m);
        const again = await complete(n_predict);
        assert.equal(again.status, 200, await again.clone().text());
        assert.equal(((await again.json()) as {choices: {text: string}[]}).choices[0]!.text, continuation);
        assert.match(stderr, /runs again: its RPC workers answer/);
        assert.equal(serve.exitCode, null, "r1 serve was never restarted");
    } finally {
        serve.kill("SIGTERM");
        if (serve.exitCode === null) await new Promise((resolve) => serve.once("exit", resolve));
        await Promise.all(workers.map((worker) => worker.stop()));
    }
    assert.deepEqual(processesMatching(`--rpc ${rpc}`), [], "no llama-server left");
});
