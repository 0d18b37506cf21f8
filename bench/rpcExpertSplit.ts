// A MoE model three ways, alternated rounds: local only, its layers split over two loopback `r1 worker`s
// (planRpcSplit), and only its routed experts on two other loopback workers (planRpcExpertSplit, llama-server
// -ot …=RPC0[host:port]). Prints median ms/token of generation for each, the per-round ratios to local, and
// the planner's prediction for each — the experts split costs a round-trip stretch per remote layer, the
// layer split one per worker, and this is where the two differ. Figures come from llama-server's own timings.
//
//   node --import tsx bench/rpcExpertSplit.ts [--rounds 5] [--tokens 32] [--layers 12] [--threads 1]
//
// The model is the tiny deepseek2 MoE (tinyMoeVariant) widened to 256 and deepened to --layers, 16 experts of
// which 4 are used, written to a temporary folder (a few MB): its compute is small, so per-token overheads and
// the network dominate, which is what the two splits' predictions differ by. Four workers: a worker serves one
// llama-server at a time and both splits stay loaded. Weights are not repacked (this VM's AMX kernels).
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {parseArgs} from "node:util";
import {TINY_MOE_QUANT, tinyMoeVariant} from "../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../src/bench/writeSyntheticModel.js";
import {medianInterval} from "../src/bench/stats.js";
import type {MoeArchitecture} from "../src/catalog/index.js";
import {rpcSplitDevices} from "../src/cli/printRpcPlan.js";
import {findLlamaCppTools, requireLlamaCppTool} from "../src/engine/llamaCppTools/index.js";
import {LlamaServerModel} from "../src/engine/llamaServer/LlamaServerModel.js";
import {requestJson} from "../src/engine/llamaServer/llamaServerHttp.js";
import {freeLoopbackPort} from "../src/engine/llamaServer/freeLoopbackPort.js";
import {probeRpcWorker, RpcWorker} from "../src/engine/rpcWorker/index.js";
import {detectHardware} from "../src/hardware/index.js";
import {readGguf} from "../src/gguf/index.js";
import {architectureFromGguf, localSplitTerms, modelWeightsFromGguf, planRpcExpertSplit, planRpcSplit} from "../src/plan/index.js";

const {values} = parseArgs({options: {
    rounds: {type: "string", default: "5"}, tokens: {type: "string", default: "32"}, layers: {type: "string", default: "12"}, threads: {type: "string", default: "1"}
}});
const rounds = Number(values.rounds);
const tokens = Number(values.tokens);
const threads = Number(values.threads);
const contextSize = 256;

const tiny = tinyMoeVariant();
const moe: MoeArchitecture = {...tiny.architecture as MoeArchitecture, layers: Number(values.layers), hiddenSize: 256, ffnSize: 512, experts: 16, expertsUsed: 4, expertFfnSize: 256};
const dir = await mkdtemp(path.join(os.tmpdir(), "r1-bench-rpc-experts-"));
const modelPath = path.join(dir, "moe.gguf");
await writeSyntheticModel({variant: {...tiny, architecture: moe}, quant: TINY_MOE_QUANT, path: modelPath, asciiTokens: true});
const found = await findLlamaCppTools();
const llamaServer = requireLlamaCppTool(found, "llama-server");
const rpcServer = requireLlamaCppTool(found, "ggml-rpc-server");
const gguf = await readGguf(modelPath);
const architecture = architectureFromGguf(gguf, modelPath);
const weights = modelWeightsFromGguf(gguf);
const hardware = {...await detectHardware(), gpus: []};

const workers: RpcWorker[] = [];
const models: LlamaServerModel[] = [];
try {
    for (let i = 0; i < 4; i++) workers.push(await RpcWorker.start({binary: rpcServer, port: await freeLoopbackPort(), threads}));
    const probes = [];
    for (const worker of workers) probes.push(await probeRpcWorker(worker.rpcEntry()));
    const common = {architecture, weights, contextSize, ...localSplitTerms(hardware)};
    const localPlan = planRpcSplit({...common, devices: []});
    const layerDevices = rpcSplitDevices(probes.slice(0, 2), hardware);
    const layerPlan = planRpcSplit({...common, ram: layerDevices.ram, devices: layerDevices.devices});
    const expertDevices = rpcSplitDevices(probes.slice(2), hardware);
    const expertPlan = planRpcExpertSplit({...common, ram: expertDevices.ram, devices: expertDevices.devices, expertsUsed: moe.expertsUsed});
    const launch = {contextSize, threads, repack: false} as const;
    const entries = workers.map((worker) => worker.rpcEntry());
    const configs = {
        local: await LlamaServerModel.load({path: modelPath, binary: llamaServer, launch: {...launch, gpuLayers: 0}}),
        layers: await LlamaServerModel.load({path: modelPath, binary: llamaServer,
            launch: {...launch, gpuLayers: layerPlan.gpuLayers, rpcServers: entries.slice(0, 2), tensorSplit: [...layerPlan.tensorSplit]}}),
        experts: await LlamaServerModel.load({path: modelPath, binary: llamaServer,
            launch: {...launch, gpuLayers: 0, rpcServers: entries.slice(2), overrideTensors: [...expertPlan.overrideTensors]}})
    };
    models.push(...Object.values(configs));
    type Timings = {predicted_n: number, predicted_ms: number};
    const run = async (model: LlamaServerModel, n: number) => (await requestJson<{timings: Timings}>(model.process, "/completion",
        {prompt: "hello", n_predict: n, temperature: 0, top_k: 1, cache_prompt: false, ignore_eos: true})).timings;
    const names = ["local", "layers", "experts"] as const;
    const ms: Record<(typeof names)[number], number[]> = {local: [], layers: [], experts: []};
    for (const name of names) await run(configs[name], 4);
    for (let round = 0; round < rounds; round++) {
        for (const name of names) {
            const t = await run(configs[name], tokens);
            ms[name].push(t.predicted_ms / t.predicted_n);
        }
        process.stderr.write(`round ${round + 1}/${rounds}: ${names.map((name) => `${name} ${ms[name].at(-1)!.toFixed(2)}`).join(", ")} ms/token\n`);
    }
    const predicted = {local: 1000 / localPlan.predictedTokensPerSecond, layers: 1000 / layerPlan.predictedTokensPerSecond, experts: 1000 / expertPlan.predictedTokensPerSecond};
    console.log(`machine: ${os.cpus()[0]?.model} (${os.availableParallelism()} threads), load ${os.loadavg()[0]!.toFixed(1)}; `
        + `${moe.layers}-layer deepseek2 MoE at width ${moe.hiddenSize}, ${moe.experts} experts (${moe.expertsUsed} used), ${TINY_MOE_QUANT}, ${(weights.fileBytes / 2 ** 20).toFixed(1)} MiB; `
        + `threads ${threads}; ${rounds} alternated rounds of ${tokens} tokens`);
    console.log(`layers: -ngl ${layerPlan.gpuLayers} -ts ${layerPlan.tensorSplit.join(",")} (${layerPlan.remoteSegments} remote stretches); `
        + `experts: ${expertPlan.remoteLayers} remote layers (${expertPlan.placements.map((p) => `${p.buffer} ${p.layers.length}`).join(", ")}); `
        + `round trips ${probes.map((p) => `${(p.roundTripSeconds * 1e3).toFixed(2)}`).join(", ")} ms`);
    console.log("| config | gen median ms/token [95% CI] | per-round ÷ local (median) | planner's ms/token | planner ÷ local | planner's network ms/token |");
    console.log("|---|---|---|---|---|---|");
    for (const name of names) {
        const x = medianInterval(ms[name]);
        const ratio = medianInterval(ms[name].map((value, i) => value / ms.local[i]!)).median;
        const network = name === "local" ? 0 : name === "layers" ? layerPlan.networkSecondsPerToken * 1e3 : expertPlan.networkSecondsPerToken * 1e3;
        console.log(`| ${name} | ${x.median.toFixed(2)} [${x.low.toFixed(2)}, ${x.high.toFixed(2)}] | ${ratio.toFixed(2)} | ${predicted[name].toFixed(2)} | `
            + `${(predicted[name] / predicted.local).toFixed(2)} | ${network.toFixed(2)} |`);
    }
} finally {
    for (const model of models) await model.dispose();
    for (const worker of workers) await worker.stop();
    await rm(dir, {recursive: true, force: true});
}
