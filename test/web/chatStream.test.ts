import assert from "node:assert/strict";
import {test} from "node:test";
import {chatRequestBody, chunkEvents, ChatStreamError, streamChat, type ChatStreamEvent} from "../../web/src/chatStream.js";
import {MAX_SSE_EVENT_CHARS, readSseData} from "../../web/src/sse.js";

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
    const bytes = parts.map((p) => new TextEncoder().encode(p));
    return new ReadableStream({
        pull(controller) {
            const next = bytes.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(next);
        }
    });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of iterable) out.push(item);
    return out;
}

test("SSE: events split across chunks, CRLF, multi-line data and comments", async () => {
    const text = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata:no-space\n\ndata: [DONE]";
    // Cut the text at every position into two chunks: the reader must give the same events.
    const expected = ["{\"a\":1}", "line1\nline2", "no-space", "[DONE]"];
    for (let cut = 0; cut <= text.length; cut++)
        assert.deepEqual(await collect(readSseData(streamOf([text.slice(0, cut), text.slice(cut)]))), expected, `cut at ${cut}`);
});

test("SSE: multi-byte characters split between chunks survive", async () => {
    const bytes = new TextEncoder().encode("data: 思考 ∑\n\n");
    const stream = new ReadableStream<Uint8Array>({
        start(controller) {
            for (const b of bytes) controller.enqueue(new Uint8Array([b]));
            controller.close();
        }
    });
    assert.deepEqual(await collect(readSseData(stream)), ["思考 ∑"]);
});

test("SSE: an event that never ends is refused past MAX_SSE_EVENT_CHARS", async () => {
    const chunk = `data: ${"x".repeat(1024 * 1024)}`;
    const parts = Array.from({length: Math.ceil(MAX_SSE_EVENT_CHARS / chunk.length) + 2}, () => chunk);
    await assert.rejects(collect(readSseData(streamOf(parts))), /longer than/);
});

test("chunk events: reasoning_content and content apart, finish, usage, errors", () => {
    const chunk = (delta: object, finish: string | null = null) => ({object: "chat.completion.chunk", choices: [{index: 0, delta, finish_reason: finish}]});
    assert.deepEqual(chunkEvents(chunk({role: "assistant", content: ""})), []);
    assert.deepEqual(chunkEvents(chunk({reasoning_content: "Hmm"})), [{type: "reasoning", text: "Hmm"}]);
    assert.deepEqual(chunkEvents(chunk({reasoning: "vLLM style"})), [{type: "reasoning", text: "vLLM style"}]);
    assert.deepEqual(chunkEvents(chunk({content: "4"}, "stop")), [{type: "answer", text: "4"}, {type: "finish", reason: "stop"}]);
    assert.deepEqual(chunkEvents({choices: [], usage: {prompt_tokens: 3, completion_tokens: 10, completion_tokens_details: {reasoning_tokens: 6}}}),
        [{type: "usage", usage: {promptTokens: 3, completionTokens: 10, reasoningTokens: 6}}]);
    assert.deepEqual(chunkEvents({choices: [{delta: {}, finish_reason: "stop"}], timings: {predicted_per_second: 31.5, prompt_per_second: 0}}),
        [{type: "finish", reason: "stop"}, {type: "timings", generationTokensPerSecond: 31.5}]);
    assert.throws(() => chunkEvents({error: {message: "model crashed"}}), (e: unknown) => e instanceof ChatStreamError && e.message === "model crashed");
    assert.deepEqual(chunkEvents(null), []);
    assert.deepEqual(chunkEvents({choices: "nonsense"}), []);
});

test("request body: OpenAI fields, r1's extensions only when set", () => {
    const base = {model: "m", messages: [{role: "user" as const, content: "hi"}]};
    assert.deepEqual(chatRequestBody(base), {...base, stream: true, stream_options: {include_usage: true}});
    const full = chatRequestBody({...base, temperature: 0.5, topP: 0.9, contextSize: 4096, thinkBudget: 256});
    assert.equal(full.temperature, 0.5);
    assert.equal(full.top_p, 0.9);
    assert.equal(full.num_ctx, 4096);
    assert.equal(full.reasoning_budget, 256);
});

test("streamChat: parses a stream, stops at [DONE], reports HTTP errors in the server's words", async () => {
    const sse = (o: object) => `data: ${JSON.stringify(o)}\n\n`;
    const body = sse({choices: [{delta: {reasoning_content: "a"}}]}) + sse({choices: [{delta: {content: "b"}, finish_reason: "stop"}]}) +
        "data: [DONE]\n\n" + sse({choices: [{delta: {content: "after done"}}]});
    const okFetch = (async () => new Response(streamOf([body]), {status: 200})) as typeof fetch;
    const events: ChatStreamEvent[] = await collect(streamChat({model: "m", messages: []}, {fetch: okFetch}));
    assert.deepEqual(events, [{type: "reasoning", text: "a"}, {type: "answer", text: "b"}, {type: "finish", reason: "stop"}]);

    const notFound = (async () => Response.json({error: {message: "model 'x' not found"}}, {status: 404})) as typeof fetch;
    await assert.rejects(collect(streamChat({model: "x", messages: []}, {fetch: notFound})),
        (e: unknown) => e instanceof ChatStreamError && e.status === 404 && e.message === "model 'x' not found");
    const ollamaStyle = (async () => Response.json({error: "busy"}, {status: 503})) as typeof fetch;
    await assert.rejects(collect(streamChat({model: "x", messages: []}, {fetch: ollamaStyle})), /^ChatStreamError: busy$/);
    const garbage = (async () => new Response(streamOf(["data: {not json\n\n"]))) as typeof fetch;
    await assert.rejects(collect(streamChat({model: "x", messages: []}, {fetch: garbage})), /malformed/);
});
