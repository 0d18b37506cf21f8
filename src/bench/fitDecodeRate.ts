/**
 * Work (slope minus the per-layer overhead) is counted as at least this share of the slope: an
 * overhead measured high in a stall would otherwise leave nothing, and a rate from nothing is
 * absurd. The clamp gives a conservative (low) rate instead.
 */
export const MIN_WORK_SHARE = 0.1;

/** Decode time per token of one probe model. */
export interface LayerTime {
    readonly layers: number;
    /** Weight bytes one token reads in this model (every 2-D weight but the token embeddings). */
    readonly bytes: number;
    /** Typical (median) seconds per token. */
    readonly seconds: number;
}

export interface DecodeRateFit {
    /** Weight bytes per second, after the cap. */
    readonly bytesPerSecond: number;
    /** The rate before the cap. */
    readonly uncappedBytesPerSecond: number;
    /** Seconds per token at zero layers: the fixed per-token cost at these widths (output layer, sampling, graph). */
    readonly interceptSeconds: number;
    /** Seconds per layer per token: weight reads plus the per-layer overhead. */
    readonly slopeSeconds: number;
    /**
     * `slope`: from t(L) = a + L·(layer bytes ÷ rate + per-layer overhead). `anchored`: the free line's
     * intercept came out negative — impossible for fixed costs, so a slow spell hit the larger model
     * (a −126 ms intercept read Q4_K at 2.9 GB/s on a ~11 GB/s machine) — and the line is refitted
     * through the measured per-token overhead instead. `whole`: the slope was not positive (noise
     * larger than the difference), so the rate is the largest model's bytes over its whole time,
     * overheads included — a lower bound.
     */
    readonly method: "slope" | "anchored" | "whole";
    readonly capped: boolean;
}

/**
 * The weight-read rate of one type from decode times of models of the same widths and different
 * layer counts. Time per token is a + L·b: a per-token stall, the graph build, sampling and the
 * output layer land in the intercept a, and b is one layer's bytes ÷ rate plus the per-layer
 * overhead (measured apart on tiny models). Subtracting an overhead taken from another model
 * instead — the probe's first design — turned a 96 ms stall into rates of 97–216 GB/s on a
 * 20 GB/s machine. The rate is capped at `maxBytesPerSecond`, the fastest read the machine's
 * memory allows: a faster figure comes from noise or the cache, not from a model of real size.
 */
export function fitDecodeRate(options: {times: readonly LayerTime[], perLayerOverheadSeconds: number, perTokenOverheadSeconds?: number,
    maxBytesPerSecond?: number}): DecodeRateFit {
    const {times} = options;
    if (times.length < 2 || new Set(times.map((t) => t.layers)).size < 2) throw new RangeError("a decode rate needs times of at least two layer counts");
    const points = times.map((t) => ({x: t.layers, y: t.seconds}));
    let line = fitLine(points);
    const anchored = line.intercept < 0;
    if (anchored) line = fitLineThrough(points, Math.max(0, options.perTokenOverheadSeconds ?? 0));
    const bytesLine = fitLine(times.map((t) => ({x: t.layers, y: t.bytes})));
    const layerBytes = bytesLine.slope;
    let uncapped: number;
    let method: DecodeRateFit["method"];
    if (line.slope > 0 && layerBytes > 0) {
        const work = Math.max(line.slope - Math.max(0, options.perLayerOverheadSeconds), MIN_WORK_SHARE * line.slope);
        uncapped = layerBytes / work;
        method = anchored ? "anchored" : "slope";
    } else {
        const largest = times.reduce((a, b) => b.layers > a.layers ? b : a);
        uncapped = largest.bytes / largest.seconds;
        method = "whole";
    }
    const cap = options.maxBytesPerSecond;
    const capped = cap !== undefined && cap > 0 && uncapped > cap;
    return {bytesPerSecond: capped ? cap : uncapped, uncappedBytesPerSecond: uncapped, interceptSeconds: line.intercept, slopeSeconds: line.slope, method, capped};
}

/** Least-squares line y = intercept + slope·x with the intercept given. */
export function fitLineThrough(points: readonly {x: number, y: number}[], intercept: number): {intercept: number, slope: number} {
    const sxx = points.reduce((s, p) => s + p.x * p.x, 0);
    if (!(sxx > 0)) throw new RangeError("a line through a point needs an x other than 0");
    return {intercept, slope: points.reduce((s, p) => s + p.x * (p.y - intercept), 0) / sxx};
}

/** Least-squares line y = intercept + slope·x (two points: the line through them). */
export function fitLine(points: readonly {x: number, y: number}[]): {intercept: number, slope: number} {
    const n = points.length;
    const mx = points.reduce((s, p) => s + p.x, 0) / n;
    const my = points.reduce((s, p) => s + p.y, 0) / n;
    let sxx = 0, sxy = 0;
    for (const p of points) {
        sxx += (p.x - mx) ** 2;
        sxy += (p.x - mx) * (p.y - my);
    }
    if (!(sxx > 0)) throw new RangeError("a line needs at least two distinct x values");
    const slope = sxy / sxx;
    return {slope, intercept: my - slope * mx};
}

/**
 * The fastest weight read a backend can plausibly sustain: the RAM (or GPU memory) bandwidth the
 * machine reports, with headroom for a measured figure. r1 hw --probe's read scan (memchr over 4×
 * the L3, JavaScript driving libc) read 13.5–18.4 GB/s on the dev VM where a C AVX-512 read probe
 * read 19–21 GB/s in the same hour (bench/RESULTS.md): a scan reads ~0.7–0.9 of what native code
 * reaches, so a probed figure is raised by `SCANNED_BANDWIDTH_HEADROOM` before it caps anything.
 * A table figure (a GPU's or Apple chip's published peak) is a peak already and caps as it is. An
 * assumed figure (dual-channel DDR4 when nothing was measured) caps nothing: a server with eight
 * channels reads several times faster, and capping it there would make every rate wrong.
 */
export function maxReadBytesPerSecond(bandwidthBytesPerSecond: number, source: string): number | undefined {
    if (!(bandwidthBytesPerSecond > 0)) return undefined;
    if (source === "probe") return bandwidthBytesPerSecond * SCANNED_BANDWIDTH_HEADROOM;
    return source === "table" || source === "custom" || source === "profile" ? bandwidthBytesPerSecond : undefined;
}

/** 21 ÷ 16: the C probe's top over the scan's typical best on the same VM (see `maxReadBytesPerSecond`). */
export const SCANNED_BANDWIDTH_HEADROOM = 1.3;
