import {readdir, readFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {Worker} from "node:worker_threads";
import {R1Error} from "../util/R1Error.js";
import {r1HomeDir, writeJsonAtomic} from "./r1HomeDir.js";

/** Measured figures of this machine, as cached in `<R1_HOME>/hardware-probe.json`. */
export interface HardwareProbe {
    readonly version: 1;
    /** CPU model and RAM size the probe ran on: a cache for another machine is ignored. */
    readonly cpuModel: string;
    readonly totalBytes: number;
    readonly measuredAt: string;
    /** Best aggregate read bandwidth over all threads, bytes/s: the machine's sustainable peak (as STREAM reports it). */
    readonly readBytesPerSecond: number;
    /** Median of the read passes, bytes/s: far below the best when other processes competed for memory. */
    readonly readBytesPerSecondMedian?: number;
    /** Timed read passes the best and the median come from. */
    readonly readPasses?: number;
    /** Aggregate f32 matmul throughput of scalar JavaScript (a lower bound for SIMD code), FLOP/s. */
    readonly matmulFlopsPerSecond: number;
    readonly threads: number;
}

export const HARDWARE_PROBE_FILE = "hardware-probe.json";

/** Fewest bytes each thread scans: beyond a desktop L3, small enough for an 8 GB machine. */
const PROBE_BYTES_PER_THREAD = 64 * 2 ** 20;
/**
 * All threads together scan at least this many times the last-level cache: server parts have
 * 300 MiB of L3 (this 2-core Xeon VM does), where 2 × 64 MiB read from cache at 60 GB/s.
 */
const CACHE_MULTIPLE = 4;
/** The probe's own RAM use is capped: threads × bytes ≤ this. */
const MAX_PROBE_TOTAL_BYTES = 1024 * 2 ** 20;
/** Untrusted cache files are tiny. */
const MAX_PROBE_FILE_BYTES = 64 * 1024;
/** Most read passes one probe times, whatever the budget: bounds the result arrays. */
const MAX_PROBE_PASSES = 2000;

/** The probe did not finish in time: a thread never reached a barrier, or the machine is starved. */
export class HardwareProbeTimeoutError extends R1Error {
    readonly timeoutMs: number;

    constructor(timeoutMs: number) {
        super(`the hardware probe did not finish within ${Math.round(timeoutMs / 1000)} s`,
            {hint: "the machine may be overloaded; rerun `r1 hw --probe` when it is idle"});
        this.timeoutMs = timeoutMs;
    }
}

export interface ProbeHardwareOptions {
    /** Threads to run. Defaults to the number of logical cores (at most 64). */
    readonly threads?: number;
    /** Fewest timed read passes; the best counts. Defaults to `8`. */
    readonly passes?: number;
    /**
     * Keep timing read passes until this much time went by (after `passes`): the best of many passes
     * is stable where the best of 4 swung 54 → 26 GB/s while other processes ran. Defaults to `2000` ms.
     */
    readonly budgetMs?: number;
    /** Bytes each thread scans per pass (tests use small ones). Defaults to 64 MiB. */
    readonly bytesPerThread?: number;
    /** How long each thread times the scalar matmul. Defaults to `300` ms. */
    readonly matmulMs?: number;
    /** Give up (terminating the threads) after this long. Defaults to `60000` ms. */
    readonly timeoutMs?: number;
    /** Where to cache the result. Defaults to `R1_HOME` (`~/.r1`); `null` skips caching. */
    readonly r1Home?: string | null;
}

// Each worker fills its own buffer (touching every page, so reads hit DRAM, not the shared zero
// page), then times read passes between barriers so all threads read at once. The scan is
// Buffer#indexOf for a byte that is not there: libc's SIMD memchr, as fast as native code reads
// memory, where a JavaScript loop would measure the JIT. Then a 128³ f32 matmul loop (scalar JS).
//
// The barrier is a generation barrier: sync[0] counts arrivals, sync[1] is the generation. The last
// thread to arrive resets the count *before* it bumps the generation, and the others leave only once
// the generation moved, so no thread can arrive at the next barrier before the count is reset. (The
// earlier two-counter barrier had each thread reset the next barrier's counter with a plain store
// after leaving one; a late thread could erase a fast thread's arrival there and hang the probe.)
// The last thread to arrive also decides whether another pass follows (sync[2], written before the
// generation moves; the next barrier cannot complete before every thread has read it), so all threads
// run the same passes. Every wait has a deadline.
const workerSource = `
const {parentPort, workerData} = require("node:worker_threads");
const {bytes, minPasses, maxPasses, budgetMs, matmulMs, deadlineMs, barrier, threads} = workerData;
const sync = new Int32Array(barrier);
const deadline = Date.now() + deadlineMs;
function arrive(more) {
  const generation = Atomics.load(sync, 1);
  if (Atomics.add(sync, 0, 1) === threads - 1) {
    Atomics.store(sync, 2, more ? 1 : 0);
    Atomics.store(sync, 0, 0);
    Atomics.add(sync, 1, 1);
    Atomics.notify(sync, 1);
    return more;
  }
  while (Atomics.load(sync, 1) === generation) {
    if (Date.now() > deadline) throw new Error("barrier timeout");
    Atomics.wait(sync, 1, generation, 50);
  }
  return Atomics.load(sync, 2) === 1;
}
const data = Buffer.allocUnsafeSlow(bytes).fill(7);
let sink = 0;
const times = [];
arrive(true);
const started = Date.now();
for (let p = 0; arrive(p < minPasses || (p < maxPasses && Date.now() - started < budgetMs)); p++) {
  const t0 = performance.now();
  sink += data.indexOf(9);
  times.push([t0, performance.now()]);
}
const n = 128, a = new Float32Array(n * n).fill(1.5), b = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
let reps = 0; const m0 = performance.now();
while (performance.now() - m0 < matmulMs) {
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const x = a[i * n + k]; const row = k * n, out = i * n; for (let j = 0; j < n; j++) c[out + j] += x * b[row + j]; }
  reps++;
}
const mseconds = (performance.now() - m0) / 1000;
parentPort.postMessage({times, flops: 2 * n * n * n * reps / mseconds, sink: sink + c[0]});
`;

interface WorkerResult {
    times: [number, number][];
    flops: number;
}

/**
 * Measures this machine: aggregate RAM read bandwidth (all threads scanning private buffers
 * of 64 MiB or more — together 4× the last-level cache, at most 1 GiB — at once with memchr; the best and the median of at least `passes` passes over a time
 * budget) and scalar f32 matmul throughput, then caches the result under `R1_HOME` so
 * `detectHardware()` uses it from then on. Takes a few seconds; throws
 * `HardwareProbeTimeoutError` (and stops its threads) past `timeoutMs`.
 */
export async function probeHardware(options: ProbeHardwareOptions = {}): Promise<HardwareProbe> {
    const wantThreads = Math.max(1, Math.min(options.threads ?? os.cpus().length, 64));
    const cacheBytes = options.bytesPerThread === undefined ? await lastLevelCacheBytes() : 0;
    const bytes = Math.max(4096, Math.min(options.bytesPerThread ?? Math.max(PROBE_BYTES_PER_THREAD, Math.ceil(CACHE_MULTIPLE * cacheBytes / wantThreads)),
        MAX_PROBE_TOTAL_BYTES / wantThreads, os.freemem() / 4 / wantThreads));
    const threads = Math.max(1, Math.min(wantThreads, Math.floor(MAX_PROBE_TOTAL_BYTES / bytes)));
    const minPasses = Math.min(Math.max(2, options.passes ?? 8), MAX_PROBE_PASSES);
    const budgetMs = Math.max(0, options.budgetMs ?? 2000);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const barrier = new SharedArrayBuffer(16);
    const workers: Worker[] = [];
    let timer: NodeJS.Timeout | undefined;
    let results: WorkerResult[];
    try {
        const finished = Promise.all(Array.from({length: threads}, () => new Promise<WorkerResult>((resolve, reject) => {
            const worker = new Worker(workerSource, {
                eval: true,
                workerData: {bytes, minPasses, maxPasses: MAX_PROBE_PASSES, budgetMs, matmulMs: Math.max(1, options.matmulMs ?? 300), deadlineMs: timeoutMs, barrier, threads}
            });
            workers.push(worker);
            worker.once("message", resolve);
            worker.once("error", reject);
            worker.once("exit", (code) => reject(new Error(`probe thread exited with code ${code}`)));
        })));
        const timedOut = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new HardwareProbeTimeoutError(timeoutMs)), timeoutMs);
        });
        results = await Promise.race([finished, timedOut]).catch((error: unknown) => {
            // A worker's own deadline fires at the same moment as ours: report it as the timeout it is.
            if (error instanceof HardwareProbeTimeoutError || String((error as Error)?.message).includes("barrier timeout")) throw new HardwareProbeTimeoutError(timeoutMs);
            throw error;
        });
    } finally {
        clearTimeout(timer);
        await Promise.all(workers.map((w) => w.terminate()));
    }
    const rates = passRates(results.map((r) => r.times), bytes);
    const probe: HardwareProbe = {
        version: 1, cpuModel: (os.cpus()[0]?.model ?? "unknown CPU").trim(), totalBytes: os.totalmem(),
        measuredAt: new Date().toISOString(), readBytesPerSecond: Math.max(0, ...rates),
        readBytesPerSecondMedian: median(rates), readPasses: rates.length,
        matmulFlopsPerSecond: results.reduce((sum, r) => sum + r.flops, 0), threads
    };
    if (options.r1Home !== null) await writeJsonAtomic(path.join(options.r1Home ?? r1HomeDir(), HARDWARE_PROBE_FILE), probe);
    return probe;
}

/** Per pass: all threads' bytes over the span from the first start to the last end (bytes/s). */
export function passRates(threadTimes: readonly (readonly (readonly [number, number])[])[], bytesPerThread: number): number[] {
    const passes = Math.min(...threadTimes.map((t) => t.length));
    const rates: number[] = [];
    for (let p = 0; p < passes; p++) {
        const start = Math.min(...threadTimes.map((t) => t[p]![0]));
        const end = Math.max(...threadTimes.map((t) => t[p]![1]));
        if (end > start) rates.push(threadTimes.length * bytesPerThread / ((end - start) / 1000));
    }
    return rates;
}

/** The largest CPU cache Linux lists for cpu0 (bytes), or 0 where it cannot be read. */
async function lastLevelCacheBytes(): Promise<number> {
    const dir = "/sys/devices/system/cpu/cpu0/cache";
    try {
        const entries = (await readdir(dir)).filter((e) => /^index\d+$/.test(e));
        const sizes = await Promise.all(entries.map(async (e) => parseCacheSize(await readFile(path.join(dir, e, "size"), "utf8").catch(() => ""))));
        return Math.max(0, ...sizes);
    } catch {
        return 0;
    }
}

/** sysfs cache sizes: `307200K`, `32M`, `512` (bytes). */
export function parseCacheSize(text: string): number {
    const match = /^\s*(\d+)\s*([KMG]?)/i.exec(text);
    if (match === null) return 0;
    const unit = {"": 1, K: 1024, M: 2 ** 20, G: 2 ** 30}[match[2]!.toUpperCase() as "" | "K" | "M" | "G"];
    return Number(match[1]) * unit;
}

function median(values: readonly number[]): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
