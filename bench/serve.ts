// Load test of `r1 serve` over loopback: the real server and engine on a small GGUF, driven by
// an in-process HTTP client. Bounded: fixed request counts, small max_tokens, a global deadline.
//
//   npx tsx bench/serve.ts [--model FILE.gguf] [--requests 1000] [--max-tokens 8] [--blocks 3] [--append]
//   npx tsx bench/serve.ts --latency --model FILE.gguf [--contexts 512,2048] [--max-tokens 32] [--rounds 6] [--threads 2] [--llama-server PATH]
//
// --latency: single-request latency of r1 serve at each -c (--parallel 4) next to llama-server on the same
// file (bench/serveLatency.ts), instead of the load test below.
// Part 1: 1 vs 4 concurrent clients (interleaved blocks, so machine noise hits both alike).
// Part 2: --requests requests from 4 clients, ~10% malformed (bad JSON, wrong types, unknown
// model, oversized body), checking every malformed one gets a 4xx and the server keeps serving.
import {execSync} from "node:child_process";
import {readFileSync, renameSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import {FileModelSource} from "../src/server/FileModelSource.js";
import {startServer} from "../src/server/startServer.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const {values} = parseArgs({options: {
    model: {type: "string", default: path.resolve(root, "../shared/models/stories260K.gguf")},
    requests: {type: "string", default: "1000"},
    "max-tokens": {type: "string", default: "8"},
    blocks: {type: "string", default: "3"},
    "block-requests": {type: "string", default: "24"},
    threads: {type: "string", default: "1"},
    append: {type: "boolean", default: false},
    latency: {type: "boolean", default: false},
    contexts: {type: "string", default: "512,2048"},
    rounds: {type: "string", default: "6"},
    "llama-server": {type: "string"}
}});
if (values.latency) {
    const {runLatency} = await import("./serveLatency.js");
    process.stdout.write(`${await runLatency({
        model: values.model, contexts: values.contexts.split(",").map(Number), parallel: 4, maxTokens: Number(values["max-tokens"] === "8" ? 32 : values["max-tokens"]),
        rounds: Number(values.rounds), threads: Number(values.threads),
        ...(values["llama-server"] === undefined ? {} : {llamaServer: values["llama-server"]})
    })}\n`);
    process.exit(0);
}
const REQUESTS = Number(values.requests);
const MAX_TOKENS = Number(values["max-tokens"]);
const BLOCKS = Number(values.blocks);
const BLOCK_REQUESTS = Number(values["block-requests"]);
/** The whole run stops after this long, whatever is left. */
const DEADLINE_MS = 20 * 60_000;
const MAX_BODY_BYTES = 64 * 1024;

// One decode thread by default: on a shared 2-core box llama.cpp's spinning threads collapse when
// the cores are oversubscribed (measured: several times slower with 2 threads at load average 10).
const THREADS = Number(values.threads);
const source = new FileModelSource({
    files: [values.model],
    load: (file, options) => loadModel({path: file, parallel: options.parallel, contextSize: 256, threads: THREADS})
});
const server = await startServer({source, port: 0, parallel: 4, maxQueue: 64, maxBodyBytes: MAX_BODY_BYTES});
const model = (await source.list())[0]!.name;
const started = Date.now();

interface Outcome {
    status: number;
    ms: number;
    tokens: number;
    malformed: boolean;
}

const validBody = (i: number) => JSON.stringify({model, messages: [{role: "user", content: `Story ${i}: once upon a time`}], max_tokens: MAX_TOKENS, seed: i});
const malformedBodies = [
    () => "{\"model\": ",
    () => JSON.stringify({model, messages: "not a list"}),
    () => JSON.stringify({model: "no-such-model", messages: [{role: "user", content: "x"}]}),
    () => JSON.stringify({model, messages: [{role: "user", content: "x".repeat(MAX_BODY_BYTES)}]}),
    () => JSON.stringify({model, messages: [{role: "user", content: "x"}], temperature: "hot"})
];

async function request(body: string, malformed: boolean): Promise<Outcome> {
    const t0 = performance.now();
    const response = await fetch(`${server.url}/v1/chat/completions`, {method: "POST", headers: {"Content-Type": "application/json"}, body});
    const json = await response.json() as {usage?: {completion_tokens: number}};
    return {status: response.status, ms: performance.now() - t0, tokens: json.usage?.completion_tokens ?? 0, malformed};
}

/** Runs `count` requests from `clients` concurrent clients; `makeBody(i)` says what request i is. */
async function drive(count: number, clients: number, makeBody: (i: number) => {body: string, malformed: boolean}) {
    const outcomes: Outcome[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({length: clients}, async () => {
        while (next < count && Date.now() - started < DEADLINE_MS) {
            const i = next++;
            const {body, malformed} = makeBody(i);
            outcomes.push(await request(body, malformed));
        }
    }));
    return {outcomes, wallMs: performance.now() - t0};
}

function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summary(outcomes: Outcome[], wallMs: number) {
    const ok = outcomes.filter((o) => o.status === 200);
    const latencies = ok.map((o) => o.ms).sort((a, b) => a - b);
    const tokens = ok.reduce((sum, o) => sum + o.tokens, 0);
    return {
        requests: outcomes.length, ok: ok.length, tokens, tokPerS: tokens / (wallMs / 1000),
        p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99)
    };
}

// Warm-up: loads the model so neither side of the comparison pays for it.
await request(validBody(0), false);

const one: Outcome[][] = [];
const four: Outcome[][] = [];
let oneMs = 0;
let fourMs = 0;
for (let block = 0; block < BLOCKS; block++) {
    const a = await drive(BLOCK_REQUESTS, 1, (i) => ({body: validBody(i), malformed: false}));
    one.push(a.outcomes);
    oneMs += a.wallMs;
    const b = await drive(BLOCK_REQUESTS, 4, (i) => ({body: validBody(i), malformed: false}));
    four.push(b.outcomes);
    fourMs += b.wallMs;
}
const s1 = summary(one.flat(), oneMs);
const s4 = summary(four.flat(), fourMs);

const mixed = await drive(REQUESTS, 4, (i) => i % 10 === 9
    ? {body: malformedBodies[Math.floor(i / 10) % malformedBodies.length]!(), malformed: true}
    : {body: validBody(i), malformed: false});
const sm = summary(mixed.outcomes.filter((o) => !o.malformed), mixed.wallMs);
const bad = mixed.outcomes.filter((o) => o.malformed);
const badStatuses = new Map<number, number>();
for (const o of bad) badStatuses.set(o.status, (badStatuses.get(o.status) ?? 0) + 1);
const valid = mixed.outcomes.filter((o) => !o.malformed);
const validErrors = valid.filter((o) => o.status !== 200).length;
const health = (await fetch(`${server.url}/health`)).status;
const badLatency = bad.map((o) => o.ms).sort((a, b) => a - b);
await server.stop();

const cpu = (() => {
    try {
        return execSync("lscpu | grep 'Model name'", {encoding: "utf8"}).split(":")[1]!.trim();
    } catch {
        return os.cpus()[0]?.model ?? "unknown CPU";
    }
})();
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const lines = [
    "",
    "## `r1 serve` under load (bench/serve.ts)",
    "",
    `Machine: 2-core dev box (\`nproc\` ${os.cpus().length}, ${cpu}), shared with other jobs (load average ${os.loadavg()[0]!.toFixed(1)} at the end),`,
    `Node ${process.version}, CPU only. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`npx tsx bench/serve.ts --requests ${REQUESTS} --max-tokens ${MAX_TOKENS} --threads ${THREADS}\`.`,
    `Model: \`${path.basename(values.model)}\`, \`--parallel 4\`, context 256 per sequence, ${MAX_TOKENS} tokens per request, non-streaming`,
    "`/v1/chat/completions`; client and server in one process over 127.0.0.1.",
    "",
    `1 vs 4 concurrent clients, ${BLOCKS} interleaved blocks of ${BLOCK_REQUESTS} requests each:`,
    "",
    "| clients | requests | ok | aggregate tok/s | p50 | p90 | p99 |",
    "|---|---|---|---|---|---|---|",
    `| 1 | ${s1.requests} | ${s1.ok} | ${s1.tokPerS.toFixed(1)} | ${fmt(s1.p50)} | ${fmt(s1.p90)} | ${fmt(s1.p99)} |`,
    `| 4 | ${s4.requests} | ${s4.ok} | ${s4.tokPerS.toFixed(1)} | ${fmt(s4.p50)} | ${fmt(s4.p90)} | ${fmt(s4.p99)} |`,
    "",
    `4 clients / 1 client aggregate throughput: ${(s4.tokPerS / s1.tokPerS).toFixed(2)}×.`,
    "",
    `Mixed load: ${mixed.outcomes.length} requests from 4 clients in ${(mixed.wallMs / 1000).toFixed(1)} s, ${bad.length} malformed`,
    "(bad JSON, wrong types, unknown model, oversized body, wrong field type, in turn):",
    "",
    `- valid: ${valid.length - validErrors} ok, ${validErrors} errors; ${sm.tokPerS.toFixed(1)} tok/s aggregate; latency p50 ${fmt(sm.p50)}, p90 ${fmt(sm.p90)}, p99 ${fmt(sm.p99)}`,
    `- malformed: ${[...badStatuses].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${n}× ${status}`).join(", ")}; latency p50 ${fmt(percentile(badLatency, 0.5))}, p99 ${fmt(percentile(badLatency, 0.99))}`,
    `- \`/health\` afterwards: ${health}`,
    ""
];
const text = lines.join("\n");
process.stdout.write(text);
if (values.append) {
    const file = path.join(root, "bench/RESULTS.md");
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, readFileSync(file, "utf8").replace(/\n*$/, "\n") + text);
    renameSync(temporary, file);
}
const allBadAre4xx = bad.every((o) => o.status >= 400 && o.status < 500);
process.exitCode = allBadAre4xx && validErrors === 0 && health === 200 ? 0 : 1;
