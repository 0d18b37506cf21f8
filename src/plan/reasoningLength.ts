import {readFile} from "node:fs/promises";
import path from "node:path";
import type {Variant} from "../catalog/index.js";
import {r1HomeDir, writeJsonAtomic} from "../hardware/index.js";

/** A typical number of generated tokens (thinking + answer) per question, and where it comes from. */
export interface ReasoningLength {
    readonly tokens: number;
    readonly source: string;
}

/**
 * DeepSeek's R1-0528 model card: "in the AIME test set, the previous model used an average of 12K
 * tokens per question, whereas the new version averages 23K tokens per question" — the only
 * published reasoning lengths for the family. The distills are not measured there; they carry
 * their teacher's figure, said so in the source.
 */
const PUBLISHED_AIME_TOKENS = {r1: 12_000, r1_0528: 23_000} as const;
const CARD = "DeepSeek-R1-0528 model card";

/** The published typical length for a catalog variant (AIME, thinking + answer). */
export function publishedReasoningLength(variant: Variant): ReasoningLength {
    const is0528 = variant.id.includes("0528");
    const tokens = is0528 ? PUBLISHED_AIME_TOKENS.r1_0528 : PUBLISHED_AIME_TOKENS.r1;
    const teacher = is0528 ? "R1-0528" : "R1";
    const who = variant.distilled ? `its teacher ${teacher}'s AIME average (not published for the distill)` : `${teacher}'s AIME average`;
    return {tokens, source: `${who}, ${CARD}`};
}

/** `<R1_HOME>/reasoning-lengths.json`: mean generated tokens per question that `r1 eval` recorded, per catalog variant. */
export interface RecordedReasoningLengths {
    readonly version: 1;
    readonly variants: Readonly<Record<string, {
        readonly meanCompletionTokens: number;
        readonly meanReasoningTokens: number;
        readonly samples: number;
        readonly dataset: string;
        readonly recordedAt: string;
    }>>;
}

export const REASONING_LENGTHS_FILE = "reasoning-lengths.json";
const MAX_REASONING_LENGTHS_FILE_BYTES = 256 * 1024;

/** What `r1 eval` recorded; `undefined` when absent or unreadable. Never throws. */
export async function loadRecordedReasoningLengths(options: {r1Home?: string} = {}): Promise<RecordedReasoningLengths | undefined> {
    try {
        const text = await readFile(path.join(options.r1Home ?? r1HomeDir(), REASONING_LENGTHS_FILE), "utf8");
        if (text.length > MAX_REASONING_LENGTHS_FILE_BYTES) return undefined;
        const raw = JSON.parse(text) as Partial<RecordedReasoningLengths>;
        if (raw.version !== 1 || typeof raw.variants !== "object" || raw.variants === null) return undefined;
        return raw as RecordedReasoningLengths;
    } catch {
        return undefined;
    }
}

/** Records one eval run's mean lengths for a variant (merged into the file, written atomically). */
export async function recordReasoningLength(variantId: string, entry: RecordedReasoningLengths["variants"][string],
    options: {r1Home?: string} = {}): Promise<void> {
    const previous = await loadRecordedReasoningLengths(options);
    const next: RecordedReasoningLengths = {version: 1, variants: {...previous?.variants, [variantId]: entry}};
    await writeJsonAtomic(path.join(options.r1Home ?? r1HomeDir(), REASONING_LENGTHS_FILE), next);
}

/** The length to plan with: `r1 eval`'s record for this variant when there is one, else the published figure. */
export function typicalReasoningLength(variant: Variant, recorded?: RecordedReasoningLengths): ReasoningLength {
    const entry = recorded?.variants[variant.id];
    if (entry !== undefined && Number.isFinite(entry.meanCompletionTokens) && entry.meanCompletionTokens > 0)
        return {tokens: Math.round(entry.meanCompletionTokens), source: `r1 eval on ${entry.dataset} (${entry.samples} samples, ${entry.recordedAt.slice(0, 10)})`};
    return publishedReasoningLength(variant);
}
