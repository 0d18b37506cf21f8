import {partialSuffixLength} from "./ReasoningSplitter.js";

/**
 * Finds stop strings in streamed answer text. Text that might be the start of a stop string is
 * held back until it is known not to be one, so a stop string is never partly shown.
 */
export class StopMatcher {
    private pending = "";
    private matched: string | undefined;

    constructor(private readonly stops: readonly string[]) {}

    get hasStopped(): boolean {
        return this.matched !== undefined;
    }

    /** The stop string that ended the text (the one that starts first; the earlier listed at a tie). */
    get stopSequence(): string | undefined {
        return this.matched;
    }

    /** Returns the text that is safe to show; after a stop string, nothing more. */
    push(text: string): string {
        if (this.matched !== undefined) return "";
        if (this.stops.length === 0) return text;
        this.pending += text;
        let cut = -1;
        let matched: string | undefined;
        for (const stop of this.stops) {
            if (stop === "") continue;
            const index = this.pending.indexOf(stop);
            if (index >= 0 && (cut < 0 || index < cut)) {
                cut = index;
                matched = stop;
            }
        }
        if (matched !== undefined) {
            this.matched = matched;
            const out = this.pending.slice(0, cut);
            this.pending = "";
            return out;
        }
        const keep = Math.max(0, ...this.stops.map((stop) => partialSuffixLength(this.pending, stop)));
        const out = this.pending.slice(0, this.pending.length - keep);
        this.pending = this.pending.slice(this.pending.length - keep);
        return out;
    }

    flush(): string {
        const out = this.matched !== undefined ? "" : this.pending;
        this.pending = "";
        return out;
    }
}
