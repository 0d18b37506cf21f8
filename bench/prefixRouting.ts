// Issue 14's prefix-routing benchmark: the second turn of a ~2,000-token conversation while three
// other conversations run on the same model (--parallel 4), time to its first token with prefix
// routing (the free sequence holding its history) and without it (the sequence freed last, as r1
// did before). Rounds alternate the two (ABBA), each with fresh conversations, on one loaded model.
//
//   node --import tsx bench/prefixRouting.ts [MODEL.gguf] [--rounds 3] [--threads 1] [--history 2000]
// MODEL defaults to the synthetic R1-Distill-Qwen-1.5B Q4_K_M that
// `r1 bench --synthetic deepseek-r1-distill-qwen-1.5b --quant Q4_K_M` writes.
import os from "node:os";
import path from "node:path";
import {parseArgs} from "node:util";
import {loadModel} from "../src/engine/embedded/loadModel.js";
import type {ChatMessage, GenerationEvent, GenerationResult} from "../src/engine/types.js";
import {percentile} from "../src/bench/stats.js";
import {syntheticModelPath} from "../src/bench/syntheticModelPath.js";

const {values, positionals} = parseArgs({allowPositionals: true, options: {
    rounds: {type: "string", default: "3"},
    // One thread: on a box shared with other jobs, llama.cpp's spinning workers collapse with more (bench/RESULTS.md).
    threads: {type: "string", default: "1"},
    history: {type: "string", default: "2000"}
}});
const file = positionals[0] ?? syntheticModelPath(process.env.R1_HOME ?? path.join(os.homedir(), ".r1"), "deepseek-r1-distill-qwen-1.5b", "Q4_K_M");
const ROUNDS = Number(values.rounds);
const HISTORY_TOKENS = Number(values.history);
const PARALLEL = 4;
const OTHERS = 3;
const OTHER_TOKENS = 48;

const model = await loadModel({path: file, parallel: PARALLEL, contextSize: 4096, threads: Number(values.threads)});
console.log(`model ${file}\ncontext ${model.info.contextSize} x ${PARALLEL} sequences, ${model.info.threads} threads`);

/** A user text of at least `tokens` tokens, unique to `tag` from its first word on. */
function text(tag: string, tokens: number): string {
    const sentence = `${tag} walks along the river past the mill and counts the boats that drift toward the sea. `;
    let result = sentence;
    while (model.countTokens(result) < tokens) result += sentence;
    return result;
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationResult> {
    for await (const event of events) if (event.type === "done") return event.result;
    throw new Error("no result");
}

/** One round: returns the returning conversation's time to first token (ms) and its cached prompt tokens. */
async function round(routing: boolean, id: number, historyTokens = HISTORY_TOKENS): Promise<{ttftMs: number, cached: number, prompt: number}> {
    model.prefixRouting = routing;
    const history: ChatMessage[] = [{role: "user", content: text(`Conversation-${id}-a`, historyTokens)}];
    const first = await collect(model.chat(history, {maxTokens: 8, thinkBudget: 2, temperature: 0}));
    history.push({role: "assistant", content: first.answer}, {role: "user", content: "And what happened next?"});
    // The other conversations start (each holds a sequence and keeps generating) before the first one returns.
    const others = Array.from({length: OTHERS}, (_, i) => model.chat([{role: "user", content: text(`Conversation-${id}-${i}`, 100)}], {maxTokens: OTHER_TOKENS, temperature: 0})[Symbol.asyncIterator]());
    await Promise.all(others.map((iterator) => iterator.next()));
    const started = performance.now();
    let ttftMs = 0;
    let result: GenerationResult | undefined;
    const returning = (async () => {
        for await (const event of model.chat(history, {maxTokens: 4, thinkBudget: 1, temperature: 0})) {
            if (ttftMs === 0) ttftMs = performance.now() - started;
            if (event.type === "done") result = event.result;
        }
    })();
    await Promise.all([returning, ...others.map(async (iterator) => {
        while (!(await iterator.next()).done) { /* drained */ }
    })]);
    return {ttftMs, cached: result!.usage.cachedPromptTokens ?? 0, prompt: result!.usage.promptTokens};
}

const runs: Record<"routing" | "lastFreed", {ttftMs: number, cached: number, prompt: number}[]> = {routing: [], lastFreed: []};
let id = 0;
// Warm-up (not counted, short): the first decode calls allocate buffers.
await round(true, id++, 100);
for (let r = 0; r < ROUNDS; r++) {
    const order: boolean[] = r % 2 === 0 ? [true, false] : [false, true];
    for (const routing of order) {
        const run = await round(routing, id++);
        runs[routing ? "routing" : "lastFreed"].push(run);
        console.log(`round ${r + 1} ${routing ? "routing   " : "last freed"}: first token after ${run.ttftMs.toFixed(0)} ms, ${run.cached} of ${run.prompt} prompt tokens cached`);
    }
}
const median = (list: {ttftMs: number}[]) => percentile(list.map((run) => run.ttftMs), 50);
const on = median(runs.routing);
const off = median(runs.lastFreed);
console.log(`\nmedian time to first token of the returning conversation (${ROUNDS} rounds each, alternated):`);
console.log(`  prefix routing: ${on.toFixed(0)} ms (cached ${runs.routing.map((run) => run.cached).join(", ")})`);
console.log(`  last freed:     ${off.toFixed(0)} ms (cached ${runs.lastFreed.map((run) => run.cached).join(", ")})`);
console.log(`  speed-up: ${(off / on).toFixed(1)}x`);
await model.dispose();
