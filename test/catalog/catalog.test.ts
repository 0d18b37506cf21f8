import {test} from "node:test";
import assert from "node:assert/strict";
import {
    allVariants, findVariant, requireVariant, resolveModelName, tensorElements, UnknownQuantError, UnknownVariantError,
    variantFileSize, variantGgufMetadata, variantTensors, DENSE_QUANTS
} from "../../src/catalog/index.js";
import {GgmlType} from "../../src/gguf/GgmlType.js";

// Real published sizes (Ollama deepseek-r1:7b and :14b, Q4_K_M; quoted in issue 4).
const REAL_QWEN_7B_Q4_K_M = 4_683_075_271;
const REAL_QWEN_14B_Q4_K_M = 8_988_112_040;

test("computed Q4_K_M file sizes match the real published files within 0.5%", () => {
    for (const [id, real] of [["deepseek-r1-distill-qwen-7b", REAL_QWEN_7B_Q4_K_M], ["deepseek-r1-distill-qwen-14b", REAL_QWEN_14B_Q4_K_M]] as const) {
        const size = variantFileSize(requireVariant(id), "Q4_K_M").totalBytes;
        const error = Math.abs(size / real - 1);
        assert.ok(error < 0.005, `${id}: computed ${size}, real ${real} (${(error * 100).toFixed(3)}% off)`);
    }
});

test("sizes come from per-tensor rules, not params × nominal bpw", () => {
    const v = requireVariant("deepseek-r1-distill-qwen-7b");
    const size = variantFileSize(v, "Q4_K_M");
    const types = new Set(size.tensors.map((t) => t.targetType));
    // Q4_K_M mixes Q4_K with Q6_K (attn_v/ffn_down on use_more_bits layers, output) and F32 norms.
    for (const t of [GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F32]) assert.ok(types.has(t), `expected ${GgmlType[t]}`);
    assert.equal(size.tensors.find((t) => t.name === "output.weight")?.targetType, GgmlType.Q6_K);
    assert.ok(size.bitsPerWeight > 4.5 && size.bitsPerWeight < 5.2, `bpw ${size.bitsPerWeight}`);
});

test("every dense variant's sizes shrink along the quant list", () => {
    for (const v of allVariants().filter((x) => x.architecture.kind === "dense")) {
        const sizes = DENSE_QUANTS.map((q) => variantFileSize(v, q).totalBytes);
        for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! < sizes[i - 1]!, `${v.id}: ${DENSE_QUANTS[i]} not smaller than ${DENSE_QUANTS[i - 1]}`);
    }
});

test("tensor shapes reproduce each published parameter count", () => {
    for (const v of allVariants()) {
        const tensors = variantTensors(v);
        const total = tensors.reduce((sum, t) => sum + tensorElements(t.shape), 0);
        // Llama 3.1-style rope scaling adds a rope_freqs tensor (head_dim / 2 values) that is not a parameter.
        const ropeFreqs = tensors.find((t) => t.name === "rope_freqs.weight");
        const expected = v.parameters + (ropeFreqs === undefined ? 0 : tensorElements(ropeFreqs.shape));
        assert.equal(total, expected, v.id);
    }
});

test("deepseek2 layout: 1086 tensors in the MLA split with the published shapes", () => {
    const tensors = variantTensors(requireVariant("deepseek-r1"));
    assert.equal(tensors.length, 1086);
    const shape = (name: string) => tensors.find((t) => t.name === name)?.shape;
    assert.deepEqual(shape("blk.0.attn_kv_a_mqa.weight"), [7168, 576]);
    assert.deepEqual(shape("blk.0.attn_q_b.weight"), [1536, 24576]);
    assert.deepEqual(shape("blk.0.attn_k_b.weight"), [128, 512, 128]);
    assert.deepEqual(shape("blk.2.ffn_down.weight"), [18432, 7168]);
    assert.equal(shape("blk.3.ffn_down.weight"), undefined);
    assert.deepEqual(shape("blk.3.ffn_down_exps.weight"), [2048, 7168, 256]);
    assert.deepEqual(shape("blk.60.ffn_gate_shexp.weight"), [7168, 2048]);
    assert.equal(tensors.find((t) => t.name === "blk.3.ffn_gate_inp.weight")?.type, GgmlType.F32);
});

test("qwen2 has q/k/v biases and GQA-sized K/V; qwen3 has q/k norms", () => {
    const q14 = variantTensors(requireVariant("deepseek-r1:14b"));
    assert.deepEqual(q14.find((t) => t.name === "blk.0.attn_k.weight")?.shape, [5120, 1024]);
    assert.deepEqual(q14.find((t) => t.name === "blk.0.attn_v.bias")?.shape, [1024]);
    const q3 = variantTensors(requireVariant("deepseek-r1-0528-qwen3-8b"));
    assert.deepEqual(q3.find((t) => t.name === "blk.0.attn_k_norm.weight")?.shape, [128]);
    assert.equal(q3.some((t) => t.name.endsWith(".bias")), false);
});

test("GGUF metadata carries the keys llama.cpp needs, with MLA conventions for deepseek2", () => {
    const m = variantGgufMetadata(requireVariant("deepseek-r1"));
    assert.equal(m.getString("general.architecture"), "deepseek2");
    assert.equal(m.getNumber("deepseek2.attention.head_count_kv"), 1);
    assert.equal(m.getNumber("deepseek2.attention.key_length"), 576);
    assert.equal(m.getNumber("deepseek2.attention.kv_lora_rank"), 512);
    assert.equal(m.getNumber("deepseek2.expert_count"), 256);
    assert.equal(m.getNumber("deepseek2.leading_dense_block_count"), 3);
    const q = variantGgufMetadata(requireVariant("deepseek-r1:7b"));
    assert.equal(q.getNumber("qwen2.attention.head_count_kv"), 4);
    assert.equal(q.getNumber("qwen2.block_count"), 28);
    assert.equal(q.getString("tokenizer.ggml.model"), "gpt2");
});

test("names: ids, Ollama aliases, id:quant, Ollama tags and file stems resolve", () => {
    assert.equal(findVariant("deepseek-r1:14b")?.id, "deepseek-r1-distill-qwen-14b");
    assert.equal(findVariant("deepseek-r1:671b")?.id, "deepseek-r1");
    assert.equal(findVariant("deepseek-r1:8b")?.id, "deepseek-r1-0528-qwen3-8b");
    const alias = resolveModelName("deepseek-r1:14b");
    assert.equal(alias.quant, "Q4_K_M");
    assert.equal(alias.repo, "unsloth/DeepSeek-R1-Distill-Qwen-14B-GGUF");
    assert.deepEqual(alias.files, ["DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf"]);
    assert.equal(resolveModelName("deepseek-r1:14b:q8_0").quant, "Q8_0");
    assert.equal(resolveModelName("deepseek-r1-distill-qwen-14b:IQ4_XS").repo, "bartowski/DeepSeek-R1-Distill-Qwen-14B-GGUF");
    assert.equal(resolveModelName("deepseek-r1:14b-qwen-distill-q6_K").quant, "Q6_K");
    assert.equal(resolveModelName("DeepSeek-R1-Distill-Llama-8B-Q5_K_M.gguf").canonicalName, "deepseek-r1-distill-llama-8b:Q5_K_M");
});

test("split downloads follow the published folder layouts", () => {
    const big = resolveModelName("deepseek-r1-distill-llama-70b:Q8_0");
    assert.deepEqual(big.files, [
        "DeepSeek-R1-Distill-Llama-70B-Q8_0/DeepSeek-R1-Distill-Llama-70B-Q8_0-00001-of-00002.gguf",
        "DeepSeek-R1-Distill-Llama-70B-Q8_0/DeepSeek-R1-Distill-Llama-70B-Q8_0-00002-of-00002.gguf"
    ]);
    const r1 = resolveModelName("deepseek-r1:671b:UD-IQ1_S");
    assert.equal(r1.files.length, 3);
    assert.equal(r1.files[0], "DeepSeek-R1-UD-IQ1_S/DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf");
    assert.equal(resolveModelName("deepseek-r1:671b").files.length, 9);
    const may = resolveModelName("deepseek-r1-0528:UD-IQ1_S");
    assert.match(may.files[0]!, /^UD-IQ1_S\/DeepSeek-R1-0528-UD-IQ1_S-00001-of-0000\d\.gguf$/);
});

test("unknown names fail with one line listing the valid names", () => {
    assert.throws(() => resolveModelName("deepseek-r2:7b"), (e: unknown) => e instanceof UnknownVariantError &&
        e.message.includes("deepseek-r1-distill-qwen-14b") && !e.message.includes("\n"));
    assert.throws(() => resolveModelName("deepseek-r1:14b:Q9_X"), (e: unknown) => e instanceof UnknownQuantError &&
        e.message.includes("Q4_K_M") && e.message.includes("Q8_0"));
    // The dynamic quants exist only for the 671B.
    assert.throws(() => resolveModelName("deepseek-r1:14b:UD-IQ1_S"), UnknownQuantError);
});

test("distills say what they are built on; scores are DeepSeek's", () => {
    for (const v of allVariants()) {
        if (v.distilled) assert.match(v.baseModel, /Qwen|Llama/, v.id);
        assert.ok(v.scores.aime2024 > 0 && v.scores.aime2024 < 100, v.id);
    }
    assert.equal(requireVariant("deepseek-r1:14b").scores.aime2024, 69.7);
    assert.equal(requireVariant("deepseek-r1").scores.math500, 97.3);
});

test("the 671B's IQ4_XS comes from bartowski's folder-per-quant layout", () => {
    const r = resolveModelName("deepseek-r1:671b:IQ4_XS");
    assert.equal(r.repo, "bartowski/DeepSeek-R1-GGUF");
    assert.match(r.files[0]!, /^DeepSeek-R1-IQ4_XS\/DeepSeek-R1-IQ4_XS-00001-of-0000\d\.gguf$/);
});
