import assert from "node:assert/strict";
import {test} from "node:test";
import {plannedLoad} from "../../src/cli/plannedLoad.js";
import {hardwareProfile} from "../../src/hardware/index.js";

const rtx4090 = hardwareProfile("rtx-4090");
const model = {catalogId: "deepseek-r1", quant: "UD-IQ1_S"};

test("r1 run/bench: the 671B on a GPU + RAM machine with a GPU llama-server gets the experts-in-RAM layout (llama-server flags)", async () => {
    const planned = await plannedLoad({path: "/m/r1.gguf"}, model, {hardware: rtx4090, llamaServer: {path: "/x/llama-server", backend: "cuda"}});
    assert.equal(planned.options.cpuMoeLayers, 55);
    assert.equal(planned.options.gpuLayers, 62);
    assert.ok(planned.reasons.includes("routed experts of 55 layers in RAM (llama-server at /x/llama-server)"), planned.reasons.join("\n"));
});

test("…but not with --engine embedded, without a llama-server, or with a CPU-only build of it", async () => {
    for (const engine of [{choice: "embedded" as const, llamaServer: {path: "/x/llama-server", backend: "cuda" as const}}, {llamaServer: null},
        {llamaServer: {path: "/x/llama-server", backend: "cpu" as const}}]) {
        const planned = await plannedLoad({path: "/m/r1.gguf"}, model, {hardware: rtx4090, ...engine});
        assert.equal(planned.options.cpuMoeLayers, undefined, JSON.stringify(engine));
        assert.equal(planned.options.overrideTensors, undefined);
    }
});
