// How long tokenizing the largest prompt r1 serve accepts (MAX_BODY_BYTES) holds the event loop, and
// what /health sees meanwhile once long prompts go to the tokenizer thread. The tiny R1-shaped model
// (the real R1-Distill-Qwen tokenizer from ../shared) is served with a 131,072-token context, so the
// prompt passes the length check and is really tokenized. Text kinds: prose, digits (one token each),
// random base-36 words, one 4 MiB run of a single letter.
//
//   node --import tsx bench/promptTokenizing.ts [--rounds 2] [--kinds prose,digits,random36,oneLetter]
import os from "node:os";
import {monitorEventLoopDelay} from "node:perf_hooks";
import {parseArgs} from "node:util";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import {MAIN_THREAD_TOKENIZE_CHARS} from "../src/engine/embedded/TokenizerThread.js";
import {FileModelSource} from "../src/server/FileModelSource.js";
import {MAX_BODY_BYTES} from "../src/server/limits.js";
import {startServer} from "../src/server/startServer.js";
import {writeTinyR1Model} from "../test/engine/tinyR1Model.js";

const {values} = parseArgs({options: {rounds: {type: "string", default: "2"}, kinds: {type: "string", default: "prose,digits,random36,oneLetter"}}});
const ROUNDS = Number(values.rounds);
// The body is JSON: the content is the body limit less the envelope.
const SIZE = MAX_BODY_BYTES - 256;
const kinds: Record<string, () => string> = {
    prose: () => "The quick brown fox jumps over the lazy dog. ".repeat(Math.ceil(SIZE / 45)).slice(0, SIZE),
    digits: () => "0123456789".repeat(Math.ceil(SIZE / 10)).slice(0, SIZE),
    random36: () => Array.from({length: Math.ceil(SIZE / 9)}, (_, i) => (i * 2654435761 % 2 ** 32).toString(36).padStart(8, "0") + " ").join("").slice(0, SIZE),
    oneLetter: () => "a".repeat(SIZE)
};
const texts = Object.fromEntries(values.kinds.split(",").map((kind) => {
    if (!(kind in kinds)) throw new Error(`--kinds: ${kind} is not one of ${Object.keys(kinds).join(", ")}`);
    return [kind, kinds[kind]!()];
}));

const written = await writeTinyR1Model();
const model = await loadModel({path: written.path, contextSize: 131_072, threads: 1});
console.log(`${os.cpus()[0]?.model}, ${os.cpus().length} CPUs; load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}; MAIN_THREAD_TOKENIZE_CHARS ${MAIN_THREAD_TOKENIZE_CHARS}`);

// 1. The main-thread call (what every prompt went through before): its duration is how long the loop is held.
for (let round = 1; round <= ROUNDS; round++)
    for (const [kind, text] of Object.entries(texts)) {
        const started = performance.now();
        const tokens = model.model.tokenize(text, true).length;
        console.log(`round ${round} main thread  ${kind.padEnd(9)} ${text.length} chars ${String(tokens).padStart(8)} tokens ${(performance.now() - started).toFixed(0).padStart(6)} ms held`);
    }
await model.dispose();

// 2. Through r1 serve: the same prompts as chat requests, /health polled one after another meanwhile.
const source = new FileModelSource({files: [{name: "tiny-r1", path: written.path}],
    load: (path, options) => loadModel({path, parallel: options.parallel, contextSize: 131_072, threads: 1})});
const server = await startServer({source, port: 0});
const chat = (content: string) => fetch(`${server.url}/v1/chat/completions`, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({model: "tiny-r1", max_tokens: 1, messages: [{role: "user", content}]})});
await (await chat("Hi")).text();
for (let round = 1; round <= ROUNDS; round++)
    for (const [kind, text] of Object.entries(texts)) {
        const loop = monitorEventLoopDelay({resolution: 5});
        loop.enable();
        const started = performance.now();
        let done = false;
        const reply = chat(text).then(async (response) => {
            done = true;
            return `${response.status} ${(await response.text()).slice(0, 60)}`;
        });
        let last = performance.now();
        let gap = 0;
        let answers = 0;
        while (!done) {
            await (await fetch(`${server.url}/health`)).text();
            const now = performance.now();
            gap = Math.max(gap, now - last);
            last = now;
            answers++;
        }
        const status = await reply;
        loop.disable();
        console.log(`round ${round} r1 serve     ${kind.padEnd(9)} reply ${(performance.now() - started).toFixed(0).padStart(6)} ms, /health ${answers} answers, longest gap ${gap.toFixed(0)} ms, loop delay max ${(loop.max / 1e6).toFixed(0)} ms (${status})`);
    }
await server.stop();
written.cleanup();
console.log(`load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
