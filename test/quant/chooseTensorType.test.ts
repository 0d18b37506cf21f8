import {test} from "node:test";
import assert from "node:assert/strict";
import {GgmlType} from "../../src/gguf/GgmlType.js";
import {LlamaFileType, llamaFileTypeByName} from "../../src/gguf/LlamaFileType.js";
import {chooseTensorTypes, compareTensorNamesLikeLlama, fallbackTensorType, type TensorHeader, type ModelFacts} from "../../src/quant/chooseTensorType.js";
import {findQuantRecipe, parseQuantRecipe, parseTensorTypeOverride, quantRecipes, recipeImatrixTypes, recipeUnsupportedTypes} from "../../src/quant/recipes.js";

interface Dense {nEmbd: number, nLayer: number, nFf: number, nHead: number, nHeadKv: number, vocab: number, ropeFreqs?: number, qkvBias?: boolean, tied?: boolean, arch: string}

function denseModel(m: Dense): {tensors: TensorHeader[], facts: ModelFacts} {
    const hd = m.nEmbd / m.nHead;
    const t: TensorHeader[] = [];
    const w = (name: string, shape: number[]) => t.push({name, shape, type: shape.length > 1 ? GgmlType.F16 : GgmlType.F32});
    w("token_embd.weight", [m.nEmbd, m.vocab]);
    if (!m.tied) w("output.weight", [m.nEmbd, m.vocab]);
    w("output_norm.weight", [m.nEmbd]);
    if (m.ropeFreqs) w("rope_freqs.weight", [m.ropeFreqs]);
    for (let i = 0; i < m.nLayer; i++) {
        const p = `blk.${i}.`;
        w(p + "attn_norm.weight", [m.nEmbd]);
        w(p + "attn_q.weight", [m.nEmbd, m.nHead * hd]);
        w(p + "attn_k.weight", [m.nEmbd, m.nHeadKv * hd]);
        w(p + "attn_v.weight", [m.nEmbd, m.nHeadKv * hd]);
        if (m.qkvBias) {
            w(p + "attn_q.bias", [m.nHead * hd]);
            w(p + "attn_k.bias", [m.nHeadKv * hd]);
            w(p + "attn_v.bias", [m.nHeadKv * hd]);
        }
        w(p + "attn_output.weight", [m.nHead * hd, m.nEmbd]);
        w(p + "ffn_norm.weight", [m.nEmbd]);
        w(p + "ffn_gate.weight", [m.nEmbd, m.nFf]);
        w(p + "ffn_up.weight", [m.nEmbd, m.nFf]);
        w(p + "ffn_down.weight", [m.nFf, m.nEmbd]);
    }
    return {tensors: t, facts: {architecture: m.arch, layerCount: m.nLayer, headCount: m.nHead, headCountKv: m.nHeadKv, expertCount: 0}};
}

const types = ["Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q4_K_M", "Q4_K_S", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_XS", "F16"];
// gguf-quant-spec §7 (Llama-3.1-8B row = llama.cpp tools/quantize/README.md).
const bpwTable: Array<[string, Dense, number[]]> = [
    ["Llama-3.1-8B", {arch: "llama", nEmbd: 4096, nLayer: 32, nFf: 14336, nHead: 32, nHeadKv: 8, vocab: 128256, ropeFreqs: 64},
        [8.5008, 6.5633, 5.7036, 5.5704, 4.8944, 4.6672, 4.2979, 3.9960, 3.6429, 3.1593, 4.4597, 16.0005]],
    ["Llama-2-7B", {arch: "llama", nEmbd: 4096, nLayer: 32, nFf: 11008, nHead: 32, nHeadKv: 32, vocab: 32000},
        [8.5009, 6.5635, 5.6778, 5.5217, 4.8442, 4.5779, 4.2697, 3.9146, 3.4994, 3.0062, 4.3295, 16.0006]],
    ["Qwen2.5-7B", {arch: "qwen2", nEmbd: 3584, nLayer: 28, nFf: 18944, nHead: 28, nHeadKv: 4, vocab: 152064, qkvBias: true},
        [8.5010, 6.5636, 5.7134, 5.5772, 4.9132, 4.6765, 4.2886, 3.9944, 3.6624, 3.1619, 4.4586, 16.0007]],
    ["Qwen2.5-14B", {arch: "qwen2", nEmbd: 5120, nLayer: 48, nFf: 13824, nHead: 40, nHeadKv: 8, vocab: 152064, qkvBias: true},
        [8.5013, 6.5639, 5.6888, 5.5575, 4.8651, 4.6405, 4.2891, 3.9720, 3.6039, 3.1223, 4.4307, 16.0009]]
];

for (const [model, dims, expected] of bpwTable) {
    test(`bits per weight of ${model} match llama.cpp's table for every file type`, () => {
        const {tensors, facts} = denseModel(dims);
        types.forEach((name, i) => {
            const plan = chooseTensorTypes(tensors, facts, {fileType: llamaFileTypeByName(name)!});
            assert.equal(plan.bitsPerWeight.toFixed(4), expected[i]!.toFixed(4), `${model} ${name}`);
        });
    });
}

test("Llama-3.1-8B Q4_K_M: 4.58 GiB and the use_more_bits layers get Q6_K", () => {
    const {tensors, facts} = denseModel(bpwTable[0]![1]);
    const plan = chooseTensorTypes(tensors, facts, {fileType: LlamaFileType.MOSTLY_Q4_K_M});
    assert.equal((plan.totalTargetBytes / 2 ** 30).toFixed(2), "4.58");
    const byName = new Map(plan.tensors.map((t) => [t.name, t]));
    const q6 = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31];
    for (let i = 0; i < 32; i++) {
        const want = q6.includes(i) ? GgmlType.Q6_K : GgmlType.Q4_K;
        assert.equal(byName.get(`blk.${i}.attn_v.weight`)!.targetType, want);
        assert.equal(byName.get(`blk.${i}.ffn_down.weight`)!.targetType, want);
    }
    assert.equal(byName.get("output.weight")!.targetType, GgmlType.Q6_K);
    assert.equal(byName.get("token_embd.weight")!.targetType, GgmlType.Q4_K);
    assert.equal(byName.get("output_norm.weight")!.targetType, GgmlType.F32);
    assert.equal(byName.get("rope_freqs.weight")!.targetType, GgmlType.F32);
});

test("tied embeddings: token_embd takes the output rule; 70B llama bumps attn_v", () => {
    const tied = denseModel({arch: "qwen2", nEmbd: 1536, nLayer: 28, nFf: 8960, nHead: 12, nHeadKv: 2, vocab: 151936, tied: true, qkvBias: true});
    const plan = chooseTensorTypes(tied.tensors, tied.facts, {fileType: LlamaFileType.MOSTLY_Q4_K_M});
    assert.equal(plan.tensors.find((t) => t.name === "token_embd.weight")!.targetType, GgmlType.Q6_K);
    const q8 = chooseTensorTypes(tied.tensors, tied.facts, {fileType: LlamaFileType.MOSTLY_Q8_0});
    assert.equal(q8.tensors.find((t) => t.name === "token_embd.weight")!.targetType, GgmlType.Q8_0);
    assert.equal(q8.tensors.find((t) => t.name === "blk.0.attn_q.bias")!.targetType, GgmlType.F32);

    const big = denseModel({arch: "llama", nEmbd: 8192, nLayer: 80, nFf: 28672, nHead: 64, nHeadKv: 8, vocab: 128256});
    const s = chooseTensorTypes(big.tensors, big.facts, {fileType: LlamaFileType.MOSTLY_Q3_K_S});
    assert.equal(s.tensors.find((t) => t.name === "blk.40.attn_v.weight")!.targetType, GgmlType.Q5_K);
    assert.equal(s.tensors.find((t) => t.name === "blk.40.attn_q.weight")!.targetType, GgmlType.Q3_K);
});

test("sort order is llama.cpp's weights_map order", () => {
    const names = ["token_embd.weight", "blk.10.a", "blk.9.b", "output.weight", "blk.9.a", "output_norm.weight", "rope_freqs.weight"];
    assert.deepEqual([...names].sort(compareTensorNamesLikeLlama),
        ["output.weight", "output_norm.weight", "rope_freqs.weight", "token_embd.weight", "blk.9.a", "blk.9.b", "blk.10.a"]);
});

test("fallbacks when ne[0] is not a multiple of the block size", () => {
    assert.deepEqual(fallbackTensorType(128, GgmlType.Q4_K), {type: GgmlType.Q5_0, fallback: true});
    assert.deepEqual(fallbackTensorType(1408, GgmlType.Q6_K), {type: GgmlType.Q8_0, fallback: true});
    assert.deepEqual(fallbackTensorType(160, GgmlType.Q5_K), {type: GgmlType.Q5_1, fallback: true});
    assert.deepEqual(fallbackTensorType(96, GgmlType.IQ4_XS), {type: GgmlType.IQ4_NL, fallback: true});
    assert.deepEqual(fallbackTensorType(100, GgmlType.Q3_K), {type: GgmlType.F16, fallback: true});
    assert.deepEqual(fallbackTensorType(100, GgmlType.Q8_0), {type: GgmlType.F16, fallback: true});
    assert.deepEqual(fallbackTensorType(512, GgmlType.Q2_K), {type: GgmlType.Q2_K, fallback: false});
});

function deepseekV2Lite(): {tensors: TensorHeader[], facts: ModelFacts} {
    const t: TensorHeader[] = [];
    const w = (name: string, shape: number[], type = shape.length > 1 ? GgmlType.F16 : GgmlType.F32) => t.push({name, shape, type});
    const nEmbd = 2048, nLayer = 27, nExpert = 64, nFfExp = 1408, nHead = 16;
    w("token_embd.weight", [nEmbd, 102400]); w("output.weight", [nEmbd, 102400]); w("output_norm.weight", [nEmbd]);
    for (let i = 0; i < nLayer; i++) {
        const p = `blk.${i}.`;
        w(p + "attn_norm.weight", [nEmbd]); w(p + "attn_q.weight", [nEmbd, nHead * 192]);
        w(p + "attn_kv_a_mqa.weight", [nEmbd, 576]); w(p + "attn_kv_a_norm.weight", [512]);
        w(p + "attn_k_b.weight", [128, 512, nHead]); w(p + "attn_v_b.weight", [512, 128, nHead]);
        w(p + "attn_output.weight", [nHead * 128, nEmbd]); w(p + "ffn_norm.weight", [nEmbd]);
        if (i === 0) {
            w(p + "ffn_gate.weight", [nEmbd, 10944]); w(p + "ffn_up.weight", [nEmbd, 10944]); w(p + "ffn_down.weight", [10944, nEmbd]);
        } else {
            w(p + "ffn_gate_inp.weight", [nEmbd, nExpert], GgmlType.F32);
            w(p + "ffn_gate_exps.weight", [nEmbd, nFfExp, nExpert]); w(p + "ffn_up_exps.weight", [nEmbd, nFfExp, nExpert]);
            w(p + "ffn_down_exps.weight", [nFfExp, nEmbd, nExpert]);
            w(p + "ffn_gate_shexp.weight", [nEmbd, 2816]); w(p + "ffn_up_shexp.weight", [nEmbd, 2816]);
            w(p + "ffn_down_shexp.weight", [2816, nEmbd]);
        }
    }
    return {tensors: t, facts: {architecture: "deepseek2", layerCount: nLayer, headCount: nHead, headCountKv: nHead, expertCount: nExpert}};
}

test("DeepSeek-V2-Lite Q4_K_M: MoE layers from names, fallbacks as in spec §6.8", () => {
    const {tensors, facts} = deepseekV2Lite();
    const plan = chooseTensorTypes(tensors, facts, {fileType: LlamaFileType.MOSTLY_Q4_K_M});
    const type = (n: string) => GgmlType[plan.tensors.find((t) => t.name === n)!.targetType];
    assert.equal(type("blk.1.attn_k_b.weight"), "Q5_0");
    assert.equal(type("blk.0.ffn_down.weight"), "Q8_0"); // Q6_K → Q8_0 (10944 % 256 ≠ 0)
    assert.equal(type("blk.1.ffn_down_exps.weight"), "Q8_0"); // use_more_bits(1, 27)
    assert.equal(type("blk.4.ffn_down_exps.weight"), "Q5_0"); // Q4_K → Q5_0 (1408 % 256 ≠ 0)
    assert.equal(type("blk.5.ffn_down_exps.weight"), "Q8_0"); // (5 − 3) % 3 == 2
    assert.equal(type("blk.5.ffn_down_shexp.weight"), "Q6_K");
    assert.equal(type("blk.4.ffn_down_shexp.weight"), "Q4_K");
    assert.equal(type("blk.3.ffn_gate_inp.weight"), "F32");
    assert.equal(type("blk.3.attn_v_b.weight"), "Q4_K");
    assert.equal(type("output.weight"), "Q6_K");
    assert.ok(plan.fallbackCount > 0);
});

test("--tensor-type overrides: first match wins, before the rules; unused ones are reported", () => {
    const {tensors, facts} = deepseekV2Lite();
    const overrides = [parseTensorTypeOverride("ffn_down_exps=Q2_K"), parseTensorTypeOverride("_exps=Q3_K"), parseTensorTypeOverride("nothing_here=Q8_0")];
    const plan = chooseTensorTypes(tensors, facts, {fileType: LlamaFileType.MOSTLY_Q4_K_M, overrides});
    const t = (n: string) => plan.tensors.find((x) => x.name === n)!;
    assert.equal(t("blk.5.ffn_down_exps.weight").targetType, GgmlType.Q4_0); // Q2_K, then fallback (1408)
    assert.equal(t("blk.5.ffn_up_exps.weight").targetType, GgmlType.Q3_K);
    assert.ok(t("blk.5.ffn_up_exps.weight").overridden);
    assert.deepEqual(plan.unusedOverrides.map((o) => o.pattern.source), ["nothing_here"]);
});

test("recipes: every built-in plans a DeepSeek MoE, r1 can write each, and says whether it needs an imatrix", () => {
    const {tensors, facts} = deepseekV2Lite();
    for (const r of quantRecipes) {
        const plan = chooseTensorTypes(tensors, facts, {fileType: r.baseFileType, overrides: r.rules});
        assert.ok(plan.bitsPerWeight > 1.5 && plan.bitsPerWeight < 9, `${r.name} ${plan.bitsPerWeight}`);
        assert.deepEqual(recipeUnsupportedTypes(r), [], r.name);
        const imatrixTypes = recipeImatrixTypes(r);
        assert.equal(imatrixTypes.length > 0, /importance matrix/.test(r.description), r.name);
        assert.equal(plan.requiresImatrix.length > 0, imatrixTypes.length > 0, r.name);
    }
    const a = chooseTensorTypes(tensors, facts, {fileType: LlamaFileType.MOSTLY_Q2_K, overrides: findQuantRecipe("ud-2.51")!.rules});
    assert.equal(GgmlType[a.tensors.find((x) => x.name === "blk.3.ffn_up_exps.weight")!.targetType], "Q2_K");
    assert.equal(GgmlType[a.tensors.find((x) => x.name === "blk.3.ffn_up_shexp.weight")!.targetType], "Q6_K");
    assert.equal(GgmlType[a.tensors.find((x) => x.name === "blk.0.ffn_up.weight")!.targetType], "Q4_K");
    assert.equal(GgmlType[a.tensors.find((x) => x.name === "blk.3.attn_q.weight")!.targetType], "Q4_K");
});

test("recipe files and --tensor-type specs: bad input is a clear error", () => {
    const r = parseQuantRecipe(JSON.stringify({baseType: "Q3_K_M", rules: [["exps", "Q2_K"], {pattern: "attn", type: "q6_k"}]}), "x.json");
    assert.equal(r.baseFileType, LlamaFileType.MOSTLY_Q3_K_M);
    assert.equal(r.rules[1]!.type, GgmlType.Q6_K);
    assert.throws(() => parseQuantRecipe("{", "x.json"), /not valid JSON/);
    assert.throws(() => parseQuantRecipe(JSON.stringify({rules: [["a", "Q9_K"]]}), "x.json"), /unknown tensor type/);
    assert.throws(() => parseTensorTypeOverride("noequals"), /not REGEX=TYPE/);
    assert.throws(() => parseTensorTypeOverride("(=Q4_K"), /bad regex/);
});

test("on R1 671B shapes the ud-* recipes land on Unsloth's file sizes", async () => {
    const {requireVariant, variantTensors, variantGgufMetadata} = await import("../../src/catalog/index.js");
    const {modelFactsFromMetadata} = await import("../../src/quant/chooseTensorType.js");
    const v = requireVariant("deepseek-r1");
    const meta = variantGgufMetadata(v, {});
    const facts = modelFactsFromMetadata((k) => meta.get(k)?.value);
    const tensors = variantTensors(v, {});
    const gib = (name: string) => {
        const r = findQuantRecipe(name)!;
        return chooseTensorTypes(tensors, facts, {fileType: r.baseFileType, overrides: r.rules, hasImatrix: true}).totalTargetBytes / 2 ** 30;
    };
    // landscape.md §6 / r1-family.md: UD-IQ1_S 130.60 GiB (measured), UD-Q2_K_XL 227 GB = 211.4 GiB, UD-IQ2_XXS 196.2 GB = 182.7 GiB
    assert.ok(Math.abs(gib("ud-1.58") / 130.6 - 1) < 0.01, `ud-1.58 ${gib("ud-1.58")}`);
    assert.ok(Math.abs(gib("ud-2.51") / 211.4 - 1) < 0.02, `ud-2.51 ${gib("ud-2.51")}`);
    assert.ok(Math.abs(gib("ud-2.22") / 182.7 - 1) < 0.02, `ud-2.22 ${gib("ud-2.22")}`);
});
