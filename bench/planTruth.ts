// Issue 18's targets: does `r1 plan` tell the truth on this machine? On a fresh R1_HOME it records
// the uncalibrated prediction, then alternates rounds of: `r1 hw --probe` (the engine probe), the
// probed prediction, `r1 bench --synthetic` (one repetition, so the median over rounds is a median
// of runs) and llama-bench on the same file with the same loading (mmap or not) and flash attention as r1 ran, and in the last
// rounds generation at depth 4096 (r1 bench -d and llama-bench -d on the same file). The probe is
// rerun each round because this VM's speed drifts by up to 1.6× within an hour (bench/RESULTS.md):
// a probe from one spell and a bench from another measure the machine, not the planner. Prints the
// medians of predictions and measurements, the median of each round's own error, what each probe
// measured, and writes every sample with the load average at its start as JSON. A script, not a
// test: its figures depend on the machine and on what else runs on it.
//
//   npx tsc -p tsconfig.json && node --import tsx bench/planTruth.ts [--rounds 3] [--cache DIR] [--llama-bench PATH]
//       [--targets deepseek-r1:1.5b:Q4_K_M,...] [--depth 4096] [--depth-target deepseek-r1:1.5b:Q4_K_M] [--n-gen 64] [--depth-rounds 1] [--out FILE]
import {execFile} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, mkdtemp, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs, promisify} from "node:util";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/**
 * llama-bench and llama-quantize built with `r1 engine build`'s cmake options with AMX kept by `-fno-dse`
 * (bench/RESULTS.md, "AMX kept with -fno-dse"): like for like with the embedded engine, whose prebuilt runs AMX here.
 */
const FIXED_LLAMA_BENCH = "/tmp/r1-amx-dse-build/bin/llama-bench";
const {values} = parseArgs({options: {
    rounds: {type: "string", default: "3"},
    cache: {type: "string", default: path.join(os.tmpdir(), "r1-plan-truth-cache")},
    // llama-bench built with r1 engine build's configuration (AMX kept with -fno-dse, as the embedded engine has it) when
    // it exists; else the earlier AMX-less build (-mno-amx-*); else /tmp/lbfix, the older build with llama-bench.cpp patched to load without
    // repacked weight buffers (llama-server's --no-repack).
    "llama-bench": {type: "string", default: [FIXED_LLAMA_BENCH, "/tmp/r1-amx-build/build/bin/llama-bench", "/tmp/lbfix/llama-bench"].find((file) => existsSync(file)) ?? FIXED_LLAMA_BENCH},
    targets: {type: "string", default: "deepseek-r1-distill-qwen-1.5b:Q4_K_M,deepseek-r1-distill-qwen-1.5b:Q8_0,deepseek-r1-distill-qwen-7b:Q4_K_M"},
    depth: {type: "string", default: "4096"},
    "n-gen": {type: "string", default: "64"},
    "depth-rounds": {type: "string", default: "1"},
    "depth-target": {type: "string", default: "deepseek-r1-distill-qwen-1.5b:Q4_K_M"},
    out: {type: "string", default: path.join(os.tmpdir(), "r1-plan-truth.json")}
}});
const ROUNDS = Number(values.rounds);
const DEPTH = Number(values.depth);
/** Generated tokens per tg run (r1 bench -n, llama-bench -n): 64 keeps a round short on a busy machine. */
const N_GEN = Number(values["n-gen"]);
const targets = values.targets.split(",").map((t) => {
    const i = t.lastIndexOf(":");
    return {variant: t.slice(0, i), quant: t.slice(i + 1)};
});
const depthTarget = (() => {
    const i = values["depth-target"].lastIndexOf(":");
    return {variant: values["depth-target"].slice(0, i), quant: values["depth-target"].slice(i + 1)};
})();

// A fresh R1_HOME whose synthetic models persist between runs of this script (the probe writes and deletes its own).
const home = await mkdtemp(path.join(os.tmpdir(), "r1-plan-truth-home-"));
await mkdir(path.join(home, "cache"), {recursive: true});
await mkdir(path.join(values.cache, "synthetic"), {recursive: true});
await symlink(path.join(values.cache, "synthetic"), path.join(home, "cache", "synthetic"));
const env = {...process.env, R1_HOME: home, NO_COLOR: "1"};
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function r1(args: string[]): Promise<string> {
    const {stdout} = await run(process.execPath, [path.join(root, "bin/r1.js"), ...args], {env, maxBuffer: 64 << 20, timeout: 30 * 60_000});
    return stdout;
}

interface Prediction {generation: number, prompt: number, source: string, mmap: boolean}
async function predict(t: {variant: string, quant: string}, depth = 0): Promise<Prediction> {
    const json = JSON.parse(await r1(["plan", t.variant, "--quant", t.quant, "--ctx", String(Math.max(4096, depth + 1024)), "--depth", String(depth), "--json"])) as
        {candidates: {predicted: {generationTokensPerSecond: number, promptTokensPerSecond: number, source: string}, loading: {mmap: boolean}}[]};
    const c = json.candidates[0]!;
    return {generation: c.predicted.generationTokensPerSecond, prompt: c.predicted.promptTokensPerSecond, source: c.predicted.source, mmap: c.loading.mmap};
}

const load1 = () => os.loadavg()[0]!;

interface BenchSample {pp?: number, tg?: number, path: string, load: number, tgMsP50?: number, flashAttention?: boolean, predictedAtDepth?: number}
async function r1Bench(t: {variant: string, quant: string}, depth = 0): Promise<BenchSample> {
    const load = load1();
    const args = ["bench", "--synthetic", t.variant, "--quant", t.quant, "-r", "1", "--no-e2e", "--no-calibrate", "--json", "-n", String(N_GEN)];
    if (depth > 0) args.push("-d", String(depth), "--n-prompt", "0");
    const report = JSON.parse(await r1(args)) as {model: string, flashAttention?: boolean, results: {test: string, meanTokensPerSecond: number, msPerToken?: {median: number}}[],
        prediction: {generationAtDepthTokensPerSecond?: number} | null};
    const pp = report.results.find((r) => r.test === "pp");
    const tg = report.results.find((r) => r.test === "tg");
    return {
        path: report.model, load,
        ...(pp === undefined ? {} : {pp: pp.meanTokensPerSecond}),
        ...(tg === undefined ? {} : {tg: tg.meanTokensPerSecond, ...(tg.msPerToken === undefined ? {} : {tgMsP50: tg.msPerToken.median})}),
        ...(report.flashAttention === undefined ? {} : {flashAttention: report.flashAttention}),
        ...(report.prediction?.generationAtDepthTokensPerSecond === undefined ? {} : {predictedAtDepth: report.prediction.generationAtDepthTokensPerSecond})
    };
}

/** llama-bench on the same file, same loading and flash attention as r1 ran it (its own default is auto: on for the CPU); at a depth only tg. */
async function llamaBench(file: string, mmap: boolean, depth = 0, flashAttention?: boolean): Promise<{pp?: number, tg: number, load: number}> {
    const load = load1();
    const args = ["-m", file, "-p", depth > 0 ? "0" : "512", "-n", String(N_GEN), "-r", "1", "-t", "2", "-o", "json", "-lm", mmap ? "mmap" : "none"];
    if (depth > 0) args.push("-d", String(depth));
    if (flashAttention !== undefined) args.push("-fa", flashAttention ? "1" : "0");
    const {stdout} = await run(values["llama-bench"], args, {maxBuffer: 16 << 20, timeout: 30 * 60_000});
    const rows = JSON.parse(stdout) as {n_prompt: number, n_gen: number, avg_ts: number}[];
    const pp = rows.find((r) => r.n_prompt > 0);
    return {...(pp === undefined ? {} : {pp: pp.avg_ts}), tg: rows.find((r) => r.n_gen > 0)!.avg_ts, load};
}

/** What the engine probe measured, one line per type (r1 hw --json). */
interface ProbeSummary {seconds: number, load?: {average: number}, backends: Record<string, {types: Record<string, {decodeBytesPerSecond: number, promptFlopsPerSecond: number,
    decodeMethod?: string, uncappedDecodeBytesPerSecond?: number}>, perTokenOverheadSeconds: number, perLayerOverheadSeconds: number, attentionSecondsPerUnit: number,
    promptWidthFactors?: {hiddenSize: number, factor: number}[], maxReadBytesPerSecond?: number, mmapRateRatio?: number}>}

/** Tokens/s with the digits a busy machine's 0.19 tok/s needs as much as an idle 14.9. */
const tps = (x: number) => x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
    log(`R1_HOME ${home}; machine load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    // Write the synthetic models first (not timed): one bench each with no runs would still load; r1 bench writes on first use.
    const uncalibrated = await Promise.all(targets.map((t) => predict(t)));
    const uncalibratedDepth = await predict(depthTarget, DEPTH);
    const probes: {seconds: number, load: number, bandwidth: number, engineProbe: ProbeSummary | null}[] = [];
    const probed: Prediction[][] = targets.map(() => []);
    const probedDepth: Prediction[] = [];
    const samples = targets.map(() => ({r1: [] as BenchSample[], llama: [] as {pp?: number, tg: number, load: number}[]}));
    const depthSamples: number[] = [];
    const depthRuns: {r1: BenchSample, llama?: {tg: number, load: number}, predicted: number}[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        log(`round ${round + 1}: engine probe (r1 hw --probe)…`);
        const probeStarted = performance.now();
        const probeLoad = load1();
        const hw = JSON.parse(await r1(["hw", "--probe", "--json"])) as {ram: {bandwidthBytesPerSecond: number}, engineProbe: ProbeSummary | null};
        probes.push({seconds: (performance.now() - probeStarted) / 1000, load: probeLoad, bandwidth: hw.ram.bandwidthBytesPerSecond, engineProbe: hw.engineProbe});
        log(`round ${round + 1}: probe took ${probes.at(-1)!.seconds.toFixed(0)} s (load ${probeLoad.toFixed(1)})`);
        for (const [i, t] of targets.entries()) probed[i]!.push(await predict(t));
        // Rotate the order each round so a slow spell of the shared machine does not always hit the same model.
        const order = targets.map((_, i) => (i + round) % targets.length);
        for (const i of order) {
            const t = targets[i]!;
            const mine = await r1Bench(t);
            samples[i]!.r1.push(mine);
            log(`round ${round + 1} ${t.variant}:${t.quant} predicted pp ${probed[i]!.at(-1)!.prompt.toFixed(1)} tg ${probed[i]!.at(-1)!.generation.toFixed(2)}; ` +
                `r1 bench pp ${mine.pp?.toFixed(1)} tg ${mine.tg?.toFixed(2)}`);
            if (existsSync(values["llama-bench"])) {
                const theirs = await llamaBench(mine.path, probed[i]!.at(-1)!.mmap, 0, mine.flashAttention);
                samples[i]!.llama.push(theirs);
                log(`round ${round + 1} ${t.variant}:${t.quant} llama-bench pp ${theirs.pp?.toFixed(1)} tg ${theirs.tg.toFixed(2)}`);
            }
        }
        // Each depth run fills 4096 tokens twice (warm-up and run): on a busy 2-core machine only the last rounds get one.
        if (round >= ROUNDS - Number(values["depth-rounds"])) {
            const predictedDeep = await predict(depthTarget, DEPTH);
            probedDepth.push(predictedDeep);
            const deep = await r1Bench(depthTarget, DEPTH);
            if (deep.tg !== undefined) depthSamples.push(deep.tg);
            log(`round ${round + 1} ${depthTarget.variant}:${depthTarget.quant} predicted ${predictedDeep.generation.toFixed(2)}; r1 bench tg at depth ${DEPTH}: ` +
                `${deep.tg?.toFixed(2)} (load ${deep.load.toFixed(1)})`);
            const entry: (typeof depthRuns)[number] = {r1: deep, predicted: predictedDeep.generation};
            if (existsSync(values["llama-bench"])) {
                entry.llama = await llamaBench(deep.path, predictedDeep.mmap, DEPTH, deep.flashAttention);
                log(`round ${round + 1} ${depthTarget.variant}:${depthTarget.quant} llama-bench tg at depth ${DEPTH}: ${entry.llama.tg.toFixed(2)} (load ${entry.llama.load.toFixed(1)})`);
            }
            depthRuns.push(entry);
        }
    }

    const pct = (predicted: number, measured: number) => `${predicted >= measured ? "+" : ""}${((predicted / measured - 1) * 100).toFixed(0)}%`;
    const lines: string[] = [];
    const roundErrors = (predicted: number[], measured: (number | undefined)[]) =>
        predicted.flatMap((p, r) => measured[r] === undefined ? [] : [pct(p, measured[r]!)]).join(" ");
    lines.push(`| model | test | uncalibrated (error) | probed prediction, median of ${ROUNDS} | r1 bench median (n=${ROUNDS}) | probed error | each round's error | target | llama-bench median | r1 ÷ llama-bench |`);
    lines.push("|---|---|---|---|---|---|---|---|---|---|");
    targets.forEach((t, i) => {
        for (const test of ["pp", "tg"] as const) {
            const measuredRuns = samples[i]!.r1.map((s) => s[test]);
            const measured = median(measuredRuns.filter((x): x is number => x !== undefined));
            const predictedRuns = probed[i]!.map((p) => test === "pp" ? p.prompt : p.generation);
            const predicted = median(predictedRuns);
            const before = test === "pp" ? uncalibrated[i]!.prompt : uncalibrated[i]!.generation;
            const llama = median(samples[i]!.llama.flatMap((s) => s[test] === undefined ? [] : [s[test]!]));
            const within = Math.abs(predicted / measured - 1) <= 0.15;
            lines.push(`| ${t.variant} ${t.quant} | ${test === "pp" ? "pp512" : `tg${N_GEN}`} | ${tps(before)} (${pct(before, measured)}) | ${tps(predicted)} | ` +
                `${tps(measured)} | ${pct(predicted, measured)} | ${roundErrors(predictedRuns, measuredRuns)} | ±15% ${within ? "met" : "NOT met"} | ${Number.isNaN(llama) ? "–" : tps(llama)} | ` +
                `${Number.isNaN(llama) ? "–" : `${(measured / llama).toFixed(3)} (${Math.abs(measured / llama - 1) <= 0.05 ? "within 5%" : "NOT within 5%"})`} |`);
        }
    });
    const deepMeasured = median(depthSamples);
    const deepPredicted = median(probedDepth.map((p) => p.generation));
    const deepLlama = median(depthRuns.flatMap((r) => r.llama === undefined ? [] : [r.llama.tg]));
    lines.push(`| ${depthTarget.variant} ${depthTarget.quant} | tg${N_GEN} at depth ${DEPTH} (n=${depthSamples.length}) | ${tps(uncalibratedDepth.generation)} (${pct(uncalibratedDepth.generation, deepMeasured)}) | ` +
        `${tps(deepPredicted)} | ${tps(deepMeasured)} | ${pct(deepPredicted, deepMeasured)} | ${roundErrors(depthRuns.map((r) => r.predicted), depthRuns.map((r) => r.r1.tg))} | ` +
        `±20% ${Math.abs(deepPredicted / deepMeasured - 1) <= 0.2 ? "met" : "NOT met"} | ` +
        `${Number.isNaN(deepLlama) ? "–" : tps(deepLlama)} | ${Number.isNaN(deepLlama) ? "–" : (deepMeasured / deepLlama).toFixed(3)} |`);
    process.stdout.write(`${lines.join("\n")}\n`);
    const loads = [...samples.flatMap((s) => [...s.r1.map((x) => x.load), ...s.llama.map((x) => x.load)]), ...depthRuns.map((r) => r.r1.load)];
    process.stdout.write(`load average (1 min) at the start of each run: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${os.availableParallelism()} cores; ` +
        `at the probes ${probes.map((p) => p.load.toFixed(1)).join(", ")}\n`);
    process.stdout.write(`loading after the probes: ${probed.map((p, i) => `${targets[i]!.variant}:${targets[i]!.quant} ${p.map((x) => x.mmap ? "mmap" : "no-mmap").join("/")}`).join(", ")}\n`);
    for (const [round, probe] of probes.entries()) for (const [backend, b] of Object.entries(probe.engineProbe?.backends ?? {})) {
        process.stdout.write(`round ${round + 1} probe ${backend} (${probe.seconds.toFixed(0)} s): ${(b.perTokenOverheadSeconds * 1e3).toFixed(2)} ms/token + ` +
            `${(b.perLayerOverheadSeconds * 1e6).toFixed(0)} µs/layer; attention ${b.attentionSecondsPerUnit.toExponential(2)} s/unit; prompt width factors ` +
            `${b.promptWidthFactors?.map((w) => `${w.factor.toFixed(2)} at ${w.hiddenSize}`).join(", ") ?? "–"}; cap ${b.maxReadBytesPerSecond === undefined ? "none" : `${(b.maxReadBytesPerSecond / 1e9).toFixed(1)} GB/s`} ` +
            `(r1 hw --probe read ${(probe.bandwidth / 1e9).toFixed(1)} GB/s); mmap ratio ${b.mmapRateRatio?.toFixed(2) ?? "–"}\n`);
        for (const [type, r] of Object.entries(b.types))
            process.stdout.write(`  ${type}: decode ${(r.decodeBytesPerSecond / 1e9).toFixed(1)} GB/s (${r.decodeMethod ?? "?"}` +
                `${r.uncappedDecodeBytesPerSecond === undefined ? "" : `, capped from ${(r.uncappedDecodeBytesPerSecond / 1e9).toFixed(1)}`}), prompt ${(r.promptFlopsPerSecond / 1e9).toFixed(0)} GFLOP/s\n`);
    }
    for (const r of depthRuns) if (r.r1.predictedAtDepth !== undefined)
        process.stdout.write(`r1 bench -d ${DEPTH} printed its own prediction ${r.r1.predictedAtDepth.toFixed(2)} tok/s (flash attention ${r.r1.flashAttention === undefined ? "?" : r.r1.flashAttention ? "on" : "off"})\n`);
    await writeFile(values.out, JSON.stringify({machineLoad: os.loadavg(), probes, targets, uncalibrated, probed, uncalibratedDepth, probedDepth,
        samples, depthSamples, depthRuns}, null, 2));
    log(`samples in ${values.out}`);
} finally {
    await rm(home, {recursive: true, force: true});
}
