/**
 * What llama-imatrix's console output says about its progress (tools/imatrix/imatrix.cpp):
 * `compute_imatrix: computing over N chunks, n_ctx=C, …` once, then `[i]ppl,` after each chunk
 * on one line without newlines (so the output is parsed as a stream, not by lines).
 */
export class ImatrixOutputParser {
    /** Chunks it will process, once it has said so. */
    chunks: number | undefined;
    contextSize: number | undefined;
    /** Chunks finished so far. */
    done = 0;
    /** The last lines that look like errors, for the failure message. */
    readonly errors: string[] = [];
    private pending = "";

    /** Feeds output text; returns true when `chunks` or `done` changed. */
    push(text: string): boolean {
        this.pending += text;
        let changed = false;
        const start = /computing over (\d+) chunks, n_ctx=(\d+)/.exec(this.pending);
        if (start !== null && this.chunks === undefined) {
            this.chunks = Number(start[1]);
            this.contextSize = Number(start[2]);
            changed = true;
        }
        if (this.chunks !== undefined) {
            const from = start === null ? 0 : start.index + start[0].length;
            for (const m of this.pending.slice(from).matchAll(/\[(\d+)\][-+0-9.eEnaif]+,/g)) {
                const n = Number(m[1]);
                if (n > this.done) { this.done = n; changed = true; }
            }
        }
        // keep only an unfinished line, so a progress mark split between two reads is still seen
        const lastBreak = Math.max(this.pending.lastIndexOf("\n"), this.pending.lastIndexOf(","));
        for (const line of this.pending.slice(0, lastBreak + 1).split("\n")) {
            if (/error|failed|you need|not enough|unable|cannot/i.test(line) && line.trim() !== "") {
                this.errors.push(line.trim());
                if (this.errors.length > 5) this.errors.shift();
            }
        }
        this.pending = this.pending.slice(lastBreak + 1);
        // (no unbounded growth: a line without breaks is capped)
        if (this.pending.length > 64 * 1024) this.pending = this.pending.slice(-1024);
        return changed;
    }
}
