// Single-request latency of `r1 serve` next to llama-server's (bench/serve.ts --latency): one
// non-streaming /v1/chat/completions at a time, the same prompt and max_tokens for every server,
// greedy. Servers take turns request by request (the order alternates every round), so machine
// noise hits them alike. Each round's prompt differs (its number comes first), so no server reuses
// a cached prompt. Reports the median wall latency and each engine's own prompt / generation time.
import {spawn, type ChildProcess} from "node:child_process";
import {once} from "node:events";
import {createServer} from "node:net";
import os from "node:os";
import path from "node:path";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import {percentile} from "../src/bench/stats.js";
import {FileModelSource} from "../src/server/FileModelSource.js";
import {startServer} from "../src/server/startServer.js";

export interface LatencyOptions {
    model: string;
    /** r1 serve contexts per sequence (`-c`) to compare, each with `parallel` sequences. */
    contexts: number[];
    parallel: number;
    maxTokens: number;
    rounds: number;
    threads: number;
    /**
     * llama-server binary; it runs with `-c context × parallel -np parallel` for each context, `--fit off`
     * and `--no-repack` (this Xeon's AMX repacking of a 1.5B Q4_K_M took over 10 minutes at start-up with
     * one thread, where r1 loads the same file in seconds).
     */
    llamaServer?: string;
}

interface Target {
    name: string;
    url: string;
    model: string;
    stop: () => Promise<void>;
    wall: number[];
    promptMs: number[];
    generationMs: number[];
    tokens: number[];
    promptTokens: number[];
}

/** How long a llama-server may take to load the model before the run gives up. */
const LLAMA_SERVER_START_MS = 600_000;
const REQUEST_TIMEOUT_MS = 300_000;

export async function runLatency(options: LatencyOptions): Promise<string> {
    const targets: Target[] = [];
    const children: ChildProcess[] = [];
    const onExit = () => children.forEach((c) => c.kill("SIGKILL"));
    process.once("exit", onExit);
    try {
        for (const context of options.contexts) {
            const source = new FileModelSource({
                files: [options.model],
                load: (file, o) => loadModel({path: file, parallel: o.parallel, contextSize: context, threads: options.threads})
            });
            const server = await startServer({source, port: 0, parallel: options.parallel, maxQueue: 64, maxBodyBytes: 1 << 20});
            targets.push(target(`r1 serve -c ${context} --parallel ${options.parallel}`, server.url, (await source.list())[0]!.name, () => server.stop()));
            if (options.llamaServer !== undefined) {
                const port = await freePort();
                const child = spawn(options.llamaServer, ["-m", options.model, "-c", String(context * options.parallel), "-np", String(options.parallel),
                    "-t", String(options.threads), "--fit", "off", "--no-repack", "--host", "127.0.0.1", "--port", String(port), "--no-webui"], {stdio: ["ignore", "ignore", "pipe"]});
                children.push(child);
                let log = "";
                child.stderr!.on("data", (chunk: Buffer) => {
                    log = (log + chunk.toString()).slice(-4000);
                });
                const url = `http://127.0.0.1:${port}`;
                await waitHealthy(url, child, () => log);
                targets.push(target(`llama-server -c ${context * options.parallel} -np ${options.parallel}`, url, "model", async () => {
                    child.kill("SIGTERM");
                    if (child.exitCode === null) await once(child, "exit");
                }));
            }
        }
        // Warm-up: every server loads and runs once before anything is timed.
        for (const t of targets) await request(t, -1, options.maxTokens);
        for (const t of targets) t.wall.length = t.promptMs.length = t.generationMs.length = t.tokens.length = t.promptTokens.length = 0;
        for (let round = 0; round < options.rounds; round++) {
            const order = round % 2 === 0 ? targets : [...targets].reverse();
            for (const t of order) await request(t, round, options.maxTokens);
        }
    } finally {
        for (const t of targets) await t.stop().catch(() => {});
        process.removeListener("exit", onExit);
    }
    const med = (xs: number[]) => xs.length === 0 ? NaN : percentile(xs, 50);
    const lines = [
        `Model \`${path.basename(options.model)}\`, ${options.threads} threads, ${options.maxTokens} max tokens, ${options.rounds} alternated rounds,`,
        `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "?"}), load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
        "",
        "| server | wall p50 (ms) | min | max | engine prompt ms p50 | engine generation ms p50 | prompt tokens | completion tokens |",
        "|---|---|---|---|---|---|---|---|",
        ...targets.map((t) => `| ${t.name} | ${med(t.wall).toFixed(0)} | ${Math.min(...t.wall).toFixed(0)} | ${Math.max(...t.wall).toFixed(0)} | ` +
            `${med(t.promptMs).toFixed(0)} | ${med(t.generationMs).toFixed(0)} | ${med(t.promptTokens)} | ${med(t.tokens)} |`)
    ];
    return lines.join("\n");
}

function target(name: string, url: string, model: string, stop: () => Promise<void>): Target {
    return {name, url, model, stop, wall: [], promptMs: [], generationMs: [], tokens: [], promptTokens: []};
}

async function request(t: Target, round: number, maxTokens: number): Promise<void> {
    const body = JSON.stringify({
        model: t.model, max_tokens: maxTokens, temperature: 0, seed: 1,
        messages: [{role: "user", content: `${round + 2}. Write a short poem about the sea and the old lighthouse on the hill.`}]
    });
    const t0 = performance.now();
    const response = await fetch(`${t.url}/v1/chat/completions`, {method: "POST", headers: {"Content-Type": "application/json"}, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
    const json = await response.json() as {usage?: {completion_tokens: number, prompt_tokens: number}, timings?: {prompt_ms: number, predicted_ms: number}};
    const wall = performance.now() - t0;
    if (response.status !== 200) throw new Error(`${t.name}: HTTP ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
    t.wall.push(wall);
    t.promptMs.push(json.timings?.prompt_ms ?? NaN);
    t.generationMs.push(json.timings?.predicted_ms ?? NaN);
    t.tokens.push(json.usage?.completion_tokens ?? 0);
    t.promptTokens.push(json.usage?.prompt_tokens ?? 0);
}

async function freePort(): Promise<number> {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as {port: number}).port;
    server.close();
    await once(server, "close");
    return port;
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
    const deadline = Date.now() + LLAMA_SERVER_START_MS;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}: ${log().slice(-500)}`);
        try {
            if ((await fetch(`${url}/health`)).status === 200) return;
        } catch {
            // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`llama-server did not become healthy in ${LLAMA_SERVER_START_MS / 1000} s: ${log().slice(-500)}`);
}
