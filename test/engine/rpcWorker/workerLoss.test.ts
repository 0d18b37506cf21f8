import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {freeLoopbackPort} from "../../../src/engine/llamaServer/freeLoopbackPort.js";
import {RpcWorker} from "../../../src/engine/rpcWorker/index.js";
import type {GenerationOptions} from "../../../src/engine/types.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {isRunning} from "../../helpers/processTable.js";
import {sharedPath, skipWithoutShared} from "../../helpers/shared.js";

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
            else await onToken?.(++count);
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
