import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtemp, open, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {requireVariant, variantFileSize, variantGgufMetadata} from "../../src/catalog/index.js";
import {LlamaFileType} from "../../src/gguf/LlamaFileType.js";
import {serializeGgufHeader} from "../../src/gguf/serializeGgufHeader.js";
import {hardwareProfile} from "../../src/hardware/index.js";
import {planGgufFile, planModel} from "../../src/plan/index.js";

// A header-only Q4_K_M file of the real shapes, extended to its full size as a sparse file:
// the planner reads only the header, so nothing is written beyond it.
async function writeSparseModel(dir: string, id: string): Promise<string> {
    const variant = requireVariant(id);
    const size = variantFileSize(variant, "Q4_K_M");
    const header = serializeGgufHeader({
        metadata: variantGgufMetadata(variant, {fileType: LlamaFileType.MOSTLY_Q4_K_M}),
        tensors: size.tensors.map((t) => ({name: t.name, shape: t.shape, type: t.targetType})),
        alignment: 32
    });
    const file = path.join(dir, `${variant.name}-Q4_K_M.gguf`);
    const handle = await open(file, "w");
    try {
        await handle.write(header.bytes);
        await handle.truncate(header.fileSize);
    } finally {
        await handle.close();
    }
    return file;
}

test("planning a GGUF file from its header matches planning the catalog entry", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "r1-planfile-"));
    try {
        for (const id of ["deepseek-r1-distill-qwen-7b", "deepseek-r1"]) {
            const source = await writeSparseModel(dir, id);
            const hardware = hardwareProfile(id === "deepseek-r1" ? "2x-h100-80gb" : "rtx-4090");
            const fromFile = await planGgufFile({source, hardware});
            const fromCatalog = planModel({variant: requireVariant(id), quant: "Q4_K_M", hardware});
            assert.equal(fromFile.model, id);
            assert.equal(fromFile.quant, "Q4_K_M");
            assert.equal(fromFile.placement, fromCatalog.placement);
            assert.equal(fromFile.gpuLayers, fromCatalog.gpuLayers);
            assert.equal(fromFile.memory.kvCacheBytes, fromCatalog.memory.kvCacheBytes);
            // Same tensors and types; only padding and the (absent) tokenizer differ.
            assert.ok(Math.abs(fromFile.predicted.bytesPerToken / fromCatalog.predicted.bytesPerToken - 1) < 1e-3);
            assert.ok(Math.abs(fromFile.predicted.generationTokensPerSecond / fromCatalog.predicted.generationTokensPerSecond - 1) < 0.01);
        }
    } finally {
        await rm(dir, {recursive: true, force: true});
    }
});
