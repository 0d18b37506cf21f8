import {readFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {Worker} from "node:worker_threads";
import {r1HomeDir, writeJsonAtomic} from "./r1HomeDir.js";

/** Measured figures of this machine, as cached in `<R1_HOME>/hardware-probe.json`. */
export interface HardwareProbe {
    readonly version: 1;
    /** CPU model and RAM size the probe ran on: a cache for another machine is ignored. */
    readonly cpuModel: string;
    readonly totalBytes: number;
    readonly measuredAt: string;
    /** Best aggregate read bandwidth over all threads, bytes/s. */
    readonly readBytesPerSecond: number;
    /** Aggregate f32 matmul throughput of scalar JavaScript (a lower bound for SIMD code), FLOP/s. */
    readonly matmulFlopsPerSecond: number;
    readonly threads: number;
}

export const HARDWARE_PROBE_FILE = "hardware-probe.json";

/** Bytes each thread scans: far beyond any L3 cache, small enough for an 8 GB machine. */
const PROBE_BYTES_PER_THREAD = 64 * 2 ** 20;
/** The probe's own RAM use is capped: threads × bytes ≤ this. */
const MAX_PROBE_TOTAL_BYTES = 1024 * 2 ** 20;
/** Untrusted cache files are tiny. */
const MAX_PROBE_FILE_BYTES = 64 * 1024;

export interface ProbeHardwareOptions {
    /** Threads to run. Defaults to the number of logical cores (at most 64). */
    readonly threads?: number;
    /** Repetitions of the read scan; the best counts. Defaults to `4`. */
    readonly passes?: number;
    /** Where to cache the result. Defaults to `R1_HOME` (`~/.r1`); `null` skips caching. */
    readonly r1Home?: string | null;
}

// Each worker fills its own buffer (touching every page, so reads hit DRAM, not the shared zero
// page), then times `passes` scans between barriers so all threads read at once. The scan is
// Buffer#indexOf for a byte that is not there: libc's SIMD memchr, as fast as native code reads
// memory, where a JavaScript loop would measure the JIT. Then a 128³ f32 matmul loop (scalar JS).
const workerSource = `
const {parentPort, workerData} = require("node:worker_threads");
const {bytes, passes, barrier} = workerData;
const sync = new Int32Array(barrier);
function wait(step) { Atomics.add(sync, step, 1); while (Atomics.load(sync, step) < sync[3]) Atomics.wait(sync, step, Atomics.load(sync, step), 1); }
const data = Buffer.allocUnsafeSlow(bytes).fill(7);
let sink = 0;
const times = [];
for (let p = 0; p < passes; p++) {
  wait(p % 2 === 0 ? 0 : 1); if (p % 2 === 0) { Atomics.store(sync, 1, 0); } else { Atomics.store(sync, 0, 0); }
  const t0 = performance.now();
  sink += data.indexOf(9);
  times.push([t0, performance.now()]);
}
const n = 128, a = new Float32Array(n * n).fill(1.5), b = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
let reps = 0; const m0 = performance.now();
while (performance.now() - m0 < 300) {
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const x = a[i * n + k]; const row = k * n, out = i * n; for (let j = 0; j < n; j++) c[out + j] += x * b[row + j]; }
  reps++;
}
const mseconds = (performance.now() - m0) / 1000;
parentPort.postMessage({times, flops: 2 * n * n * n * reps / mseconds, sink: sink + c[0]});
`;

/**
 * Measures this machine: aggregate RAM read bandwidth (all threads scanning private 64 MiB
 * buffers at once with memchr, best of `passes`) and scalar f32 matmul throughput, then caches the result
 * under `R1_HOME` so `detectHardware()` uses it from then on. Takes a few seconds.
 */
export async function probeHardware(options: ProbeHardwareOptions = {}): Promise<HardwareProbe> {
    const threads = Math.max(1, Math.min(options.threads ?? os.cpus().length, 64, Math.floor(MAX_PROBE_TOTAL_BYTES / PROBE_BYTES_PER_THREAD)));
    const passes = Math.max(2, options.passes ?? 4);
    const barrier = new SharedArrayBuffer(16);
    new Int32Array(barrier)[3] = threads;
    const results = await Promise.all(Array.from({length: threads}, () => new Promise<{times: [number, number][], flops: number}>(
        (resolve, reject) => {
            const worker = new Worker(workerSource, {eval: true, workerData: {bytes: PROBE_BYTES_PER_THREAD, passes, barrier}});
            worker.once("message", resolve);
            worker.once("error", reject);
        })));
    // Per pass: all threads' bytes over the span from the first start to the last end.
    let best = 0;
    for (let p = 0; p < passes; p++) {
        const starts = results.map((r) => r.times[p]![0]);
        const ends = results.map((r) => r.times[p]![1]);
        const seconds = (Math.max(...ends) - Math.min(...starts)) / 1000;
        if (seconds > 0) best = Math.max(best, threads * PROBE_BYTES_PER_THREAD / seconds);
    }
    const probe: HardwareProbe = {
        version: 1, cpuModel: (os.cpus()[0]?.model ?? "unknown CPU").trim(), totalBytes: os.totalmem(),
        measuredAt: new Date().toISOString(), readBytesPerSecond: best,
        matmulFlopsPerSecond: results.reduce((sum, r) => sum + r.flops, 0), threads
    };
    if (options.r1Home !== null) await writeJsonAtomic(path.join(options.r1Home ?? r1HomeDir(), HARDWARE_PROBE_FILE), probe);
    return probe;
}

/**
 * The cached probe for this machine, or `undefined` when there is none, it is unreadable or it
 * was measured on another CPU/RAM size. Never throws.
 */
export async function loadHardwareProbe(options: {r1Home?: string, cpuModel: string, totalBytes: number}): Promise<HardwareProbe | undefined> {
    try {
        const file = path.join(options.r1Home ?? r1HomeDir(), HARDWARE_PROBE_FILE);
        const text = await readFile(file, "utf8");
        if (text.length > MAX_PROBE_FILE_BYTES) return undefined;
        const raw = JSON.parse(text) as Partial<HardwareProbe>;
        const valid = raw.version === 1 && raw.cpuModel === options.cpuModel && raw.totalBytes === options.totalBytes &&
            isPositive(raw.readBytesPerSecond) && isPositive(raw.matmulFlopsPerSecond);
        return valid ? raw as HardwareProbe : undefined;
    } catch {
        return undefined;
    }
}

function isPositive(x: unknown): x is number {
    return typeof x === "number" && Number.isFinite(x) && x > 0;
}
