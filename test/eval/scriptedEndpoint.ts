import http from "node:http";
import type {AddressInfo} from "node:net";

/** One scripted reply of the fake OpenAI-compatible server. */
export type ScriptedReply =
    /** Streams reasoning in the given field (or inside `<think>` in content) then the answer. */
    | {kind: "stream", reasoning?: string, answer: string, field?: "reasoning_content" | "reasoning" | "think", usage?: boolean, finish?: string, delayMs?: number}
    /** A plain JSON chat completion (a server that ignores `stream`). */
    | {kind: "json", reasoning?: string, answer: string}
    | {kind: "status", status: number, body?: string}
    /** SSE whose data is not JSON. */
    | {kind: "malformed"}
    /** Closes the socket halfway through the stream. */
    | {kind: "drop"}
    /** Answers after `delayMs` (for interrupting a run mid-flight). */
    | {kind: "slow", answer: string, delayMs: number};

/** Picks the reply for the `call`th request (0-based) about `problem`. */
export type Script = (problem: string, call: number) => ScriptedReply;

export interface ScriptedEndpoint {
    /** Base URL, `http://127.0.0.1:PORT/v1`. */
    url: string;
    /** Bodies of the chat requests received. */
    requests: {model?: string, messages?: {role: string, content: string}[], temperature?: number, top_p?: number, max_tokens?: number, stream?: boolean}[];
    /** Most requests that were in flight at once. */
    maxInFlight: number;
    close(): Promise<void>;
}

/** Splits text into chunks of a few characters, as a token stream would arrive. */
function chunks(text: string, size = 4): string[] {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
}

/**
 * A loopback OpenAI-compatible server (`/v1/chat/completions`, `/v1/models`) that answers each
 * problem from a script, for end-to-end tests of the eval harness. The problem is the user
 * message without the protocol's instruction line.
 */
export async function startScriptedEndpoint(script: Script, options: {models?: string[]} = {}): Promise<ScriptedEndpoint> {
    const calls = new Map<string, number>();
    let inFlight = 0;
    const state: ScriptedEndpoint = {url: "", requests: [], maxInFlight: 0, close: async () => undefined};
    const sockets = new Set<import("node:net").Socket>();
    const server = http.createServer((req, res) => {
        if (req.method === "GET" && req.url === "/v1/models") {
            res.writeHead(200, {"content-type": "application/json"});
            res.end(JSON.stringify({object: "list", data: (options.models ?? ["scripted"]).map((id) => ({id, object: "model"}))}));
            return;
        }
        if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
            res.writeHead(404).end();
            return;
        }
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString("utf8")));
        req.on("end", () => {
            const parsed = JSON.parse(body) as ScriptedEndpoint["requests"][number];
            state.requests.push(parsed);
            const message = parsed.messages?.[0]?.content ?? "";
            const problem = message.slice(0, message.lastIndexOf("\n"));
            const call = calls.get(problem) ?? 0;
            calls.set(problem, call + 1);
            inFlight++;
            state.maxInFlight = Math.max(state.maxInFlight, inFlight);
            res.on("close", () => inFlight--);
            void reply(res, script(problem, call));
        });
    });
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    state.close = () => new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
    });
    return state;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function event(res: http.ServerResponse, data: unknown): void {
    res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

function delta(d: Record<string, string>, finish: string | null = null): unknown {
    return {id: "x", object: "chat.completion.chunk", choices: [{index: 0, delta: d, finish_reason: finish}]};
}

async function reply(res: http.ServerResponse, r: ScriptedReply): Promise<void> {
    switch (r.kind) {
        case "status":
            res.writeHead(r.status, {"content-type": "application/json"}).end(r.body ?? JSON.stringify({error: {message: "scripted failure"}}));
            return;
        case "json":
            res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify({
                choices: [{index: 0, message: {role: "assistant", content: r.answer, reasoning_content: r.reasoning ?? null}, finish_reason: "stop"}],
                usage: {prompt_tokens: 10, completion_tokens: 50, total_tokens: 60}
            }));
            return;
        case "malformed":
            res.writeHead(200, {"content-type": "text/event-stream"});
            event(res, "{not json");
            res.end();
            return;
        case "drop":
            res.writeHead(200, {"content-type": "text/event-stream"});
            event(res, delta({reasoning_content: "Let me think"}));
            await sleep(5);
            res.socket?.destroy();
            return;
        case "slow":
            res.writeHead(200, {"content-type": "text/event-stream"});
            await sleep(r.delayMs);
            if (res.destroyed) return;
            event(res, delta({content: r.answer}, "stop"));
            event(res, "[DONE]");
            res.end();
            return;
        case "stream": {
            res.writeHead(200, {"content-type": "text/event-stream"});
            if (r.delayMs !== undefined) await sleep(r.delayMs);
            const field = r.field ?? "reasoning_content";
            const reasoning = r.reasoning ?? "";
            const deltas = field === "think"
                ? chunks(`<think>${reasoning}</think>${r.answer}`).map((c) => ({content: c}))
                : [...chunks(reasoning).map((c) => ({[field]: c})), ...chunks(r.answer).map((c) => ({content: c}))];
            for (const d of deltas) event(res, delta(d));
            const count = deltas.length;
            event(res, delta({}, r.finish ?? "stop"));
            if (r.usage === true) {
                const reasoningTokens = field === "think" ? undefined : chunks(reasoning).length;
                event(res, {choices: [], usage: {prompt_tokens: 10, completion_tokens: count,
                    ...(reasoningTokens === undefined ? {} : {completion_tokens_details: {reasoning_tokens: reasoningTokens}})}});
            }
            event(res, "[DONE]");
            res.end();
        }
    }
}
