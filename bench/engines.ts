// r1 embedded vs r1 through llama-server vs llama-server alone, in alternated rounds on the same
// file and threads (issue 13). One node process holds all three: the embedded engine (node-llama-cpp
// in this process, 4 sequences), a llama-server behind r1's LlamaServerModel, and a second
// llama-server started with the same arguments but driven by a bare client (hand-written /completion
// requests, SSE read directly): the overhead of r1's engine layer is the second against the third.
// Each round runs every test on every config, the config order rotated every round; only the
// engine under test works while a test runs (the others sit idle).
//
// Tests, all greedy, all timed by the client the same way for every config:
//   tg   — one raw completion of --tokens tokens: median ms between generated pieces (first one excluded)
//   pp   — a ~512-token raw prompt (new text each time, so no cache reuse) and 1 generated token:
//          prompt tokens ÷ time to that token (request included)
//   agg1 / agg4 — 1 or 4 raw completions of --tokens tokens at once: all tokens ÷ wall time
//
// The model's token embeddings (and output matrix) are zeroed in a copy first: a synthetic model's
// random weights emit bytes that are not UTF-8, which llama-server's reply parser rejects mid-reply
// (see LlamaServerModel), and may end a reply early. With every logit 0, greedy decoding repeats one
// token; every matrix is still multiplied in full, so the time per token is the original file's.
//
//   UV_THREADPOOL_SIZE=1 node --import tsx bench/engines.ts MODEL.gguf [--rounds 3] [--tokens 32] [--threads 2] [--llama-server PATH]
import {existsSync} from "node:fs";
import {parseArgs} from "node:util";
import {writeZeroEmbeddingCopy} from "../src/bench/writeZeroEmbeddingCopy.js";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import {findLlamaCppTools, requireLlamaCppTool} from "../src/engine/llamaCppTools/index.js";
import {LlamaServerModel} from "../src/engine/llamaServer/LlamaServerModel.js";
import {LlamaServerProcess} from "../src/engine/llamaServer/LlamaServerProcess.js";
import {readServerSentEvents} from "../src/engine/readServerSentEvents.js";
import type {LoadedModel} from "../src/engine/types.js";
import {percentile} from "../src/bench/stats.js";

const {values, positionals} = parseArgs({
    allowPositionals: true,
    options: {rounds: {type: "string", default: "3"}, tokens: {type: "string", default: "32"}, threads: {type: "string", default: "2"},
        "prompt-tokens": {type: "string", default: "512"}, "llama-server": {type: "string"}}
});
const sourcePath = positionals[0];
if (sourcePath === undefined) throw new Error("usage: bench/engines.ts MODEL.gguf [--rounds N] [--tokens N] [--threads N] [--llama-server PATH]");
const modelPath = sourcePath.replace(/\.gguf$/, "-steady.gguf");
if (!existsSync(modelPath)) await writeZeroEmbeddingCopy(sourcePath, modelPath);
const rounds = Number(values.rounds);
const tokens = Number(values.tokens);
const threads = Number(values.threads);
const promptTokens = Number(values["prompt-tokens"]);
const PARALLEL = 4;
const contextSize = Math.max(1024, promptTokens + tokens + 64);
const FILLER = "The quick brown fox jumps over the lazy dog while the river runs past the old mill. ";

/** One way to drive an engine: a greedy raw completion that reports each generated piece. */
interface Config {
    name: string;
    /** Prompt tokens evaluated and pieces' arrival times. */
    complete(prompt: string, maxTokens: number, onPiece: () => void): Promise<{promptTokens: number, generated: number}>;
    countTokens(text: string): number;
    dispose(): Promise<void>;
}

function throughEngine(name: string, model: LoadedModel): Config {
    return {
        name,
        async complete(prompt, maxTokens, onPiece) {
            for await (const event of model.complete(prompt, {maxTokens, temperature: 0})) {
                if (event.type === "done") return {promptTokens: event.result.usage.promptTokens, generated: event.result.usage.completionTokens};
                if (event.type === "answer") onPiece();
            }
            throw new Error("no result");
        },
        countTokens: (text) => model.countTokens(text),
        dispose: () => model.dispose()
    };
}

/** llama-server with the same launch options, driven by hand: what a bare llama-server client sees. */
function bareLlamaServer(server: LlamaServerProcess, countTokens: (text: string) => number): Config {
    return {
        name: "llama-server alone",
        async complete(prompt, maxTokens, onPiece) {
            const response = await fetch(`${server.url}/completion`, {
                method: "POST", headers: {"Authorization": `Bearer ${server.apiKey}`, "Content-Type": "application/json"},
                body: JSON.stringify({prompt, n_predict: maxTokens, temperature: 0, stream: true, cache_prompt: true})
            });
            let result = {promptTokens: 0, generated: 0};
            for await (const event of readServerSentEvents(response.body as AsyncIterable<Uint8Array>)) {
                const chunk = JSON.parse(event.data) as {content?: string, stop?: boolean, tokens_evaluated?: number, tokens_predicted?: number};
                if (chunk.stop === true) {
                    result = {promptTokens: chunk.tokens_evaluated ?? 0, generated: chunk.tokens_predicted ?? 0};
                    break;
                }
                if (chunk.content !== undefined && chunk.content !== "") onPiece();
            }
            return result;
        },
        countTokens,
        dispose: () => server.stop()
    };
}

function promptOf(config: Config, label: string): string {
    const words = `${label}: ${FILLER.repeat(Math.ceil(promptTokens / 15) + 2)}`.split(" ");
    for (let excess = config.countTokens(words.join(" ")) - (promptTokens - 1); excess > 0; excess = config.countTokens(words.join(" ")) - (promptTokens - 1))
        words.splice(words.length - Math.max(1, Math.floor(excess / 2)));
    return words.join(" ");
}

const results = new Map<string, {tgMs: number[], pp: number[], agg1: number[], agg4: number[]}>();

async function round(config: Config, index: number): Promise<void> {
    const entry = results.get(config.name) ?? {tgMs: [], pp: [], agg1: [], agg4: []};
    results.set(config.name, entry);
    // tg: time between pieces.
    const times: number[] = [];
    await config.complete(`Round ${index} tg`, tokens, () => times.push(performance.now()));
    for (let i = 2; i < times.length; i++) entry.tgMs.push(times[i]! - times[i - 1]!);
    // pp: a new prompt of ~promptTokens tokens, one generated token.
    const prompt = promptOf(config, `Round ${index} ${config.name}`);
    const started = performance.now();
    const pp = await config.complete(prompt, 1, () => {});
    entry.pp.push(pp.promptTokens / ((performance.now() - started) / 1000));
    // aggregate throughput with 1 and PARALLEL streams.
    for (const streams of [1, PARALLEL]) {
        const begun = performance.now();
        const done = await Promise.all(Array.from({length: streams}, (_, s) => config.complete(`Round ${index} stream ${s} of ${streams}: once upon a time`, tokens, () => {})));
        const total = done.reduce((sum, r) => sum + r.generated, 0);
        (streams === 1 ? entry.agg1 : entry.agg4).push(total / ((performance.now() - begun) / 1000));
    }
}

const found = await findLlamaCppTools(values["llama-server"] === undefined ? {} : {llamaServerPath: values["llama-server"]});
const binary = requireLlamaCppTool(found, "llama-server");
const launch = {contextSize, parallel: PARALLEL, threads};
const embedded = await loadModel({path: modelPath, contextSize, parallel: PARALLEL, threads});
const throughR1 = await LlamaServerModel.load({path: modelPath, binary, launch, onNotice: (m) => console.error(`note: ${m}`)});
// The bare server gets exactly the launch r1 ended up using (--no-repack included when r1 needed it here).
const bare = await LlamaServerProcess.start({binary, launch: {...launch, modelPath, ...(throughR1.process.repackDisabled ? {repack: false} : {})}});
const configs: Config[] = [throughEngine("r1 embedded", embedded), throughEngine("r1 → llama-server", throughR1), bareLlamaServer(bare, (text) => throughR1.countTokens(text))];
console.error(`model ${modelPath}; ${threads} threads; context ${contextSize} × ${PARALLEL}; ${rounds} rounds of tg${tokens}, pp${promptTokens}, agg1/agg${PARALLEL} × ${tokens}; llama-server ${binary}${throughR1.process.repackDisabled ? " (--no-repack)" : ""}`);
try {
    for (let r = 0; r < rounds; r++) {
        const order = configs.map((_, i) => configs[(i + r) % configs.length]!);
        for (const config of order) {
            await round(config, r);
            console.error(`round ${r + 1}/${rounds} ${config.name} done`);
        }
    }
} finally {
    for (const config of configs) await config.dispose();
}

const median = (xs: number[]) => percentile(xs, 50);
const base = results.get("llama-server alone")!;
console.log(`| config | tg median ms/token | pp${promptTokens} tok/s (median of rounds) | agg1 tok/s | agg${PARALLEL} tok/s | tg vs llama-server alone | pp | agg1 | agg${PARALLEL} |`);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const config of configs) {
    const e = results.get(config.name)!;
    const ratio = (mine: number, theirs: number, lowerIsBetter = false) => `${(lowerIsBetter ? mine / theirs : theirs / mine).toFixed(3)}×`;
    console.log(`| ${config.name} | ${median(e.tgMs).toFixed(1)} | ${median(e.pp).toFixed(1)} | ${median(e.agg1).toFixed(2)} | ${median(e.agg4).toFixed(2)} | ` +
        `${ratio(median(e.tgMs), median(base.tgMs), true)} | ${ratio(median(e.pp), median(base.pp))} | ${ratio(median(e.agg1), median(base.agg1))} | ${ratio(median(e.agg4), median(base.agg4))} |`);
}
console.log(`(ratios are time ratios: above 1× is slower than llama-server alone; ${base.tgMs.length} tg intervals per config)`);
