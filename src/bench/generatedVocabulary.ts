import {GgufMetadata} from "../gguf/GgufMetadata.js";

/** GPT-2's printable stand-ins for the 256 byte values (byte-level BPE, `bytes_to_unicode`). */
function byteLevelAlphabet(): string[] {
    const printable = new Set<number>();
    for (let b = 33; b <= 126; b++) printable.add(b);
    for (let b = 161; b <= 172; b++) printable.add(b);
    for (let b = 174; b <= 255; b++) printable.add(b);
    const alphabet: string[] = [];
    let extra = 0;
    for (let b = 0; b < 256; b++) alphabet.push(String.fromCodePoint(printable.has(b) ? b : 256 + extra++));
    return alphabet;
}

/**
 * A stand-in byte-level BPE tokenizer of exactly `vocabSize` tokens, for a synthetic model when
 * the real tokenizer is not on this machine: speed depends on the vocabulary's size (the output
 * matrix), not on its strings. Token `bos` and `eos` are control tokens; the rest are the 256
 * byte tokens and filler words reachable by no merge. `asciiOnly` replaces the bytes ≥ 0x80 by
 * filler words, so whatever a random-weight model generates decodes to valid UTF-8 (llama-server
 * rejects a reply that is not).
 */
export function generatedVocabulary(vocabSize: number, bos: number, eos: number, options: {asciiOnly?: boolean} = {}): GgufMetadata {
    const tokens = byteLevelAlphabet().map((token, byte) => options.asciiOnly === true && byte >= 0x80 ? `<synthetic-${byte}>` : token);
    for (let i = tokens.length; i < vocabSize; i++) tokens.push(`<synthetic-${i}>`);
    tokens.length = vocabSize;
    const types = new Int32Array(vocabSize).fill(1);
    for (const id of [bos, eos]) if (id < vocabSize) {
        tokens[id] = id === bos ? "<|synthetic-bos|>" : "<|synthetic-eos|>";
        types[id] = 3;
    }
    const m = new GgufMetadata();
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", "default");
    m.setStringArray("tokenizer.ggml.tokens", tokens);
    m.setNumericArray("tokenizer.ggml.token_type", types);
    m.setStringArray("tokenizer.ggml.merges", []);
    m.setUint32("tokenizer.ggml.bos_token_id", bos);
    m.setUint32("tokenizer.ggml.eos_token_id", eos);
    return m;
}
