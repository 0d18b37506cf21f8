import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import {spawnSync} from "node:child_process";
import {after, before, test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {tinyMoeVariant} from "../../src/bench/tinyMoeVariant.js";
import {writeSyntheticModel} from "../../src/bench/writeSyntheticModel.js";
import type {MoeArchitecture, Variant} from "../../src/catalog/index.js";
import {loadModel} from "../../src/engine/embedded/loadModel.js";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {readGguf} from "../../src/gguf/readGguf.js";
import {GgufDataReader} from "../../src/gguf/readTensorData.js";
import {dequantize, quantizeRows} from "../../src/quant/codecs.js";
import {loadImportanceWeights} from "../../src/quant/imatrix/importanceWeights.js";
import type {ImatrixEntry} from "../../src/quant/imatrix/readImatrix.js";
import {writeImatrixGguf} from "../../src/quant/imatrix/writeImatrixGguf.js";
import {QuantizationPlanError} from "../../src/quant/planQuantization.js";
import {quantizeGguf} from "../../src/quant/quantizeGguf.js";
import {findQuantRecipe} from "../../src/quant/recipes.js";
import {repoRoot} from "../helpers/shared.js";

// eng-build's tiny deepseek2 MoE (MLA, a dense first layer, routed + shared experts) with the
// rows the IQ types need (multiples of 256) and four layers, so ud-1.58's IQ2_XXS rule for the
// down experts of layers 3–8 applies to one of them.
function tinyMoe256(): Variant {
    const base = tinyMoeVariant();
    const architecture: MoeArchitecture = {...base.architecture as MoeArchitecture, layers: 4, hiddenSize: 256, ffnSize: 256, expertFfnSize: 256};
    return {...base, id: "tiny-deepseek2-moe-256", architecture, quants: ["F16"]};
}

let dir = "";
let f16 = "";
let imatrixPath = "";
let quantized = "";

before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "r1-tiny-moe-iq-"));
    f16 = path.join(dir, "tiny-moe-f16.gguf");
    await writeSyntheticModel({variant: tinyMoe256(), quant: "F16", path: f16, asciiTokens: true});
    // Not a llama-imatrix output: deterministic statistics in llama-imatrix's GGUF form, one entry per
    // matrix llama-imatrix would see (every 2-D+ weight but the embeddings, output and router), 3-D
    // tensors with one sum row and count per matrix, and one never-routed expert (count 0 → weight 1).
    const file = await readGguf(f16);
    const entries = new Map<string, ImatrixEntry>();
    for (const t of file.tensors) {
        if (t.shape.length < 2 || /^(token_embd|output)\.weight$|ffn_gate_inp/.test(t.name)) continue;
        const ne0 = t.shape[0]!, nmat = t.shape[2] ?? 1;
        const counts = Array.from({length: nmat}, (_, j) => t.name === "blk.1.ffn_up_exps.weight" && j === nmat - 1 ? 0 : 32 * (j + 1));
        const sums = Float32Array.from({length: ne0 * nmat}, (_, k) => counts[Math.floor(k / ne0)]! * (0.25 + ((k * 7) % 11) / 8));
        entries.set(t.name, {sums, counts});
    }
    imatrixPath = path.join(dir, "tiny-moe.imatrix.gguf");
    await writeImatrixGguf(imatrixPath, {entries, datasets: ["deterministic"], chunkCount: 4, chunkSize: 64});
    // through the CLI, as a user runs it (needs the build: npx tsc)
    quantized = path.join(dir, "tiny-moe-ud-1.58.gguf");
    const cli = spawnSync(process.execPath, [path.join(repoRoot, "bin/r1.js"), "quantize", f16, quantized, "--recipe", "ud-1.58", "--imatrix", imatrixPath, "--threads", "2"],
        {encoding: "utf8", env: {...process.env, NO_COLOR: "1"}});
    assert.equal(cli.status, 0, cli.stderr);
});

after(async () => {
    if (dir !== "") await rm(dir, {recursive: true, force: true});
});

test("r1 quantize --recipe ud-1.58 --imatrix writes IQ1_S experts, IQ2_XXS down experts of layer 3, and each expert uses its own imatrix slice", async () => {
    const out = await readGguf(quantized);
    const type = (name: string) => GgmlType[out.tensors.find((t) => t.name === name)!.type];
    for (const layer of [1, 2, 3]) {
        assert.equal(type(`blk.${layer}.ffn_gate_exps.weight`), "IQ1_S");
        assert.equal(type(`blk.${layer}.ffn_up_exps.weight`), "IQ1_S");
    }
    assert.equal(type("blk.1.ffn_down_exps.weight"), "IQ1_S");
    assert.equal(type("blk.3.ffn_down_exps.weight"), "IQ2_XXS");
    assert.equal(type("blk.2.ffn_up_shexp.weight"), "Q6_K");
    assert.equal(out.metadata.getNumber("quantize.imatrix.chunks_count"), 4);
    assert.equal(out.metadata.getString("quantize.imatrix.dataset"), "deterministic");

    // Rows of expert e are quantized with weights e·ne0…(e+1)·ne0 (llama-quant's imatrix_for_row).
    const src = await readGguf(f16);
    const weights = (await loadImportanceWeights(imatrixPath))!.weights;
    const rs = new GgufDataReader(src), ro = new GgufDataReader(out);
    try {
        for (const name of ["blk.1.ffn_up_exps.weight", "blk.3.ffn_down_exps.weight"]) {
            const s = src.tensors.find((t) => t.name === name)!, o = out.tensors.find((t) => t.name === name)!;
            const [ne0, ne1, ne2] = s.shape as [number, number, number];
            const x = dequantize(s.type, await rs.read(s), s.elements);
            const w = weights.get(name)!;
            const expected = Buffer.concat(Array.from({length: ne2}, (_, e) =>
                quantizeRows(o.type, x.subarray(e * ne0 * ne1, (e + 1) * ne0 * ne1), ne0, w.subarray(e * ne0, (e + 1) * ne0))));
            assert.equal(Buffer.compare(Buffer.from(await ro.read(o)), expected), 0, name);
        }
    } finally {
        await rs.close();
        await ro.close();
    }
});

test("the ud-1.58 file loads in the embedded engine (node-llama-cpp) and generates", async () => {
    const model = await loadModel({path: quantized, contextSize: 256, threads: 1, gpuLayers: 0});
    try {
        let result;
        for await (const event of model.complete("hello", {temperature: 0, maxTokens: 8})) if (event.type === "done") result = event.result;
        assert.equal(result?.usage.completionTokens, 8);
        assert.equal(result?.finishReason, "length");
    } finally {
        await model.dispose();
    }
});

test("without an imatrix ud-1.58 is refused with a sentence saying how to get one", async () => {
    const recipe = findQuantRecipe("ud-1.58")!;
    await assert.rejects(quantizeGguf({input: f16, output: path.join(dir, "no-imatrix.gguf"), fileType: recipe.baseFileType, overrides: recipe.rules, threads: 1}),
        (error: unknown) => error instanceof QuantizationPlanError && /IQ1_S.*importance matrix/.test(error.message) && /imatrix/.test(error.hint ?? ""));
});
