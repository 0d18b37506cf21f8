import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {chmod, mkdir, mkdtemp, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {requireVariant} from "../../src/catalog/index.js";
import {LLAMA_CPP_RELEASE} from "../../src/engine/llamaCppTools/index.js";
import {llamaServerArgs} from "../../src/engine/llamaServer/llamaServerArgs.js";
import {customHardware, hardwareProfile} from "../../src/hardware/index.js";
import {planCommandLine} from "../../src/cli/planEngine.js";
import {defaultExpertOffload, planLaunchOptions, planModel, requiredEngine} from "../../src/plan/index.js";
import {repoRoot} from "../helpers/shared.js";

const r1 = requireVariant("deepseek-r1");

test("the 671B on an RTX 4090 + 64 GB: experts of the first 55 layers in RAM → exactly -ngl 62 --fit off --n-cpu-moe 55", () => {
    const plan = planModel({variant: r1, quant: "UD-IQ1_S", hardware: hardwareProfile("rtx-4090"), expertOffload: true});
    assert.equal(plan.cpuMoeLayers, 55);
    assert.equal(plan.gpuLayers, 62);
    assert.deepEqual(requiredEngine(plan), {engine: "llama-server", reason: "MoE experts in RAM with attention on the GPU (node-llama-cpp cannot place tensors by name)"});
    assert.deepEqual(llamaServerArgs(planLaunchOptions(plan, {modelPath: "/m/r1.gguf"})), [
        "-m", "/m/r1.gguf", "-c", "8192", "-np", "1", "-ngl", "62", "--fit", "off", "--n-cpu-moe", "55",
        "--cache-ram", "0", "--reasoning-format", "deepseek", "--no-webui"
    ]);
    // Without the option the planner keeps to what the embedded engine can load.
    const embedded = planModel({variant: r1, quant: "UD-IQ1_S", hardware: hardwareProfile("rtx-4090")});
    assert.equal(embedded.cpuMoeLayers, 0);
    assert.deepEqual(requiredEngine(embedded), {engine: "embedded"});
});

test("the 671B on a CPU with AMX needs llama-server with --no-repack (node-llama-cpp's AMX buffers abort on deepseek2); without AMX, or a distill, embedded", () => {
    const epyc = hardwareProfile("epyc-2s-384gb-ddr5");
    const sapphire = {...epyc, name: "sapphire", cpu: {...epyc.cpu, isa: [...epyc.cpu.isa, "amx_int8"]}};
    const onAmx = planModel({variant: r1, quant: "UD-IQ1_S", hardware: sapphire});
    assert.equal(onAmx.cpuMoeLayers, 0);
    assert.deepEqual(requiredEngine(onAmx, sapphire.cpu), {engine: "llama-server",
        reason: "deepseek2 on an AMX CPU (node-llama-cpp's AMX weight buffers abort on it; llama-server runs it with --no-repack)"});
    assert.deepEqual(requiredEngine(planModel({variant: r1, quant: "UD-IQ1_S", hardware: epyc}), epyc.cpu), {engine: "embedded"});
    assert.deepEqual(requiredEngine(onAmx), {engine: "embedded"}, "no CPU given: none with AMX");
    const distill = planModel({variant: requireVariant("deepseek-r1-distill-qwen-7b"), quant: "Q4_K_M", hardware: sapphire});
    assert.deepEqual(requiredEngine(distill, sapphire.cpu), {engine: "embedded"});
});

test("the printed llama-server command for the 671B has --no-repack on an AMX CPU, not without AMX", async () => {
    const epyc = hardwareProfile("epyc-2s-384gb-ddr5");
    const sapphire = {...epyc, cpu: {...epyc.cpu, isa: [...epyc.cpu.isa, "amx_int8"]}};
    const options = {parallel: 1, kvCacheType: "f16" as const, modelPath: "/m/r1.gguf"};
    const onAmx = await planCommandLine(planModel({variant: r1, quant: "UD-IQ1_S", hardware: sapphire}), {hardware: sapphire, ...options});
    assert.match(onAmx, /^llama-server -m \/m\/r1\.gguf .* --no-repack /);
    const without = await planCommandLine(planModel({variant: r1, quant: "UD-IQ1_S", hardware: epyc}), {hardware: epyc, ...options});
    assert.doesNotMatch(without, /--no-repack/);
});

test("every layer's experts in RAM → -ot exps=CPU; slots, context and cache type are the plan's", () => {
    const plan = {gpuLayers: 62, cpuMoeLayers: 61, contextSize: 4096, architecture: r1.architecture};
    assert.deepEqual(llamaServerArgs(planLaunchOptions(plan, {modelPath: "/m.gguf", parallel: 2, kvCacheType: "q8_0"})), [
        "-m", "/m.gguf", "-c", "8192", "-np", "2", "-ngl", "62", "--fit", "off", "-ot", "exps=CPU", "-ctk", "q8_0", "-ctv", "q8_0",
        "--cache-ram", "0", "--reasoning-format", "deepseek", "--no-webui"
    ]);
    // A dense plan: only the layer count, no expert flags.
    assert.deepEqual(llamaServerArgs(planLaunchOptions({gpuLayers: 0, cpuMoeLayers: 0, contextSize: 4096, architecture: r1.architecture},
        {modelPath: "/m.gguf", flashAttention: false})).slice(0, 12),
    ["-m", "/m.gguf", "-c", "4096", "-np", "1", "-ngl", "0", "--fit", "off", "-fa", "off"]);
});

test("a GPU with room for more keeps fewer layers' experts in RAM", () => {
    const big = customHardware(hardwareProfile("rtx-4090"), {vramGB: 48, ramGB: 256});
    const plan = planModel({variant: r1, quant: "UD-IQ1_S", hardware: big, expertOffload: true});
    assert.ok(plan.cpuMoeLayers > 0 && plan.cpuMoeLayers < 55, `cpuMoeLayers ${plan.cpuMoeLayers}`);
    const args = llamaServerArgs(planLaunchOptions(plan, {modelPath: "/m.gguf"}));
    assert.deepEqual(args.slice(args.indexOf("--n-cpu-moe"), args.indexOf("--n-cpu-moe") + 2), ["--n-cpu-moe", String(plan.cpuMoeLayers)]);
});

test("defaultExpertOffload: a GPU machine with llama-server, or any what-if GPU machine", () => {
    const gpu = {gpus: hardwareProfile("rtx-4090").gpus};
    assert.equal(defaultExpertOffload({hardware: gpu, llamaServerAvailable: true, whatIf: false}), true);
    assert.equal(defaultExpertOffload({hardware: gpu, llamaServerAvailable: false, whatIf: false}), false);
    assert.equal(defaultExpertOffload({hardware: gpu, llamaServerAvailable: false, whatIf: true}), true);
    assert.equal(defaultExpertOffload({hardware: {gpus: []}, llamaServerAvailable: true, whatIf: true}), false);
});

test("r1 plan deepseek-r1 --quant UD-IQ1_S --hardware rtx-4090 prints the layout, the prediction and the llama-server command", () => {
    const home = path.join(os.tmpdir(), "r1-plan-home-unused");
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan", "deepseek-r1", "--quant", "UD-IQ1_S",
        "--hardware", "rtx-4090", ...args], {encoding: "utf8", env: {...process.env, R1_HOME: home, NO_COLOR: "1"}});
    const text = run();
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Placement: .*experts of 55\/61 layers in RAM|Placement: .*--n-cpu-moe 55/);
    assert.match(text.stdout, /Generation: [\d.]+ tok\/s/);
    assert.match(text.stdout, /Engine: +llama-server, for MoE experts in RAM .*get it with r1 engine build on that machine \(cuda backend\)/);
    // For that machine, not this one: its own llama-server and the model where r1 pull puts it there, nothing under this R1_HOME.
    const command = "llama-server -m ~/.r1/models/deepseek-r1%3AUD-IQ1_S/DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf -c 8192 -np 1 -ngl 62 --fit off --n-cpu-moe 55 --cache-ram 0 --reasoning-format deepseek --no-webui";
    assert.ok(text.stdout.includes(`\n  ${command}\n  (for rtx-4090, not this machine: its llama-server (\`r1 engine build\` there, cuda backend)`), text.stdout);
    assert.equal(text.stdout.includes(home), false, text.stdout);

    const json = JSON.parse(run("--json").stdout);
    assert.equal(json.llamaServerCommand, command);
    assert.equal(json.llamaServerCommandFor, "rtx-4090");
    assert.equal(json.candidates[0].cpuMoeLayers, 55);
    assert.equal(json.candidates[0].engine.engine, "llama-server");
    assert.equal(json.candidates[0].engine.available, false);

    // --no-cpu-moe: the layout the embedded engine can load.
    const dense = JSON.parse(run("--json", "--no-cpu-moe").stdout);
    assert.equal(dense.candidates[0].cpuMoeLayers, 0);
    assert.equal(dense.candidates[0].engine.engine, "embedded");
});

test("r1 plan --hardware PROFILE never prints this machine's llama-server or model store; without --hardware it does", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-plan-whatif-"));
    try {
        // A compatible llama-server on PATH: the one r1 would start on this machine.
        const bin = path.join(dir, "bin");
        await mkdir(bin);
        const local = path.join(bin, "llama-server");
        await writeFile(local, `#!/bin/sh\necho "version: ${LLAMA_CPP_RELEASE.slice(1)}-dev (build 1, commit 80fb11a)" >&2\n`);
        await chmod(local, 0o755);
        const home = path.join(dir, "home");
        const run = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "plan", "deepseek-r1-distill-qwen-7b", "--quant", "Q4_K_M", ...args],
            {encoding: "utf8", env: {...process.env, R1_HOME: home, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1"}});

        const here = JSON.parse(run("--json").stdout);
        assert.equal(here.llamaServerCommand.split(" ")[0], local, "the test's llama-server is the one found here");
        assert.equal(here.llamaServerCommandFor, "this machine");

        const text = run("--hardware", "m3-ultra-512gb");
        assert.equal(text.status, 0, text.stderr);
        assert.equal(text.stdout.includes(dir), false, text.stdout);
        const command = "llama-server -m ~/.r1/models/deepseek-r1-distill-qwen-7b%3AQ4_K_M/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf -c 8192 -np 1";
        assert.ok(text.stdout.includes(`\n  ${command} `), text.stdout);
        assert.match(text.stdout, /\(for m3-ultra-512gb, not this machine: its llama-server \(`r1 engine build` there, metal backend\)/);
        const json = JSON.parse(run("--hardware", "m3-ultra-512gb", "--json").stdout);
        assert.ok(json.llamaServerCommand.startsWith(`${command} `), json.llamaServerCommand);
        assert.equal(json.llamaServerCommandFor, "m3-ultra-512gb");
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
