import assert from "node:assert/strict";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {TINY_MOE_QUANT, tinyMoeVariant} from "../../../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../../../src/bench/writeSyntheticModel.js";
import {fileModel, planRpcLaunch} from "../../../src/cli/printRpcPlan.js";
import {LlamaServerModel, type LoadLlamaServerModelOptions} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {freeLoopbackPort} from "../../../src/engine/llamaServer/freeLoopbackPort.js";
import {RpcWorker} from "../../../src/engine/rpcWorker/index.js";
import {detectHardware} from "../../../src/hardware/index.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {processesMatching} from "../../helpers/processTable.js";

const skip = skipWithoutLlamaCppTools("ggml-rpc-server", "llama-server");

test("the tiny deepseek2 MoE with its routed experts on two loopback workers (the planner's -ot rules) loads there and generates the local greedy text", {skip}, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-rpc-experts-"));
    const file = path.join(dir, "tiny-deepseek2-moe.gguf");
    const binary = llamaCppToolPath("ggml-rpc-server");
    const workers: RpcWorker[] = [];
    try {
        await writeSyntheticModel({variant: tinyMoeVariant(), quant: TINY_MOE_QUANT, path: file, asciiTokens: true});
        for (let i = 0; i < 2; i++) workers.push(await RpcWorker.start({binary, port: await freeLoopbackPort(), threads: 1}));
        const [a, b] = workers.map((worker) => worker.rpcEntry()) as [string, string];
        // The planner's split from the workers as probed: layer 0 is dense, layers 1 and 2 have routed experts, one per worker.
        const plan = await planRpcLaunch({endpoints: [a, b], ...await fileModel(file), contextSize: 256, kvCacheType: "f16", hardware: await detectHardware()});
        const experts = plan.expertSplit;
        assert.ok(experts !== undefined && experts.fits);
        assert.deepEqual(experts.overrideTensors, [`blk\\.(1)\\.ffn_(up|gate|down)_exps\\.=RPC0[${a}]`, `blk\\.(2)\\.ffn_(up|gate|down)_exps\\.=RPC0[${b}]`]);
        assert.equal(experts.gpuLayers, 0);

        const greedy = async (launch: LoadLlamaServerModelOptions["launch"]) => {
            const logs: string[] = [];
            // One thread for a busy machine; no repacking (this llama.cpp's deepseek2 graph aborts with AMX repacking on this VM, see tinyMoe.test.ts).
            const model = await LlamaServerModel.load({path: file, binary: llamaCppToolPath("llama-server"), onLog: (line) => logs.push(line), onNotice: () => undefined,
                launch: {contextSize: 256, threads: 1, repack: false, logVerbosity: 4, ...launch}});
            try {
                const [running] = processesMatching(file);
                let result;
                for await (const event of model.complete("hello", {temperature: 0, maxTokens: 8})) if (event.type === "done") result = event.result;
                assert.equal(result?.usage.completionTokens, 8);
                return {answer: result!.answer, logs, cmdline: running?.cmdline ?? ""};
            } finally {
                await model.dispose();
            }
        };
        const split = await greedy({rpcServers: [a, b], gpuLayers: experts.gpuLayers, overrideTensors: [...experts.overrideTensors]});
        assert.ok(split.cmdline.includes(` --rpc ${a},${b} -ot `), split.cmdline);
        // llama.cpp put a model buffer on each worker: the experts (its load_tensors lines).
        for (const endpoint of [a, b])
            assert.ok(split.logs.some((line) => line.includes(`RPC0[${endpoint}] model buffer size`)), split.logs.filter((line) => line.includes("buffer size")).join("\n"));
        const local = await greedy({gpuLayers: 0});
        assert.ok(!local.logs.some((line) => line.includes("RPC0[")));
        assert.equal(split.answer, local.answer);
    } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
        assert.deepEqual(processesMatching(file), [], "no llama-server left running");
        await rm(dir, {recursive: true, force: true});
    }
});
