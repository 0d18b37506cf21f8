import type {AddressInfo} from "node:net";
import {serve, type ServerType} from "@hono/node-server";
import {Hono} from "hono";
import {streamSSE} from "hono/streaming";
import {mountWebUi} from "../../../src/server/webUi.js";
import type {WebModel, WebPlanResponse} from "../../../src/server/webApiTypes.js";

/** One scripted reply: reasoning tokens, then answer tokens, one SSE chunk each. */
export interface ScriptedReply {
    reasoning: string[];
    answer: string[];
    /** Pause before each token (ms). Defaults to 5. */
    tokenDelayMs?: number;
    /** Answer with this HTTP error (OpenAI's error shape) instead of a stream. */
    error?: {status: 401 | 404 | 429 | 500, message: string};
}

export interface ScriptedRequest {
    body: Record<string, unknown>;
    /** The `Authorization` header, when sent. */
    authorization?: string;
    /** Set when the client went away before the reply ended. */
    aborted: boolean;
}

export interface ScriptedServer {
    url: string;
    /** Every chat request received, in order. */
    requests: ScriptedRequest[];
    /** Replies are taken from the front of this queue in order; the last one repeats. */
    replies: ScriptedReply[];
    close(): Promise<void>;
}

export const FAKE_PLAN: WebPlanResponse = {
    hardware: [{label: "CPU", value: "Test CPU, 2 cores, AVX2"}, {label: "RAM", value: "8 GB (6 GB free)"}, {label: "GPU", value: "none"}],
    contextSize: 8192,
    recommendation: "deepseek-r1-distill-qwen-1.5b Q4_K_M",
    rows: [
        {model: "deepseek-r1-distill-qwen-1.5b", quant: "Q4_K_M", placement: "cpu", totalBytes: 1_400_000_000,
            generationTokensPerSecond: 31.4, promptTokensPerSecond: 120, verdict: "usable"},
        {model: "deepseek-r1-distill-qwen-7b", quant: "Q4_K_M", placement: "cpu", totalBytes: 5_100_000_000,
            generationTokensPerSecond: 8.2, promptTokensPerSecond: 30, verdict: "slow"},
        {model: "deepseek-r1", quant: "IQ1_S", placement: "none", verdict: "does-not-fit"}
    ]
};

export const FAKE_MODELS: WebModel[] = [
    {id: "fake-r1", variant: "deepseek-r1-distill-qwen-1.5b", quant: "Q4_K_M", verdict: "usable", generationTokensPerSecond: 31.4}
];

/** The generation speed the scripted server reports in its final `timings`. */
export const SCRIPTED_TOKENS_PER_SECOND = 27.5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A loopback server with the real web UI mounted and a scripted OpenAI-compatible chat endpoint
 * that streams `reasoning_content` then `content` deltas, as `r1 serve` does.
 */
export async function startScriptedServer(options: {root: string, replies: ScriptedReply[]}): Promise<ScriptedServer> {
    const requests: ScriptedRequest[] = [];
    const state = {replies: options.replies};
    const app = new Hono();
    app.get("/v1/models", (c) => c.json({object: "list", data: [{id: "fake-r1", object: "model", created: 0, owned_by: "r1"}]}));
    app.post("/v1/chat/completions", async (c) => {
        const body = await c.req.json() as Record<string, unknown>;
        const record: ScriptedRequest = {body, aborted: false};
        const authorization = c.req.header("Authorization");
        if (authorization !== undefined) record.authorization = authorization;
        requests.push(record);
        const reply = (state.replies.length > 1 ? state.replies.shift() : state.replies[0])!;
        if (reply.error !== undefined)
            return c.json({error: {message: reply.error.message, type: "invalid_request_error", param: null, code: null}}, reply.error.status);
        return streamSSE(c, async (stream) => {
            stream.onAbort(() => {
                record.aborted = true;
            });
            const send = (delta: object, finish: string | null) => stream.writeSSE({data: JSON.stringify({
                id: "chatcmpl-test", object: "chat.completion.chunk", created: 0, model: "fake-r1",
                choices: [{index: 0, delta, finish_reason: finish}]
            })});
            await send({role: "assistant", content: ""}, null);
            for (const text of reply.reasoning) {
                if (record.aborted) return;
                await sleep(reply.tokenDelayMs ?? 5);
                await send({reasoning_content: text}, null);
            }
            for (const text of reply.answer) {
                if (record.aborted) return;
                await sleep(reply.tokenDelayMs ?? 5);
                await send({content: text}, null);
            }
            // The last chunk carries llama.cpp-style timings, as `r1 serve` sends them.
            await stream.writeSSE({data: JSON.stringify({
                id: "chatcmpl-test", object: "chat.completion.chunk", created: 0, model: "fake-r1",
                choices: [{index: 0, delta: {}, finish_reason: "stop"}],
                timings: {predicted_per_second: SCRIPTED_TOKENS_PER_SECOND, prompt_per_second: 250}
            })});
            await stream.writeSSE({data: JSON.stringify({
                id: "chatcmpl-test", object: "chat.completion.chunk", created: 0, model: "fake-r1", choices: [],
                usage: {prompt_tokens: 7, completion_tokens: reply.reasoning.length + reply.answer.length,
                    total_tokens: 7 + reply.reasoning.length + reply.answer.length,
                    completion_tokens_details: {reasoning_tokens: reply.reasoning.length}}
            })});
            await stream.writeSSE({data: "[DONE]"});
        });
    });
    mountWebUi(app, {root: options.root, plan: async () => FAKE_PLAN, models: async () => FAKE_MODELS});
    const server: ServerType = await new Promise((resolve) => {
        const s = serve({fetch: app.fetch, hostname: "127.0.0.1", port: 0}, () => resolve(s));
    });
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        get replies() {
            return state.replies;
        },
        set replies(replies: ScriptedReply[]) {
            state.replies = replies;
        },
        close: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            if ("closeAllConnections" in server) server.closeAllConnections();
        })
    };
}
