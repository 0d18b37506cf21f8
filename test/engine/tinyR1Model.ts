import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {requireVariant, type Variant} from "../../src/catalog/index.js";
import {writeSyntheticModel} from "../../src/bench/writeSyntheticModel.js";
import {GgufValueType, readGguf, writeGguf} from "../../src/gguf/index.js";
import {writeZeroEmbeddingCopy} from "../../src/bench/writeZeroEmbeddingCopy.js";
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

/**
 * The tiny R1 with its vocabulary changed: unused added tokens of R1-Distill-Qwen's vocabulary
 * (vision/fim markers) renamed to `tokens`' keys, and/or another chat template — a random-weight
 * stand-in for a model trained on a tool format (R1-0528's markers are tokens of its vocabulary).
 */
export async function writeTinyR1ModelWithVocab(change: {tokens?: string[], chatTemplate?: string}): Promise<{path: string, cleanup: () => void}> {
    const dir = mkdtempSync(path.join(os.tmpdir(), ".r1-test-engine-"));
    const vocab = await readGguf(sharedPath(R1_VOCAB));
    const metadata = vocab.metadata.clone();
    const tokens = [...metadata.get("tokenizer.ggml.tokens")!.value as string[]];
    const spare = ["<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"];
    (change.tokens ?? []).forEach((token, i) => {
        tokens[tokens.indexOf(spare[i]!)] = token;
    });
    metadata.set({key: "tokenizer.ggml.tokens", type: GgufValueType.ARRAY, arrayType: GgufValueType.STRING, value: tokens});
    if (change.chatTemplate !== undefined) metadata.setString("tokenizer.chat_template", change.chatTemplate);
    const vocabPath = path.join(dir, "vocab.gguf");
    await writeGguf(vocabPath, {metadata, tensors: []});
    const file = path.join(dir, "tiny-r1-tools.gguf");
    await writeSyntheticModel({variant: tinyR1Variant(), quant: "Q8_0", path: file, tokenizerFrom: vocabPath});
    return {path: file, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/**
 * The tiny model with its token embeddings (and output matrix, when not tied) zeroed: every logit
 * is 0, so greedy decoding repeats token 0 (`!`) forever — a reply that is valid text, never ends
 * by itself and is the same on every engine. For tests that need a generation still running.
 */
export async function writeSteadyTinyR1Model(): Promise<{path: string, cleanup: () => void}> {
    const written = await writeTinyR1Model();
    const steady = written.path.replace(/\.gguf$/, "-steady.gguf");
    await writeZeroEmbeddingCopy(written.path, steady);
    return {path: steady, cleanup: written.cleanup};
}
