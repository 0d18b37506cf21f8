// Alternated side-by-side decode rounds: is r1's generation as fast as the plain llama.cpp loop,
// and what do the thread settings cost? Each configuration runs in its own node process (libuv's
// pool size and node-llama-cpp's maxThreads are per process), loads the model once, then the
// processes take turns generating one round each, so machine noise hits them alike. Reports the
// median and p90 time per token (averages are dominated by a few stalls on shared machines).
//
// llama.cpp itself joins the same rounds with `--llama-bench PATH` (a llama-bench built from the sources
// node-llama-cpp ships) and the configs `llama` / `llama-tg`; each round is one llama-bench process with the
// same file and threads. llama-bench times whole repetitions, not tokens, so:
// - `llama` (the per-token figure, compared with r1's per-token median): `-p 0 -n 1 -r TOKENS`, i.e. TOKENS
//   repetitions of one decoded token, each timed alone. No sampling, and each token sees an empty KV cache: at
//   ≤ 64 positions attention is negligible beside reading the weights, so it costs what a round's token costs.
//   (`-d` would place it mid-round, but its prompt pass takes ggml's AMX path, which dies with SIGILL here.)
// - `llama-tg` (llama-bench's usual tg figure, for the round-mean column): `-p 0 -n TOKENS -r 1`, one timed
//   TOKENS-token generation per round; only its mean is known, so each round counts TOKENS copies of it.
// Several llama-bench builds can join: `--llama-bench LABEL=PATH` (repeatable) adds the configs `llama:LABEL` and
// `llama-tg:LABEL`. Each runs with LD_LIBRARY_PATH set to its binary's folder, so a llama-bench copied next to other
// llama.cpp libraries of the same release (node-llama-cpp's prebuilt ones, say) runs on those libraries.
//
// - `llama-server` (with `--llama-server PATH`): llama.cpp's server, started once with the same file, threads and
//   context; each round is one `/completion` of TOKENS tokens from the BOS token, greedy (top-k 1), no prompt cache,
//   EOS ignored; the server's own `timings.predicted_per_token_ms` is the round's mean (no HTTP time in it).
//
//   node --import tsx bench/decodeRounds.ts MODEL.gguf [--tokens 64] [--rounds 5] [--configs r1,r1-st,r1-b64,r1-b1,t1,uv4,r1-complete,nlc-default,llama,llama-tg,llama:LABEL,llama-server] [--llama-bench [LABEL=]PATH ...] [--llama-server PATH]
import {execFile, fork, type ChildProcess} from "node:child_process";
import {dirname} from "node:path";
import {readGguf} from "../src/gguf/index.js";
import {fileURLToPath} from "node:url";
import {parseArgs, promisify} from "node:util";
import {getLlama, type LlamaContextSequence, type Token} from "node-llama-cpp";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import {physicalCoreCount} from "../src/engine/physicalCoreCount.js";
import {mean, medianInterval, percentile} from "../src/bench/stats.js";
import {timeTokenLoop} from "../src/bench/timeTokenLoop.js";

interface Config {
    name: string;
    description: string;
    /** UV_THREADPOOL_SIZE for the process; `undefined` leaves node's default (4). */
    uvThreads?: string;
    /** Decode threads; defaults to the physical core count. */
    threads?: number;
    /** Batch size (node-llama-cpp makes it the micro-batch too, so it sizes the reserved compute graph). */
    batchSize?: number;
    /** Extra node flags for the worker process. */
    nodeFlags?: string[];
    engine: "r1-sequence" | "r1-complete" | "node-llama-cpp-defaults" | "llama-bench-token" | "llama-bench-tg" | "llama-server";
    /** Which `--llama-bench` build runs it (llama-bench engines only). */
    llamaBench?: string;
}

const CONFIGS: Record<string, Config> = {
    "r1": {name: "r1", description: "r1 engine (threads = physical cores, UV_THREADPOOL_SIZE=1), token loop", uvThreads: "1", engine: "r1-sequence"},
    "r1-complete": {name: "r1-complete", description: "r1 `complete()` end to end (detokenize, split, events), UV_THREADPOOL_SIZE=1", uvThreads: "1", engine: "r1-complete"},
    "r1-st": {name: "r1-st", description: "r1 engine in node --single-threaded (no V8 background threads), UV_THREADPOOL_SIZE=1", uvThreads: "1", nodeFlags: ["--single-threaded"], engine: "r1-sequence"},
    "r1-b64": {name: "r1-b64", description: "r1 engine with batch size 64 (a 64-token compute graph, like llama-bench -n 64)", uvThreads: "1", batchSize: 64, engine: "r1-sequence"},
    "r1-b1": {name: "r1-b1", description: "r1 engine with batch size 1 (like llama-bench -n 1)", uvThreads: "1", batchSize: 1, engine: "r1-sequence"},
    "t1": {name: "t1", description: "r1 engine with one decode thread (-t 1), UV_THREADPOOL_SIZE=1", uvThreads: "1", threads: 1, engine: "r1-sequence"},
    "uv4": {name: "uv4", description: "same threads, node's default 4-thread libuv pool", engine: "r1-sequence"},
    "nlc-default": {name: "nlc-default", description: "node-llama-cpp defaults (maxThreads = max(cores, 4), libuv pool 4)", engine: "node-llama-cpp-defaults"},
    "llama": llamaBenchConfig("llama-bench-token", "llama"),
    "llama-tg": llamaBenchConfig("llama-bench-tg", "llama"),
    "llama-server": {name: "llama-server", description: "llama.cpp's llama-server /completion, greedy, its own per-token mean, threads = physical cores", engine: "llama-server"}
};

function llamaBenchConfig(engine: "llama-bench-token" | "llama-bench-tg", label: string): Config {
    const [name, what] = engine === "llama-bench-token" ? ["llama", "one token per repetition (-n 1 -r TOKENS)"] : ["llama-tg", "tg (-n TOKENS -r 1), round mean only"];
    return {name: label === "llama" ? name : `${name}:${label}`, description: `llama.cpp's llama-bench (${label}), ${what}, threads = physical cores`, engine, llamaBench: label};
}

/** A configuration by name: a fixed one, or `llama:LABEL` / `llama-tg:LABEL` for a labelled `--llama-bench`. */
function configNamed(name: string): Config | undefined {
    const labelled = /^(llama|llama-tg):(.+)$/.exec(name);
    if (labelled === null) return CONFIGS[name];
    return llamaBenchConfig(labelled[1] === "llama" ? "llama-bench-token" : "llama-bench-tg", labelled[2]!);
}

const isLlamaBench = (config: Config): boolean => config.engine === "llama-bench-token" || config.engine === "llama-bench-tg";

const LLAMA_SERVER_PORT = 18_431;

/** Starts llama.cpp's server on loopback with the model loaded; resolves once `/health` answers. */
async function startLlamaServer(binary: string, modelPath: string, contextSize: number): Promise<ChildProcess> {
    const child = execFile(binary, ["-m", modelPath, "-t", String(physicalCoreCount()), "-c", String(contextSize), "-np", "1",
        "--host", "127.0.0.1", "--port", String(LLAMA_SERVER_PORT)], {env: {...process.env, LD_LIBRARY_PATH: dirname(binary)}, maxBuffer: 64 * 1024 * 1024});
    for (let attempt = 0; attempt < 600; attempt++) {
        if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}`);
        const ok = await fetch(`http://127.0.0.1:${LLAMA_SERVER_PORT}/health`).then((r) => r.ok, () => false);
        if (ok) return child;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill();
    throw new Error("llama-server did not become healthy in 60 s");
}

/** One round on llama-server: the server's own mean time per generated token, spread over the round's tokens. */
async function llamaServerRound(bos: number, tokens: number): Promise<number[]> {
    const response = await fetch(`http://127.0.0.1:${LLAMA_SERVER_PORT}/completion`, {
        method: "POST", headers: {"content-type": "application/json"},
        body: JSON.stringify({prompt: [bos], n_predict: tokens, temperature: 0, top_k: 1, cache_prompt: false, ignore_eos: true})
    });
    const body = await response.json() as {timings: {predicted_per_token_ms: number, predicted_n: number}};
    return Array.from({length: body.timings.predicted_n}, () => body.timings.predicted_per_token_ms);
}

/** One round of llama.cpp itself: a fresh llama-bench process (the file is in the page cache after the first). */
async function llamaBenchRound(binary: string, modelPath: string, config: Config, tokens: number): Promise<number[]> {
    const shape = config.engine === "llama-bench-token" ? ["-n", "1", "-r", String(tokens)] : ["-n", String(tokens), "-r", "1"];
    const {stdout} = await promisify(execFile)(binary, ["-m", modelPath, "-t", String(config.threads ?? physicalCoreCount()), "-p", "0", ...shape, "-o", "json"], {
        maxBuffer: 16 * 1024 * 1024,
        env: {...process.env, LD_LIBRARY_PATH: dirname(binary)}
    });
    const ms = (JSON.parse(stdout) as {samples_ns: number[]}[])[0]!.samples_ns.map((ns) => ns / 1e6);
    return config.engine === "llama-bench-token" ? ms : Array.from({length: tokens}, () => ms[0]! / tokens);
}

type Request = {tokens: number};
type Reply = {tokenMs: number[]} | {ready: true} | {error: string};

async function worker(configName: string, modelPath: string, contextSize: number): Promise<void> {
    const config = CONFIGS[configName]!;
    let sequence: LlamaContextSequence;
    let run: (tokens: number) => Promise<number[]>;
    if (config.engine === "node-llama-cpp-defaults") {
        const llama = await getLlama({build: "never"});
        const model = await llama.loadModel({modelPath});
        const context = await model.createContext({contextSize});
        sequence = context.getSequence();
        run = (tokens) => tokenLoop(sequence, model.tokens.bos ?? (0 as Token), tokens);
    } else {
        const model = await loadModel({
            path: modelPath, contextSize,
            ...(config.threads === undefined ? {} : {threads: config.threads}),
            ...(config.batchSize === undefined ? {} : {batchSize: config.batchSize})
        });
        if (config.engine === "r1-complete") {
            run = async (tokens) => {
                for await (const event of model.complete("Once upon a time", {temperature: 0, maxTokens: tokens})) {
                    if (event.type !== "done") continue;
                    const {usage, timings} = event.result;
                    // Only the mean is visible from outside the engine: spread it over the tokens.
                    return Array.from({length: usage.completionTokens - 1}, () => timings.generationMs / (usage.completionTokens - 1));
                }
                return [];
            };
        } else {
            sequence = model.acquireSequence();
            run = (tokens) => tokenLoop(sequence, model.model.tokens.bos ?? (0 as Token), tokens);
        }
    }
    process.send!({ready: true} satisfies Reply);
    process.on("message", (request: Request) => {
        run(request.tokens).then((tokenMs) => process.send!({tokenMs} satisfies Reply), (error: unknown) => process.send!({error: String(error)} satisfies Reply));
    });
}

async function tokenLoop(sequence: LlamaContextSequence, first: Token, count: number): Promise<number[]> {
    return (await timeTokenLoop(sequence, first, count)).tokenMs;
}

/** Whether a configuration's rounds only know their mean (so its per-token "median" is that mean). */
const meanOnly = (config: Config): boolean => config.engine === "llama-bench-tg" || config.engine === "r1-complete" || config.engine === "llama-server";

/** Per-round ratio base ÷ other, of medians, or of means where either side only knows means. */
function pairedRatio(base: {medians: number[], means: number[], config: Config}, other: {medians: number[], means: number[], config: Config}): string {
    const byMeans = meanOnly(base.config) || meanOnly(other.config);
    const [a, b] = byMeans ? [base.means, other.means] : [base.medians, other.medians];
    const {median, low, high} = medianInterval(a.map((ms, round) => ms / b[round]!));
    return `${median.toFixed(3)}× [${low.toFixed(3)}, ${high.toFixed(3)}] (${byMeans ? "means" : "medians"})`;
}

function ask(child: ChildProcess, message: Request | undefined): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`worker exited with ${code}`));
        child.once("exit", onExit);
        child.once("message", (reply: Reply) => {
            child.off("exit", onExit);
            if ("error" in reply) reject(new Error(reply.error));
            else resolve(reply);
        });
        if (message !== undefined) child.send(message);
    });
}

async function main(): Promise<void> {
    const {values, positionals} = parseArgs({
        allowPositionals: true,
        options: {
            tokens: {type: "string", default: "64"}, rounds: {type: "string", default: "5"}, configs: {type: "string", default: "r1,uv4,nlc-default"},
            "trap-tokens": {type: "string", default: "8"}, ctx: {type: "string", default: "512"}, worker: {type: "string"},
            "llama-bench": {type: "string", multiple: true}, "llama-server": {type: "string"}
        }
    });
    const modelPath = positionals[0];
    if (modelPath === undefined) throw new Error("usage: decodeRounds.ts MODEL.gguf [--tokens N] [--rounds N] [--configs a,b]");
    if (values.worker !== undefined) return worker(values.worker, modelPath, Number(values.ctx));

    const names = values.configs.split(",");
    const configs = new Map<string, Config>();
    for (const name of names) {
        const config = configNamed(name);
        if (config === undefined) throw new Error(`unknown config ${name}; known: ${Object.keys(CONFIGS).join(", ")}, llama:LABEL, llama-tg:LABEL`);
        configs.set(name, config);
    }
    const llamaBenches = new Map((values["llama-bench"] ?? []).map((given) => {
        const at = given.indexOf("=");
        return at < 0 ? ["llama", given] : [given.slice(0, at), given.slice(at + 1)];
    }));
    for (const config of configs.values()) {
        if (isLlamaBench(config) && !llamaBenches.has(config.llamaBench!)) throw new Error(`config ${config.name} needs --llama-bench ${config.llamaBench === "llama" ? "" : `${config.llamaBench}=`}PATH`);
    }
    const children = new Map<string, ChildProcess>();
    let llamaServer: ChildProcess | undefined;
    let bos = 0;
    if (names.some((name) => configs.get(name)!.engine === "llama-server")) {
        if (values["llama-server"] === undefined) throw new Error("config llama-server needs --llama-server PATH");
        bos = (await readGguf(modelPath)).metadata.getNumber("tokenizer.ggml.bos_token_id") ?? 0;
        llamaServer = await startLlamaServer(values["llama-server"], modelPath, Number(values.ctx));
    }
    for (const name of names) {
        if (isLlamaBench(configs.get(name)!) || configs.get(name)!.engine === "llama-server") continue;
        const {UV_THREADPOOL_SIZE: _, ...env} = process.env;
        const uv = configs.get(name)!.uvThreads;
        const child = fork(fileURLToPath(import.meta.url), [modelPath, "--worker", name, "--ctx", values.ctx], {
            env: uv === undefined ? env : {...env, UV_THREADPOOL_SIZE: uv}, execArgv: ["--import", "tsx", ...(configs.get(name)!.nodeFlags ?? [])]
        });
        children.set(name, child);
        await ask(child, undefined);
    }
    const samples = new Map<string, number[]>(names.map((n) => [n, []]));
    const roundMeans = new Map<string, number[]>(names.map((n) => [n, []]));
    const roundMedians = new Map<string, number[]>(names.map((n) => [n, []]));
    const rounds = Number(values.rounds);
    for (let round = 0; round < rounds; round++) {
        // Rotate the order so no configuration always runs right after another one.
        const order = names.map((_, i) => names[(i + round) % names.length]!);
        for (const name of order) {
            const config = configs.get(name)!;
            const tokens = config.engine === "node-llama-cpp-defaults" ? Number(values["trap-tokens"]) : Number(values.tokens);
            const reply = isLlamaBench(config)
                ? {tokenMs: await llamaBenchRound(llamaBenches.get(config.llamaBench!)!, modelPath, config, tokens)}
                : config.engine === "llama-server"
                    ? {tokenMs: await llamaServerRound(bos, tokens)}
                    : await ask(children.get(name)!, {tokens});
            if ("tokenMs" in reply) {
                samples.get(name)!.push(...(round === 0 ? reply.tokenMs.slice(1) : reply.tokenMs));
                roundMeans.get(name)!.push(mean(reply.tokenMs));
                roundMedians.get(name)!.push(percentile(round === 0 ? reply.tokenMs.slice(1) : reply.tokenMs, 50));
            }
            process.stderr.write(`round ${round + 1}/${rounds} ${name}: median ${percentile("tokenMs" in reply ? reply.tokenMs : [], 50).toFixed(1)} ms/token\n`);
        }
    }
    for (const child of children.values()) child.kill();
    llamaServer?.kill();
    const rounds_ = (name: string) => ({medians: roundMedians.get(name)!, means: roundMeans.get(name)!, config: configs.get(name)!});
    const base = percentile(samples.get(names[0]!)!, 50);
    const baseRounds = percentile(roundMeans.get(names[0]!)!, 50);
    // The round-mean columns compare like with like where a contender (llama-tg, r1-complete) only knows means.
    // The paired column divides the first config's median by this one's in each round (neighbours in time, so
    // the machine's slow drifts cancel; round means where a side only knows means) and gives the median of those
    // ratios with a 95% bootstrap interval.
    console.log(`| config | what | tokens timed | median ms/token | p90 ms/token | mean ms/token | median vs ${names[0]} | round means: median / p90 | vs ${names[0]} | ${names[0]} ÷ this, paired by round [95% CI] |`);
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const name of names) {
        const ms = samples.get(name)!;
        const median = percentile(ms, 50);
        const means = roundMeans.get(name)!;
        console.log(
            `| ${name} | ${configs.get(name)!.description} | ${ms.length} | ${median.toFixed(1)} | ${percentile(ms, 90).toFixed(1)} | ${mean(ms).toFixed(1)} | ${(median / base).toFixed(2)}× | ` +
                `${percentile(means, 50).toFixed(1)} / ${percentile(means, 90).toFixed(1)} | ${(percentile(means, 50) / baseRounds).toFixed(2)}× | ${pairedRatio(rounds_(names[0]!), rounds_(name))} |`
        );
    }
    console.log(`\nphysical cores: ${physicalCoreCount()}; rounds: ${rounds}; tokens per round: ${values.tokens} (node-llama-cpp defaults: ${values["trap-tokens"]})`);
}

await main();
