// Artifact 1 of issue 18, before and after, alternated on one loaded model: `r1 bench`'s 512-token
// prompt processed in a context of exactly 512 tokens (the old default) and in one of 513 (what
// `benchContextSize` gives now), with the tokens node-llama-cpp really evaluated (its token meter).
// Each round runs both, in alternating order, so machine noise hits them alike.
//
//   node --import tsx bench/promptFillsContext.ts MODEL.gguf [--tokens 512] [--rounds 6] [--threads 2]
import {parseArgs} from "node:util";
import type {LlamaContext, Token} from "node-llama-cpp";
import {getLlamaRuntime} from "../src/engine/embedded/getLlamaRuntime.js";
import {percentile} from "../src/bench/stats.js";

const {values, positionals} = parseArgs({allowPositionals: true, options: {
    tokens: {type: "string", default: "512"},
    rounds: {type: "string", default: "6"},
    threads: {type: "string", default: "2"}
}});
const file = positionals[0];
if (file === undefined) throw new Error("usage: bench/promptFillsContext.ts MODEL.gguf");
const TOKENS = Number(values.tokens);
const ROUNDS = Number(values.rounds);
const THREADS = Number(values.threads);

const llama = await getLlamaRuntime();
const model = await llama.loadModel({modelPath: file});
const unit = model.tokenize("The quick brown fox jumps over the lazy dog while the river runs past the old mill. ", false);
const prompt: Token[] = Array.from({length: TOKENS}, (_, i) => unit[i % unit.length]!);
const configs: {name: string, context: LlamaContext}[] = [
    {name: `before: ${TOKENS} tokens into a ${TOKENS}-token context`, context: await model.createContext({contextSize: TOKENS, threads: THREADS})},
    {name: `after: ${TOKENS} tokens into a ${TOKENS + 1}-token context`, context: await model.createContext({contextSize: TOKENS + 1, threads: THREADS})}
];
const speeds = configs.map(() => [] as number[]);
const evaluated = configs.map(() => [] as number[]);

async function run(i: number): Promise<void> {
    const sequence = configs[i]!.context.getSequence();
    try {
        const before = sequence.tokenMeter.usedInputTokens;
        const t0 = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(prompt);
        const seconds = (performance.now() - t0) / 1000;
        speeds[i]!.push(TOKENS / seconds);
        evaluated[i]!.push(sequence.tokenMeter.usedInputTokens - before);
    } finally {
        sequence.dispose();
    }
}

await run(0); await run(1); // warm-up, not counted
speeds.forEach((s) => s.length = 0);
evaluated.forEach((e) => e.length = 0);
for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) await run(i);
}
console.log(`${file}, ${THREADS} threads, ${ROUNDS} alternated rounds`);
console.log("| configuration | tokens evaluated | prompt t/s median | min | max |");
console.log("|---|---|---|---|---|");
configs.forEach((c, i) => {
    const s = speeds[i]!;
    console.log(`| ${c.name} | ${evaluated[i]![0]} | ${percentile(s, 50).toFixed(1)} | ${Math.min(...s).toFixed(1)} | ${Math.max(...s).toFixed(1)} |`);
});
console.log(`after ÷ before (medians): ${(percentile(speeds[1]!, 50) / percentile(speeds[0]!, 50)).toFixed(2)}×`);
for (const c of configs) await c.context.dispose();
await model.dispose();
