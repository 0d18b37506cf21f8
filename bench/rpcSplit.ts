// Local vs split across two loopback `r1 worker`s (llama.cpp RPC), alternated rounds, same file and
// threads: median ms/token of generation and prompt tok/s for a 512-token prompt, the per-token network
// overhead (split − local), and the planner's prediction for both (planRpcSplit). Both llama-servers stay
// loaded; each round runs one request on each, in turn, so machine noise hits them alike. Figures come from
// llama-server's own timings (no HTTP time in them).
//
//   node --import tsx bench/rpcSplit.ts [--model FILE.gguf] [--rounds 5] [--tokens 64] [--prompt 512] [--threads N]
//
// Without --model a synthetic R1-Distill-Qwen-1.5B Q4_K_M is written to R1_HOME's synthetic cache. Weights are
// not repacked (--no-repack): on this project's VM llama.cpp's AMX kernels die of SIGILL.
import {existsSync} from "node:fs";
import os from "node:os";
import {parseArgs} from "node:util";
import {requireVariant} from "../src/catalog/index.js";
import {syntheticModelPath} from "../src/bench/syntheticModelPath.js";
import {writeSyntheticModel} from "../src/bench/writeSyntheticModel.js";
import {medianInterval} from "../src/bench/stats.js";
import {findLlamaCppTools, requireLlamaCppTool} from "../src/engine/llamaCppTools/index.js";
import {LlamaServerModel} from "../src/engine/llamaServer/LlamaServerModel.js";
import {requestJson} from "../src/engine/llamaServer/llamaServerHttp.js";
import {freeLoopbackPort} from "../src/engine/llamaServer/freeLoopbackPort.js";
import {physicalCoreCount} from "../src/engine/physicalCoreCount.js";
import {probeRpcWorker, RpcWorker} from "../src/engine/rpcWorker/index.js";
import {detectHardware, r1HomeDir} from "../src/hardware/index.js";
import {readGguf} from "../src/gguf/index.js";
import {architectureFromGguf, localSplitTerms, modelWeightsFromGguf, planRpcSplit} from "../src/plan/index.js";
import {rpcSplitDevices} from "../src/cli/printRpcPlan.js";

const {values} = parseArgs({options: {
    model: {type: "string"}, rounds: {type: "string", default: "5"}, tokens: {type: "string", default: "64"},
    prompt: {type: "string", default: "512"}, threads: {type: "string"}
}});
const rounds = Number(values.rounds);
const tokens = Number(values.tokens);
const promptTokens = Number(values.prompt);
const threads = values.threads === undefined ? physicalCoreCount() : Number(values.threads);
const contextSize = promptTokens + tokens + 16;

let modelPath = values.model;
if (modelPath === undefined) {
    modelPath = syntheticModelPath(r1HomeDir(), "deepseek-r1-distill-qwen-1.5b", "Q4_K_M");
    if (!existsSync(modelPath)) {
        process.stderr.write(`writing ${modelPath}\n`);
        await writeSyntheticModel({variant: requireVariant("deepseek-r1-distill-qwen-1.5b"), quant: "Q4_K_M", path: modelPath});
    }
}
const found = await findLlamaCppTools();
const llamaServer = requireLlamaCppTool(found, "llama-server");
const rpcServer = requireLlamaCppTool(found, "ggml-rpc-server");
const gguf = await readGguf(modelPath);
const architecture = architectureFromGguf(gguf, modelPath);
const weights = modelWeightsFromGguf(gguf);
const hardware = await detectHardware();

const workers = await Promise.all([0, 1].map(async () => RpcWorker.start({binary: rpcServer, port: await freeLoopbackPort(), threads})));
const models: LlamaServerModel[] = [];
try {
    const probes = [];
    for (const worker of workers) probes.push(await probeRpcWorker(worker.rpcEntry()));
    const common = {architecture, weights, contextSize, ...localSplitTerms(hardware)};
    const localPlan = planRpcSplit({...common, devices: []});
    const {devices, ram, assumption} = rpcSplitDevices(probes, {...hardware, gpus: []});
    const splitPlan = planRpcSplit({...common, ram, devices});
    const launch = {contextSize, threads, repack: false} as const;
    const local = await LlamaServerModel.load({path: modelPath, binary: llamaServer, launch: {...launch, gpuLayers: 0}});
    models.push(local);
    const split = await LlamaServerModel.load({path: modelPath, binary: llamaServer,
        launch: {...launch, gpuLayers: splitPlan.gpuLayers, rpcServers: workers.map((worker) => worker.rpcEntry()), tensorSplit: [...splitPlan.tensorSplit]}});
    models.push(split);

    const prompt = Array.from({length: promptTokens}, (_, i) => 1000 + (i * 7919) % 50_000);
    type Timings = {prompt_n: number, prompt_ms: number, predicted_n: number, predicted_ms: number};
    const run = async (model: LlamaServerModel, body: object) => (await requestJson<{timings: Timings}>(model.process, "/completion",
        {temperature: 0, top_k: 1, cache_prompt: false, ignore_eos: true, ...body})).timings;
    const samples = {local: {ms: [] as number[], pp: [] as number[]}, split: {ms: [] as number[], pp: [] as number[]}};
    // One unmeasured warm-up each, then alternated rounds.
    for (const model of models) await run(model, {prompt: prompt.slice(0, 8), n_predict: 4});
    for (let round = 0; round < rounds; round++) {
        for (const [name, model] of [["local", local], ["split", split]] as const) {
            const generation = await run(model, {prompt: [prompt[0]], n_predict: tokens});
            const prefill = await run(model, {prompt, n_predict: 1});
            samples[name].ms.push(generation.predicted_ms / generation.predicted_n);
            samples[name].pp.push(prefill.prompt_n / (prefill.prompt_ms / 1000));
        }
        process.stderr.write(`round ${round + 1}/${rounds}: local ${samples.local.ms.at(-1)!.toFixed(1)} ms/token, split ${samples.split.ms.at(-1)!.toFixed(1)} ms/token\n`);
    }
    const summary = (name: "local" | "split") => {
        const ms = medianInterval(samples[name].ms);
        const pp = medianInterval(samples[name].pp);
        return {ms, pp};
    };
    const l = summary("local");
    const s = summary("split");
    const ratios = samples.split.ms.map((ms, i) => ms / samples.local.ms[i]!);
    const predicted = {local: 1000 / localPlan.predictedTokensPerSecond, split: 1000 / splitPlan.predictedTokensPerSecond};
    console.log(`machine: ${os.cpus()[0]?.model} (${os.availableParallelism()} threads), load ${os.loadavg()[0]!.toFixed(1)}; model ${modelPath}; threads ${threads}; ${rounds} rounds of ${tokens} tokens and a ${promptTokens}-token prompt`);
    console.log(`split: -ngl ${splitPlan.gpuLayers} -ts ${splitPlan.tensorSplit.join(",")} over ${workers.map((w) => w.rpcEntry()).join(", ")}; round trips ${probes.map((p) => `${(p.roundTripSeconds * 1e3).toFixed(2)} ms`).join(", ")}`);
    console.log("| config | gen median ms/token [95% CI] | prompt tok/s median | predicted ms/token | measured ÷ predicted |");
    console.log("|---|---|---|---|---|");
    for (const [name, x] of [["local (llama-server, CPU)", l], ["split over 2 loopback workers", s]] as const) {
        const p = name.startsWith("local") ? predicted.local : predicted.split;
        console.log(`| ${name} | ${x.ms.median.toFixed(2)} [${x.ms.low.toFixed(2)}, ${x.ms.high.toFixed(2)}] | ${x.pp.median.toFixed(1)} | ${p.toFixed(2)} | ${(x.ms.median / p).toFixed(2)} |`);
    }
    console.log(`per-round split ÷ local ms/token: median ${medianInterval(ratios).median.toFixed(3)}; network overhead per token (split − local medians): ${(s.ms.median - l.ms.median).toFixed(2)} ms; planner's network term ${(splitPlan.networkSecondsPerToken * 1e3).toFixed(2)} ms`);
    console.log(`note: ${assumption}`);
} finally {
    for (const model of models) await model.dispose();
    for (const worker of workers) await worker.stop();
}
