import "../../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {readFileSync} from "node:fs";
import net from "node:net";
import path from "node:path";
import {createInterface} from "node:readline";
import {existsSync} from "node:fs";
import os from "node:os";
import {test} from "node:test";
import {requireVariant} from "../../../src/catalog/index.js";
import {writeSyntheticModel} from "../../../src/bench/writeSyntheticModel.js";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {freeLoopbackPort} from "../../../src/engine/llamaServer/freeLoopbackPort.js";
import {RpcWorker, RpcWorkerExposedError, RpcWorkerStartError} from "../../../src/engine/rpcWorker/index.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {processesMatching} from "../../helpers/processTable.js";
import {repoRoot, sharedPath, skipWithoutShared} from "../../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const skipTools = skipWithoutLlamaCppTools("ggml-rpc-server");
const skipSplit = skipWithoutLlamaCppTools("ggml-rpc-server", "llama-server") || skipWithoutShared(MODEL) || skipWithoutShared("models/stories260K.golden.json");

/** Lines ggml-rpc-server printed since `from` that say a client connected. */
const accepted = (log: string[], from = 0) => log.slice(from).filter((line) => line === "Accepted client connection").length;

/**
 * The log length once every client ggml-rpc-server accepted so far has also closed: r1's own
 * readiness probe connects once at start, and its lines may arrive after `start()` returned.
 */
async function settledLength(log: string[]): Promise<number> {
    const closed = () => log.filter((line) => line === "Client connection closed").length;
    const deadline = Date.now() + 10_000;
    while ((accepted(log) === 0 || accepted(log) !== closed()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(accepted(log), closed(), "ggml-rpc-server finished with r1's readiness probe");
    return log.length;
}

test("two loopback workers hold stories260K split by --tensor-split; greedy output is the golden text and both were used", {skip: skipSplit}, async () => {
    const logs: string[][] = [[], []];
    const workers = await Promise.all(logs.map(async (log) => RpcWorker.start({
        binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort(), onLog: (line) => log.push(line)
    })));
    const before = await Promise.all(logs.map(settledLength));
    try {
        assert.ok(workers.every((worker) => worker.devices.length === 1 && worker.devices[0]!.name === "CPU"), "each offers its CPU");
        const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
        const model = await LlamaServerModel.load({
            path: sharedPath(MODEL), binary: llamaCppToolPath("llama-server"),
            launch: {contextSize: 256, threads: 1, gpuLayers: 99, rpcServers: workers.map((worker) => worker.rpcEntry()), tensorSplit: [1, 1]}
        });
        try {
            for (const {prompt, n_predict, output} of golden.greedy) {
                let answer: string | undefined;
                for await (const event of model.complete(prompt, {temperature: 0, maxTokens: n_predict, echoPrompt: true}))
                    if (event.type === "done") answer = event.result.answer;
                assert.equal(answer, output);
            }
        } finally {
            await model.dispose();
        }
        // llama-server connected to each worker (ggml-rpc-server logs every client).
        logs.forEach((log, i) => assert.ok(accepted(log, before[i]) >= 1, `worker ${i} was used: ${log.join(" | ")}`));
    } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
    }
});

test("a synthetic R1-Distill-Qwen-1.5B Q4_K_M split across two loopback workers decodes", {skip: skipWithoutLlamaCppTools("ggml-rpc-server", "llama-server")}, async () => {
    // Written once (1.1 GB, temporary name then rename) and kept between runs, like r1 bench's synthetic cache.
    const file = path.join(os.tmpdir(), ".r1-test-rpc-models", "deepseek-r1-distill-qwen-1.5b-Q4_K_M.gguf");
    if (!existsSync(file)) await writeSyntheticModel({variant: requireVariant("deepseek-r1-distill-qwen-1.5b"), quant: "Q4_K_M", path: file});
    const logs: string[][] = [[], []];
    const workers = await Promise.all(logs.map(async (log) => RpcWorker.start({
        binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort(), threads: 1, onLog: (line) => log.push(line)
    })));
    try {
        const before = await Promise.all(logs.map(settledLength));
        const model = await LlamaServerModel.load({
            path: file, binary: llamaCppToolPath("llama-server"), startTimeoutMs: 300_000,
            // No repacking: the layers all go to the workers (-ngl 99); repacking only concerns weights kept on this CPU.
            launch: {contextSize: 64, threads: 1, repack: false, gpuLayers: 99, rpcServers: workers.map((worker) => worker.rpcEntry()), tensorSplit: [1, 1]}
        });
        try {
            let completion: number | undefined;
            for await (const event of model.complete("hello", {temperature: 0, maxTokens: 4})) if (event.type === "done") completion = event.result.usage.completionTokens;
            assert.equal(completion, 4);
        } finally {
            await model.dispose();
        }
        logs.forEach((log, i) => assert.ok(accepted(log, before[i]) >= 1, `worker ${i} was used`));
    } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
    }
});

test("--allow: a peer outside the ranges is closed before anything is relayed; an allowed one reaches ggml-rpc-server", {skip: skipTools}, async () => {
    const log: string[] = [];
    const port = await freeLoopbackPort();
    const refusing = await RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port, allow: ["10.0.0.0/8"], onLog: (line) => log.push(line)});
    try {
        assert.equal(refusing.relayed, true);
        const start = await settledLength(log);
        const closed = await new Promise<{bytes: number}>((resolve, reject) => {
            const socket = net.connect({host: "127.0.0.1", port});
            let bytes = 0;
            socket.on("data", (data) => bytes += data.length);
            socket.on("error", () => undefined);
            socket.on("close", () => resolve({bytes}));
            socket.setTimeout(10_000, () => reject(new Error("the refused connection stayed open")));
        });
        assert.equal(closed.bytes, 0);
        assert.deepEqual(refusing.connections, {refused: 1, relayed: 0});
        assert.equal(accepted(log, start), 0, "ggml-rpc-server saw no client");
    } finally {
        await refusing.stop();
    }
    log.length = 0;
    const allowing = await RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort(), allow: ["127.0.0.0/8"], onLog: (line) => log.push(line)});
    try {
        const start = await settledLength(log);
        await new Promise<void>((resolve, reject) => {
            const socket = net.connect({host: "127.0.0.1", port: allowing.port}, () => setTimeout(() => socket.end(), 100));
            socket.on("error", reject);
            socket.on("close", () => resolve());
        });
        assert.equal(allowing.connections.relayed, 1);
        // The relay connected through: ggml-rpc-server logs the client (flushed per connection).
        const deadline = Date.now() + 10_000;
        while (accepted(log, start) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(accepted(log, start), 1);
    } finally {
        await allowing.stop();
    }
});

test("an unknown --device and a taken port are one-line start errors", {skip: skipTools}, async () => {
    await assert.rejects(RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort(), devices: ["NOPE"]}),
        (error: unknown) => error instanceof RpcWorkerStartError && /unknown device: NOPE/.test(error.message) && !error.message.includes("\n"));
    const first = await RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port: await freeLoopbackPort()});
    try {
        await assert.rejects(RpcWorker.start({binary: llamaCppToolPath("ggml-rpc-server"), port: first.port}),
            (error: unknown) => error instanceof RpcWorkerStartError && error.message === `the RPC worker did not start: 127.0.0.1:${first.port} is already in use`);
    } finally {
        await first.stop();
    }
});

test("a non-loopback --host without --allow is refused before anything listens", async () => {
    await assert.rejects(RpcWorker.start({binary: "/nonexistent/ggml-rpc-server", host: "0.0.0.0"}), RpcWorkerExposedError);
});

test("r1 worker prints its devices and --rpc entry; Ctrl-C stops it and its ggml-rpc-server", {skip: skipTools}, async () => {
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "worker", "--port", String(port)], {stdio: ["ignore", "pipe", "pipe"],
        env: {...process.env, NO_COLOR: "1"}});
    const out: string[] = [];
    const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
    await new Promise<void>((resolve, reject) => {
        createInterface({input: child.stdout!}).on("line", (line) => {
            out.push(line);
            if (line.startsWith("On the main host:")) resolve();
        });
        void exited.then((code) => reject(new Error(`r1 worker exited with ${code} before it was ready: ${out.join("\n")}`)));
    });
    assert.match(out[0]!, new RegExp(`^r1 worker: ggml-rpc-server \\(RPC v\\d+\\.\\d+\\.\\d+\\) listening on 127\\.0\\.0\\.1:${port}$`));
    assert.match(out[1]!, /^ {2}CPU: .* free of /);
    assert.equal(out.at(-1), `On the main host: --rpc 127.0.0.1:${port}`);
    const marker = `-p ${port}`;
    assert.equal(processesMatching(marker).filter((entry) => entry.cmdline.includes("ggml-rpc-server")).length, 1);
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    assert.deepEqual(processesMatching(marker).filter((entry) => entry.cmdline.includes("ggml-rpc-server")), [], "ggml-rpc-server stopped with r1 worker");
});
