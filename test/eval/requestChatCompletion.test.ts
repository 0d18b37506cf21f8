import assert from "node:assert/strict";
import {describe, test} from "node:test";
import {EndpointError} from "../../src/eval/errors/EndpointError.js";
import {requestChatCompletion} from "../../src/eval/requestChatCompletion.js";
import {startScriptedEndpoint, type ScriptedReply} from "./scriptedEndpoint.js";

async function once(reply: ScriptedReply, options: {stallTimeoutMs?: number, apiKey?: string} = {}) {
    const endpoint = await startScriptedEndpoint(() => reply);
    try {
        return await requestChatCompletion({endpoint: `${endpoint.url}/`, model: "m", prompt: "p", temperature: 0.6, topP: 0.95, maxTokens: 10, ...options});
    } finally {
        await endpoint.close();
    }
}

describe("requestChatCompletion", () => {
    test("reads reasoning_content, reasoning, and <think> in content alike", async () => {
        for (const field of ["reasoning_content", "reasoning", "think"] as const) {
            const result = await once({kind: "stream", reasoning: "Let me see.", answer: "It is \\boxed{4}.", field});
            assert.equal(result.reasoning, "Let me see.", field);
            assert.equal(result.answer, "It is \\boxed{4}.", field);
            assert.equal(result.finishReason, "stop");
            assert.ok(result.reasoningChunks > 0 && result.answerChunks > 0, field);
        }
    });

    test("takes token counts from usage when the server sends them", async () => {
        const result = await once({kind: "stream", reasoning: "abcdefgh", answer: "\\boxed{1}", usage: true});
        assert.equal(result.reasoningTokens, 2);
        assert.equal(result.completionTokens, result.reasoningChunks + result.answerChunks);
    });

    test("accepts a plain JSON reply", async () => {
        const result = await once({kind: "json", reasoning: "r", answer: "\\boxed{2}"});
        assert.deepEqual([result.reasoning, result.answer, result.completionTokens], ["r", "\\boxed{2}", 50]);
    });

    test("classifies failures: HTTP status, malformed stream, dropped connection, silence", async () => {
        await assert.rejects(once({kind: "status", status: 503}), (e: unknown) => e instanceof EndpointError && e.retryable && e.status === 503);
        await assert.rejects(once({kind: "status", status: 401}), (e: unknown) => e instanceof EndpointError && !e.retryable && e.status === 401);
        await assert.rejects(once({kind: "malformed"}), (e: unknown) => e instanceof EndpointError && e.retryable && /malformed/.test(e.message));
        await assert.rejects(once({kind: "drop"}), (e: unknown) => e instanceof EndpointError && e.retryable);
        await assert.rejects(once({kind: "slow", answer: "x", delayMs: 2000}, {stallTimeoutMs: 100}),
            (e: unknown) => e instanceof EndpointError && e.retryable && /no data/.test(e.message));
    });
});
