import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {requireVariant, type Variant} from "../../src/catalog/index.js";
import {writeSyntheticModel} from "../../src/bench/writeSyntheticModel.js";
import {sharedPath} from "../helpers/shared.js";

export const R1_VOCAB = "vocab/ggml-vocab-deepseek-r1-qwen.gguf";

/**
 * R1-Distill-Qwen's architecture shrunk to 2 layers of width 64 (the real 151,936-token
 * vocabulary stays, so the output matrix is the biggest tensor): a few MB that load in well
 * under a second, with the real tokenizer and chat template.
 */
export function tinyR1Variant(): Variant {
    const real = requireVariant("deepseek-r1-distill-qwen-1.5b");
    if (real.architecture.kind !== "dense") throw new Error("expected a dense variant");
    return {...real, architecture: {...real.architecture, layers: 2, hiddenSize: 64, heads: 4, kvHeads: 2, headDim: 16, ffnSize: 128}};
}

/** Writes the tiny model into a fresh temporary folder; `cleanup()` removes it. */
export async function writeTinyR1Model(quant = "Q8_0"): Promise<{path: string, cleanup: () => void}> {
    const dir = mkdtempSync(path.join(os.tmpdir(), ".r1-test-engine-"));
    const file = path.join(dir, `tiny-r1-${quant}.gguf`);
    await writeSyntheticModel({variant: tinyR1Variant(), quant, path: file, tokenizerFrom: sharedPath(R1_VOCAB)});
    return {path: file, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}
