import assert from "node:assert/strict";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {TINY_MOE_QUANT, tinyMoeVariant} from "../../../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../../../src/bench/writeSyntheticModel.js";
import {readGguf} from "../../../src/gguf/index.js";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {planLaunchOptions} from "../../../src/plan/index.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {processesMatching} from "../../helpers/processTable.js";

const skip = skipWithoutLlamaCppTools("llama-server");
const variant = tinyMoeVariant();
let dir = "";
let file = "";

before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "r1-tiny-moe-"));
    file = path.join(dir, "tiny-deepseek2-moe.gguf");
    await writeSyntheticModel({variant, quant: TINY_MOE_QUANT, path: file, asciiTokens: true});
});

after(async () => {
    if (file !== "") assert.deepEqual(processesMatching(file), [], "no llama-server left running");
    if (dir !== "") await rm(dir, {recursive: true, force: true});
});

test("the tiny MoE is a deepseek2 GGUF with the real tensor names: MLA attention, a dense first layer, routed and shared experts", async () => {
    const gguf = await readGguf(file);
    assert.equal(gguf.metadata.getString("general.architecture"), "deepseek2");
    assert.equal(gguf.metadata.getNumber("deepseek2.expert_count"), 4);
    assert.equal(gguf.metadata.getNumber("deepseek2.leading_dense_block_count"), 1);
    const names = new Set(gguf.tensors.map((tensor) => tensor.name));
    for (const name of ["blk.0.ffn_gate.weight", "blk.0.attn_kv_a_mqa.weight", "blk.0.attn_k_b.weight", "blk.1.ffn_gate_inp.weight",
        "blk.1.exp_probs_b.bias", "blk.1.ffn_gate_exps.weight", "blk.1.ffn_up_exps.weight", "blk.1.ffn_down_exps.weight",
        "blk.2.ffn_down_shexp.weight", "output.weight"])
        assert.ok(names.has(name), name);
    assert.equal(names.has("blk.0.ffn_gate_exps.weight"), false);
});

for (const [cpuMoeLayers, flag] of [[2, ["--n-cpu-moe", "2"]], [3, ["-ot", "exps=CPU"]]] as const) {
    test(`the tiny MoE loads in llama-server with the plan's experts-in-RAM flags (${flag.join(" ")}) and generates`, {skip}, async () => {
        // The plan → flags mapping, as r1 plan prints it and the engine runs it.
        const {modelPath, ...launch} = planLaunchOptions({gpuLayers: 4, cpuMoeLayers, contextSize: 256, architecture: variant.architecture}, {modelPath: file});
        assert.equal(modelPath, file);
        const logs: string[] = [];
        const notices: string[] = [];
        const model = await LlamaServerModel.load({
            path: file, binary: llamaCppToolPath("llama-server"),
            // One thread for a busy machine. Repacking on (llama.cpp's default): with AMX kernels compiled in
            // (r1 engine build keeps them with -fno-dse on this project's GCC 12 machine) this llama.cpp aborts
            // in its graph scheduler (GGML_ASSERT cur_backend_id != -1) for deepseek2, and r1 starts it again with
            // --no-repack (repackRetryReason); without AMX it loads at once.
            launch: {...launch, threads: 1},
            onLog: (line) => logs.push(line), onNotice: (notice) => notices.push(notice)
        });
        try {
            const [running] = processesMatching(file);
            assert.ok(running !== undefined && running.cmdline.includes(` ${flag.join(" ")} `), running?.cmdline);
            assert.ok(running.cmdline.includes(" -ngl 4 --fit off "), running.cmdline);
            // Retried only for the scheduler's abort, and then said so.
            assert.equal(model.process.repackDisabled, model.process.repackDisabledBecause === "amx-unplaceable-op", notices.join(" | "));
            assert.equal(notices.some((notice) => /aborted while loading.*--no-repack$/.test(notice)), model.process.repackDisabled, notices.join(" | "));
            // llama.cpp says it applied tensor overrides (the routed experts kept in a CPU buffer).
            assert.ok(logs.some((line) => line.includes("tensor overrides to CPU")), logs.join("\n"));
            let result;
            for await (const event of model.complete("hello", {temperature: 0, maxTokens: 8})) if (event.type === "done") result = event.result;
            assert.equal(result?.usage.completionTokens, 8);
            assert.equal(result?.finishReason, "length");
        } finally {
            await model.dispose();
        }
    });
}
