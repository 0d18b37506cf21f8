import assert from "node:assert/strict";
import {test} from "node:test";
import {DRAFT_VARIANT, draftVariantFor, pickAutoDraft, resolveDraftModel} from "../../src/cli/resolveDraftModel.js";

test("draftVariantFor: R1-Distill-Qwen-1.5B drafts for the Qwen2.5 distills only", () => {
    for (const id of ["deepseek-r1-distill-qwen-7b", "deepseek-r1-distill-qwen-14b", "deepseek-r1-distill-qwen-32b"])
        assert.equal(draftVariantFor(id), DRAFT_VARIANT, id);
    for (const id of ["deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-llama-70b", "deepseek-r1-0528-qwen3-8b",
        "deepseek-r1", "not-a-model"])
        assert.equal(draftVariantFor(id), undefined, id);
    assert.equal(draftVariantFor(undefined), undefined);
});

test("pickAutoDraft: the pulled 1.5B in the preferred quant, or no draft with a note saying how to get one", () => {
    assert.deepEqual(pickAutoDraft("deepseek-r1-distill-qwen-14b", ["deepseek-r1-distill-qwen-14b:Q4_K_M", "deepseek-r1-distill-qwen-1.5b:Q8_0",
        "deepseek-r1-distill-qwen-1.5b:Q4_K_M"]),
    {name: "deepseek-r1-distill-qwen-1.5b:Q4_K_M", note: "--draft auto: drafting with deepseek-r1-distill-qwen-1.5b:Q4_K_M (speculative decoding in llama-server)"});
    assert.equal(pickAutoDraft("deepseek-r1-distill-qwen-7b", ["deepseek-r1-distill-qwen-1.5b:Q8_0"]).name, "deepseek-r1-distill-qwen-1.5b:Q8_0");
    assert.deepEqual(pickAutoDraft("deepseek-r1-distill-qwen-7b", ["deepseek-r1-distill-qwen-7b:Q4_K_M"]),
        {note: "--draft auto: deepseek-r1-distill-qwen-1.5b is not pulled, so no draft model is used (r1 pull deepseek-r1:1.5b to add one)"});
    assert.equal(pickAutoDraft("deepseek-r1-distill-llama-8b", ["deepseek-r1-distill-qwen-1.5b:Q4_K_M"]).name, undefined);
    assert.match(pickAutoDraft(undefined, []).note, /no draft model pairs with this file/);
});

test("resolveDraftModel: a named draft is resolved like a model; auto goes through the pairing", async () => {
    const resolvePath = async (name: string) => `/models/${name}.gguf`;
    assert.deepEqual(await resolveDraftModel("./small.gguf", "deepseek-r1-distill-qwen-7b", {pulled: [], resolvePath}), {path: "/models/./small.gguf.gguf"});
    assert.deepEqual(await resolveDraftModel("auto", "deepseek-r1-distill-qwen-7b", {pulled: ["deepseek-r1-distill-qwen-1.5b:Q4_K_M"], resolvePath}),
        {path: "/models/deepseek-r1-distill-qwen-1.5b:Q4_K_M.gguf", note: "--draft auto: drafting with deepseek-r1-distill-qwen-1.5b:Q4_K_M (speculative decoding in llama-server)"});
    assert.equal((await resolveDraftModel("AUTO", "deepseek-r1", {pulled: [], resolvePath})).path, undefined);
});
