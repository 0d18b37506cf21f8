import assert from "node:assert/strict";
import {test} from "node:test";
import {allVariants} from "../../src/catalog/index.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {LlamaServerModel} from "../../src/engine/llamaServer/LlamaServerModel.js";
import {llamaServerArgs} from "../../src/engine/llamaServer/llamaServerArgs.js";
import {DEFAULT_CONTEXT_SIZE, defaultContextSize} from "../../src/engine/loadLimits.js";
import {hardwareProfile} from "../../src/hardware/index.js";
import {planGgufFile, planModel} from "../../src/plan/index.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../helpers/llamaCppTools.js";
import {skipWithoutShared} from "../helpers/shared.js";
import {R1_VOCAB, writeTinyR1Model} from "./tinyR1Model.js";

const hardware = hardwareProfile("rtx-4090");

test("r1 plan assumes the context the engines load when none is asked for: the default, capped at the trained context", () => {
    for (const variant of allVariants()) {
        const plan = planModel({variant, quant: variant.quants[0]!, hardware});
        assert.equal(plan.contextSize, defaultContextSize(variant.architecture.maxContext), variant.id);
        assert.equal(plan.contextSize, Math.min(DEFAULT_CONTEXT_SIZE, variant.architecture.maxContext), variant.id);
    }
    // llama-server's command line, when the caller passes no context (what `r1 plan` prints and `r1 run --engine llama-server` starts).
    const args = llamaServerArgs({modelPath: "/m.gguf"});
    assert.equal(args[args.indexOf("-c") + 1], String(DEFAULT_CONTEXT_SIZE));
    assert.equal(defaultContextSize(0), DEFAULT_CONTEXT_SIZE, "a model without a trained context gets the default");
    assert.equal(defaultContextSize(2048), 2048);
});

test("the embedded engine and llama-server load a model with the context r1 plan assumes for its file", {skip: skipWithoutShared(R1_VOCAB)}, async () => {
    // The tiny R1 keeps R1-Distill-Qwen's trained context (131,072), so the default itself is what gets compared.
    const written = await writeTinyR1Model();
    try {
        const planned = (await planGgufFile({source: written.path, hardware})).contextSize;
        assert.equal(planned, DEFAULT_CONTEXT_SIZE);
        const embedded = await loadModel({path: written.path, threads: 1});
        try {
            assert.equal(embedded.info.contextSize, planned);
        } finally {
            await embedded.dispose();
        }
        if (skipWithoutLlamaCppTools("llama-server") !== false) return;
        const served = await LlamaServerModel.load({path: written.path, binary: llamaCppToolPath("llama-server"), launch: {threads: 1}, onNotice: () => {}});
        try {
            assert.equal(served.info.contextSize, planned);
        } finally {
            await served.dispose();
        }
    } finally {
        written.cleanup();
    }
});
