/** One piece of streamed text, classified. */
export interface SplitPiece {
    type: "reasoning" | "answer";
    text: string;
}

export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

type State = "start" | "reasoning" | "answerStart" | "answer";

/**
 * Splits a streamed reply into reasoning and answer at `<think>…</think>`, whatever the chunking:
 * a tag cut across chunks is held back until it is complete. Works both when the prompt already
 * opened `<think>` (R1 distill templates do, so the model only emits `</think>`) and when the model
 * opens it itself. Whitespace between the closing tag and the answer is dropped.
 */
export class ReasoningSplitter {
    private state: State;
    private pending = "";
    /** What a reply that does not begin with `<think>` is. */
    private readonly unopened: "reasoning" | "answer";

    /**
     * @param options.startInReasoning the prompt ended inside `<think>`. `"unlessOpened"`: it may
     * have (an upstream's template is unknown), so the reply is reasoning unless it begins with
     * `<think>` itself, which is then read as the opening tag. Defaults to `false`: the reply is the
     * answer unless it begins with `<think>`.
     */
    constructor(options: {startInReasoning?: boolean | "unlessOpened"} = {}) {
        this.state = options.startInReasoning === true ? "reasoning" : "start";
        this.unopened = options.startInReasoning === "unlessOpened" ? "reasoning" : "answer";
    }

    /** Whether text pushed now would count as reasoning. */
    get inReasoning(): boolean {
        return this.state === "reasoning";
    }

    push(text: string): SplitPiece[] {
        this.pending += text;
        const pieces: SplitPiece[] = [];
        for (;;) {
            if (this.state === "start") {
                const trimmed = this.pending.trimStart();
                if (trimmed.startsWith(THINK_OPEN)) {
                    this.pending = trimmed.slice(THINK_OPEN.length);
                    this.state = "reasoning";
                    continue;
                }
                if (THINK_OPEN.startsWith(trimmed)) return pieces;
                this.state = this.unopened;
                continue;
            }
            if (this.state === "reasoning") {
                const end = this.pending.indexOf(THINK_CLOSE);
                if (end >= 0) {
                    emit(pieces, "reasoning", this.pending.slice(0, end));
                    this.pending = this.pending.slice(end + THINK_CLOSE.length);
                    this.state = "answerStart";
                    continue;
                }
                const keep = partialSuffixLength(this.pending, THINK_CLOSE);
                emit(pieces, "reasoning", this.pending.slice(0, this.pending.length - keep));
                this.pending = this.pending.slice(this.pending.length - keep);
                return pieces;
            }
            if (this.state === "answerStart") {
                this.pending = this.pending.trimStart();
                if (this.pending === "") return pieces;
                this.state = "answer";
                continue;
            }
            emit(pieces, "answer", this.pending);
            this.pending = "";
            return pieces;
        }
    }

    /** Releases held-back text at the end of the stream. */
    flush(): SplitPiece[] {
        const pieces: SplitPiece[] = [];
        if (this.state === "reasoning") emit(pieces, "reasoning", this.pending);
        else if (this.state !== "answerStart") emit(pieces, "answer", this.pending);
        this.pending = "";
        return pieces;
    }
}

function emit(pieces: SplitPiece[], type: SplitPiece["type"], text: string): void {
    if (text === "") return;
    const last = pieces.at(-1);
    if (last?.type === type) last.text += text;
    else pieces.push({type, text});
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
export function partialSuffixLength(text: string, tag: string): number {
    for (let length = Math.min(tag.length - 1, text.length); length > 0; length--)
        if (text.endsWith(tag.slice(0, length))) return length;
    return 0;
}
