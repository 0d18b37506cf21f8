import type {LlamaContextSequence, Token} from "node-llama-cpp";

/**
 * Greedy generation of up to `count` tokens from `first` on an emptied sequence (after evaluating
 * `prefill` unmeasured: llama-bench's depth; then `onPrefilled`), timing every
 * token (the first interval includes the one-token prompt: it is a decode like the others).
 * Per-token times, not a total, because a few stalls dominate means on shared memory.
 */
export async function timeTokenLoop(sequence: LlamaContextSequence, first: Token, count: number,
    prefill: readonly Token[] = [], onPrefilled?: () => void): Promise<{tokenMs: number[], elapsedMs: number}> {
    await sequence.clearHistory();
    if (prefill.length > 0) await sequence.evaluateWithoutGeneratingNewTokens([...prefill]);
    // Called before the timed loop (the caller reads the token meter there).
    onPrefilled?.();
    const tokenMs: number[] = [];
    const started = performance.now();
    let last = started;
    const iterator = sequence.evaluate([first], {temperature: 0, yieldEogToken: true});
    try {
        for (let i = 0; i < count; i++) {
            const step = await iterator.next();
            if (step.done === true) break;
            const now = performance.now();
            tokenMs.push(now - last);
            last = now;
        }
    } finally {
        await iterator.return();
    }
    return {tokenMs, elapsedMs: last - started};
}
