import assert from "node:assert/strict";
import {test} from "node:test";
import {publishedScore} from "../../src/eval/publishedScore.js";

test("published scores come from the catalog, by r1 name, Ollama alias or served file name", () => {
    assert.deepEqual(publishedScore("deepseek-r1:7b", "aime2024")?.score, 55.5);
    assert.deepEqual(publishedScore("deepseek-r1:7b", "math500")?.score, 92.8);
    const file = publishedScore("DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf", "aime2024");
    assert.equal(file?.variant, "DeepSeek-R1-Distill-Qwen-14B");
    assert.equal(file?.quant, "Q4_K_M");
    assert.equal(publishedScore("deepseek-r1-distill-qwen-32b:Q8_0", "math500")?.score, 94.3);
});

test("no published score for unknown models, unreported benchmarks or unknown data sets", () => {
    assert.equal(publishedScore("llama3:8b", "math500"), undefined);
    assert.equal(publishedScore("deepseek-r1-0528-qwen3-8b", "math500"), undefined);
    assert.equal(publishedScore("deepseek-r1:7b", undefined), undefined);
});
