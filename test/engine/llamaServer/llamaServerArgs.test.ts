import {test} from "node:test";
import assert from "node:assert/strict";
import {formatCommandLine, llamaServerArgs, LlamaServerArgsError} from "../../../src/engine/llamaServer/llamaServerArgs.js";

test("defaults: one slot of 8192 tokens (r1's default context), no prompt cache in RAM, R1's reasoning extracted, no web page", () => {
    assert.deepEqual(llamaServerArgs({modelPath: "/m.gguf"}),
        ["-m", "/m.gguf", "-c", "8192", "-np", "1", "--cache-ram", "0", "--reasoning-format", "deepseek", "--no-webui"]);
});

test("-c is the total over all slots: per-sequence context × parallel", () => {
    const args = llamaServerArgs({modelPath: "m.gguf", contextSize: 8192, parallel: 4});
    assert.deepEqual(args.slice(2, 6), ["-c", "32768", "-np", "4"]);
});

test("every placement option maps to its llama-server flag, in a fixed order", () => {
    const args = llamaServerArgs({
        modelPath: "/models/r1.gguf", host: "127.0.0.1", port: 41234, apiKey: "k3y", contextSize: 2048, parallel: 2,
        threads: 6, batchSize: 256, gpuLayers: 62, cpuMoeLayers: 40, overrideTensors: ["blk\\.(3|4)\\.ffn_.*_exps\\.=CPU", "exps=CPU"],
        tensorSplit: [3, 1], rpcServers: ["10.0.0.2:50052", "10.0.0.3:50052"], flashAttention: true, cacheTypeK: "Q8_0", cacheTypeV: "q4_0",
        mmap: false, mlock: true, draftModelPath: "/models/d.gguf", draftGpuLayers: "max", reasoningBudget: 512,
        chatTemplateFile: "/t.jinja", promptCacheMiB: 1024, repack: false, logVerbosity: 4
    });
    assert.deepEqual(args, [
        "-m", "/models/r1.gguf", "--host", "127.0.0.1", "--port", "41234", "--api-key", "k3y", "-c", "4096", "-np", "2",
        "-t", "6", "-b", "256", "-ub", "256", "-ngl", "62", "--fit", "off", "--n-cpu-moe", "40",
        "-ts", "3,1", "--rpc", "10.0.0.2:50052,10.0.0.3:50052", "-ot", "blk\\.(3|4)\\.ffn_.*_exps\\.=CPU,exps=CPU",
        "-fa", "on", "-ctk", "q8_0", "-ctv", "q4_0", "--load-mode", "mlock", "-md", "/models/d.gguf", "--spec-type", "draft-simple", "-ngld", "all",
        "--no-repack", "--cache-ram", "1024", "--reasoning-format", "deepseek", "--reasoning-budget", "512", "--chat-template-file", "/t.jinja", "-lv", "4", "--no-webui"
    ]);
});

test("gpu layers: a count turns llama.cpp's --fit off; auto leaves it to llama-server; max is all", () => {
    assert.ok(!llamaServerArgs({modelPath: "m", gpuLayers: "auto"}).includes("-ngl"));
    assert.ok(!llamaServerArgs({modelPath: "m", gpuLayers: "auto"}).includes("--fit"));
    const max = llamaServerArgs({modelPath: "m", gpuLayers: "max"});
    assert.equal(max[max.indexOf("-ngl") + 1], "all");
    assert.ok(!max.includes("--fit"));
    const zero = llamaServerArgs({modelPath: "m", gpuLayers: 0});
    assert.deepEqual(zero.slice(zero.indexOf("-ngl"), zero.indexOf("-ngl") + 4), ["-ngl", "0", "--fit", "off"]);
});

test("mmap and mlock become one --load-mode (the --mmap/--mlock flags are deprecated in this llama.cpp)", () => {
    const mode = (mmap?: boolean, mlock?: boolean) => {
        const args = llamaServerArgs({modelPath: "m", ...(mmap === undefined ? {} : {mmap}), ...(mlock === undefined ? {} : {mlock})});
        const at = args.indexOf("--load-mode");
        return at < 0 ? undefined : args[at + 1];
    };
    assert.equal(mode(), undefined);
    assert.equal(mode(undefined, false), undefined);
    assert.equal(mode(true), "mmap");
    assert.equal(mode(false), "none");
    assert.equal(mode(false, false), "none");
    assert.equal(mode(true, true), "mmap+mlock");
    assert.equal(mode(undefined, true), "mmap+mlock");
    assert.equal(mode(false, true), "mlock");
});

test("flash attention off, reasoning format none", () => {
    const args = llamaServerArgs({modelPath: "m", flashAttention: false, reasoningFormat: "none"});
    assert.equal(args[args.indexOf("-fa") + 1], "off");
    assert.equal(args[args.indexOf("--reasoning-format") + 1], "none");
});

test("options llama-server cannot take are errors naming the option", () => {
    const bad = [
        {parallel: 0}, {parallel: 65}, {contextSize: 0}, {contextSize: 15}, {contextSize: 1.5}, {threads: 0}, {port: 70000}, {gpuLayers: -1},
        {cpuMoeLayers: -2}, {overrideTensors: ["exps"]}, {overrideTensors: ["a,b=CPU"]}, {rpcServers: ["h:1,h:2"]},
        {tensorSplit: [1, -1]}, {draftGpuLayers: 3}, {reasoningBudget: -1}, {promptCacheMiB: -1}
    ];
    for (const options of bad) {
        assert.throws(() => llamaServerArgs({modelPath: "m", ...options}), (error: unknown) =>
            error instanceof LlamaServerArgsError && error.exitCode === 2 && error.message.includes(Object.keys(options)[0]!), JSON.stringify(options));
    }
});

test("the printed command quotes only what a shell needs", () => {
    assert.equal(formatCommandLine("/bin/llama-server", ["-m", "/my models/r1.gguf", "-ot", "blk\\.(3|4)\\.ffn=CPU", "-c", "4096", "--api-key", "it's"]),
        "/bin/llama-server -m '/my models/r1.gguf' -ot 'blk\\.(3|4)\\.ffn=CPU' -c 4096 --api-key 'it'\\''s'");
});
