import http from "node:http";
import type {AddressInfo} from "node:net";

/** What the scripted server streams for one chat request. */
export type Script =
    | {kind: "chunks", chunks: object[], done?: boolean}
    | {kind: "raw", body: string, contentType?: string, status?: number}
    | {kind: "close-mid-stream", chunks: object[]}
    | {kind: "endless"};

export interface ScriptedServer {
    url: string;
    /** Bodies of the chat requests received, in order. */
    requests: Record<string, unknown>[];
    /** Resolves when the client of the `endless` script has gone (the abort reached the server). */
    clientGone: Promise<void>;
    setScript(script: Script): void;
    close(): Promise<void>;
}

/** An in-process OpenAI-compatible server that answers chat requests as scripted. */
export async function startScriptedServer(options: {models?: object[], apiKey?: string} = {}): Promise<ScriptedServer> {
    let script: Script = {kind: "chunks", chunks: []};
    const requests: Record<string, unknown>[] = [];
    let markGone = () => {};
    const clientGone = new Promise<void>((resolve) => {
        markGone = resolve;
    });
    const server = http.createServer((req, res) => {
        if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
            res.writeHead(401, {"Content-Type": "application/json"}).end(JSON.stringify({error: {message: "bad key"}}));
            return;
        }
        if (req.url === "/v1/models") {
            res.writeHead(200, {"Content-Type": "application/json"}).end(JSON.stringify({object: "list", data: options.models ?? [{id: "deepseek-r1-distill-qwen-1.5b", max_model_len: 4096}]}));
            return;
        }
        let body = "";
        req.on("data", (chunk: Buffer) => body += chunk.toString());
        req.on("end", () => {
            requests.push(JSON.parse(body) as Record<string, unknown>);
            const current = script;
            if (current.kind === "raw") {
                res.writeHead(current.status ?? 200, {"Content-Type": current.contentType ?? "text/event-stream"}).end(current.body);
                return;
            }
            res.writeHead(200, {"Content-Type": "text/event-stream"});
            if (current.kind === "endless") {
                let i = 0;
                const timer = setInterval(() => res.write(`data: ${JSON.stringify({choices: [{delta: {content: `w${i++} `}}]})}\n\n`), 5);
                res.on("close", () => {
                    clearInterval(timer);
                    markGone();
                });
                return;
            }
            for (const chunk of current.chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            if (current.kind === "close-mid-stream") {
                res.socket?.destroy();
                return;
            }
            if (current.done !== false) res.write("data: [DONE]\n\n");
            res.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        clientGone,
        setScript: (next) => {
            script = next;
        },
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        })
    };
}

/** Chunks of a reply: reasoning and answer pieces in OpenAI's delta shape. */
export function deltas(pieces: {reasoning_content?: string, content?: string}[], finish = "stop", usage?: object): object[] {
    return [
        ...pieces.map((delta) => ({object: "chat.completion.chunk", choices: [{index: 0, delta, finish_reason: null}]})),
        {object: "chat.completion.chunk", choices: [{index: 0, delta: {}, finish_reason: finish}]},
        ...(usage === undefined ? [] : [{object: "chat.completion.chunk", choices: [], usage}])
    ];
}
