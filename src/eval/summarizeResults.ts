import type {EvalRunHeader, EvalSampleRecord} from "./EvalRecord.js";
import type {EvalProblem} from "./EvalProblem.js";
import type {PublishedScore} from "./publishedScore.js";

/** pass@1 of a group of problems (a subject, a level). */
export interface GroupScore {
    name: string;
    problems: number;
    samples: number;
    /** Percent. */
    passAt1: number;
}

/** Per-sample means. */
export interface TokenMeans {
    completion: number;
    reasoning: number;
    answer: number;
    /** Some counts were estimated from streamed chunks because the server sent no usage. */
    estimated: boolean;
}

export interface EvalReport {
    dataset: string;
    benchmark?: string;
    model: string;
    endpoint: string;
    samplesPerProblem: number;
    temperature: number;
    topP: number;
    maxTokens: number;
    /** Problems selected for this run. */
    problems: number;
    /** Problems with every sample graded. */
    problemsComplete: number;
    samples: number;
    correct: number;
    /** Samples whose request failed (counted as wrong). */
    failed: number;
    /** Samples with no final answer found. */
    noAnswer: number;
    /** Samples cut by the token limit. */
    truncated: number;
    /** Mean over problems of the share of correct samples, in percent (DeepSeek's pass@1). */
    passAt1: number;
    bySubject: GroupScore[];
    byLevel: GroupScore[];
    tokens?: TokenMeans;
    /** Mean wall time per sample and to its first text, in seconds. */
    secondsPerSample?: number;
    secondsToFirstText?: number;
    published?: PublishedScore;
}

function passAt1(groups: Iterable<EvalSampleRecord[]>): {problems: number, samples: number, passAt1: number} {
    let problems = 0;
    let samples = 0;
    let sum = 0;
    for (const records of groups) {
        if (records.length === 0) continue;
        problems++;
        samples += records.length;
        sum += records.filter((r) => r.correct).length / records.length;
    }
    return {problems, samples, passAt1: problems === 0 ? 0 : (100 * sum) / problems};
}

function mean(values: number[]): number | undefined {
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function groupScores(problems: readonly EvalProblem[], byProblem: Map<string, EvalSampleRecord[]>,
    key: (p: EvalProblem) => string | undefined, compare: (a: string, b: string) => number): GroupScore[] {
    const groups = new Map<string, EvalSampleRecord[][]>();
    for (const p of problems) {
        const k = key(p);
        const records = byProblem.get(p.id);
        if (k === undefined || records === undefined) continue;
        groups.set(k, [...(groups.get(k) ?? []), records]);
    }
    return [...groups.entries()].sort(([a], [b]) => compare(a, b)).map(([name, records]) => ({name, ...passAt1(records)}));
}

/**
 * The report of a run from its results. Pure. pass@1 is DeepSeek's: for each problem the share of
 * its k samples that are correct, averaged over problems; failed requests count as wrong.
 */
export function summarizeResults(header: EvalRunHeader, problems: readonly EvalProblem[], records: readonly EvalSampleRecord[],
    published?: PublishedScore): EvalReport {
    const selected = new Set(problems.map((p) => p.id));
    const byProblem = new Map<string, EvalSampleRecord[]>();
    for (const r of records) {
        if (!selected.has(r.problemId) || r.sample >= header.samples) continue;
        byProblem.set(r.problemId, [...(byProblem.get(r.problemId) ?? []), r]);
    }
    const used = [...byProblem.values()].flat();
    const overall = passAt1(byProblem.values());
    const withTokens = used.filter((r) => r.tokens !== undefined);
    const completion = mean(withTokens.map((r) => r.tokens?.completion ?? 0));
    const timed = used.filter((r) => r.error === undefined);
    const seconds = mean(timed.map((r) => r.timeMs / 1000));
    const firstText = mean(timed.flatMap((r) => (r.firstTextMs === undefined ? [] : [r.firstTextMs / 1000])));
    return {
        dataset: header.dataset,
        ...(header.benchmark === undefined ? {} : {benchmark: header.benchmark}),
        model: header.model, endpoint: header.endpoint, samplesPerProblem: header.samples,
        temperature: header.temperature, topP: header.topP, maxTokens: header.maxTokens,
        problems: problems.length,
        problemsComplete: [...byProblem.values()].filter((r) => r.length >= header.samples).length,
        samples: used.length,
        correct: used.filter((r) => r.correct).length,
        failed: used.filter((r) => r.error !== undefined).length,
        noAnswer: used.filter((r) => r.error === undefined && r.source === "none").length,
        truncated: used.filter((r) => r.finishReason === "length").length,
        passAt1: overall.passAt1,
        bySubject: groupScores(problems, byProblem, (p) => p.subject, (a, b) => a.localeCompare(b)),
        byLevel: groupScores(problems, byProblem, (p) => (p.level === undefined ? undefined : `Level ${p.level}`), (a, b) => a.localeCompare(b)),
        ...(completion === undefined ? {} : {
            tokens: {
                completion,
                reasoning: mean(withTokens.map((r) => r.tokens?.reasoning ?? 0)) ?? 0,
                answer: mean(withTokens.map((r) => r.tokens?.answer ?? 0)) ?? 0,
                estimated: withTokens.some((r) => r.tokens?.estimated === true)
            }
        }),
        ...(seconds === undefined ? {} : {secondsPerSample: seconds}),
        ...(firstText === undefined ? {} : {secondsToFirstText: firstText}),
        ...(published === undefined ? {} : {published})
    };
}
