import type {LlamaModel, Token} from "node-llama-cpp";

/** A multi-byte character can span this many tokens at most (4 UTF-8 bytes as byte tokens). */
const MAX_TOKENS_PER_CHARACTER = 4;
/** Tokens of left context given to the detokenizer so word-initial spaces come out right. */
const CONTEXT_TOKENS = 8;

/**
 * Turns generated tokens into text one token at a time, holding back tokens that end inside a
 * UTF-8 character (they would render as U+FFFD) until the character is complete.
 */
export class TokenTextDecoder {
    private readonly pending: Token[] = [];
    private history: Token[];

    constructor(private readonly model: LlamaModel, precedingTokens: readonly Token[] = []) {
        this.history = precedingTokens.slice(-CONTEXT_TOKENS);
    }

    push(token: Token): string {
        this.pending.push(token);
        const text = this.model.detokenize(this.pending, false, this.history);
        if (text.endsWith("\uFFFD") && this.pending.length < MAX_TOKENS_PER_CHARACTER) return "";
        this.history = [...this.history, ...this.pending].slice(-CONTEXT_TOKENS);
        this.pending.length = 0;
        return text;
    }

    flush(): string {
        if (this.pending.length === 0) return "";
        const text = this.model.detokenize(this.pending, false, this.history);
        this.pending.length = 0;
        return text;
    }
}
