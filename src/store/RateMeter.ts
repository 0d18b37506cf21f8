/** Window over which the download rate is averaged. */
const WINDOW_MS = 5000;
/** Shortest span a rate is computed over, so the first chunk does not read as a huge rate. */
const MIN_SPAN_MS = 250;

/** Bytes per second over the last few seconds, for progress bars and ETAs. */
export class RateMeter {
    private readonly samples: {at: number, bytes: number}[] = [];
    private readonly started: number;

    constructor(now = Date.now()) {
        this.started = now;
    }

    add(bytes: number, now = Date.now()): void {
        this.samples.push({at: now, bytes});
        while (this.samples.length > 0 && now - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    }

    /** Bytes per second over the window (or since the start, when that is shorter). */
    rate(now = Date.now()): number {
        const windowStart = Math.max(now - WINDOW_MS, this.started);
        const bytes = this.samples.reduce((sum, sample) => sample.at >= windowStart ? sum + sample.bytes : sum, 0);
        return bytes * 1000 / Math.max(MIN_SPAN_MS, now - windowStart);
    }
}
