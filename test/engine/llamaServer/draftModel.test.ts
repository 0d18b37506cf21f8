import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";
import {LlamaServerModel} from "../../../src/engine/llamaServer/LlamaServerModel.js";
import {requestJson} from "../../../src/engine/llamaServer/llamaServerHttp.js";
import {llamaCppToolPath, skipWithoutLlamaCppTools} from "../../helpers/llamaCppTools.js";
import {isRunning, processesMatching} from "../../helpers/processTable.js";
import {sharedPath, skipWithoutShared} from "../../helpers/shared.js";

const MODEL = "models/stories260K.gguf";
const skip = skipWithoutLlamaCppTools("llama-server") || skipWithoutShared(MODEL) || skipWithoutShared("models/stories260K.golden.json");

async function greedy(model: LlamaServerModel, prompt: string, maxTokens: number): Promise<string> {
    let answer: string | undefined;
    for await (const event of model.complete(prompt, {temperature: 0, maxTokens})) if (event.type === "done") answer = event.result.answer;
    assert.ok(answer !== undefined);
    return answer;
}

test("--draft: greedy output with a draft model (speculative decoding, -md) is identical to without, and the draft was used", {skip}, async () => {
    const golden = JSON.parse(readFileSync(sharedPath("models/stories260K.golden.json"), "utf8")) as {greedy: {prompt: string, n_predict: number, output: string}[]};
    const binary = llamaCppToolPath("llama-server");
    const path = sharedPath(MODEL);
    const plain = await LlamaServerModel.load({path, binary, launch: {contextSize: 256, threads: 1}});
    // stories260K as its own draft: same vocabulary, so every drafted token can be checked.
    const drafted = await LlamaServerModel.load({path, binary, launch: {contextSize: 256, threads: 1, draftModelPath: path}});
    const pids = [plain.process.pid, drafted.process.pid];
    try {
        assert.ok(processesMatching(path).some((entry) => entry.pid === drafted.process.pid && entry.cmdline.includes(` -md ${path} `)), "llama-server runs with -md");
        for (const {prompt, n_predict, output} of golden.greedy) {
            const without = await greedy(plain, prompt, n_predict);
            const withDraft = await greedy(drafted, prompt, n_predict);
            assert.equal(withDraft, without);
            assert.equal(` ${prompt}${withDraft}`.trim(), output.trim(), "and both are llama.cpp's golden continuation");
        }
        // llama-server counts drafted and accepted tokens only when speculative decoding ran.
        const server = drafted.process;
        const answer = await requestJson<{timings?: {draft_n?: number, draft_n_accepted?: number}}>(server, "/completion",
            {prompt: golden.greedy[0]!.prompt, n_predict: 32, temperature: 0});
        assert.ok((answer.timings?.draft_n ?? 0) > 0, JSON.stringify(answer.timings));
        assert.ok((answer.timings?.draft_n_accepted ?? 0) > 0, JSON.stringify(answer.timings));
    } finally {
        await plain.dispose();
        await drafted.dispose();
    }
    // By process id: other test files run llama-servers on the same shared model at the same time.
    assert.deepEqual(pids.filter(isRunning), [], "no llama-server left running");
});
