import type {AnswerSource} from "./extractAnswer.js";
import type {BenchmarkName} from "./EvalProblem.js";

/** Version of the results JSONL layout; a file with another version is not resumed. */
export const RESULTS_FORMAT_VERSION = 1;

/** First line of a results file: what was run, so `--resume` continues only the same run. */
export interface EvalRunHeader {
    type: "run";
    version: number;
    dataset: string;
    datasetSha256: string;
    benchmark?: BenchmarkName;
    endpoint: string;
    model: string;
    samples: number;
    temperature: number;
    topP: number;
    maxTokens: number;
    startedAt: string;
}

/** Token counts of one completion. `estimated` when the server sent no usage and chunks were counted. */
export interface SampleTokens {
    completion: number;
    reasoning: number;
    answer: number;
    estimated: boolean;
}

/** One graded sample (a line of the results file). The last line for a (problem, sample) pair wins. */
export interface EvalSampleRecord {
    type: "sample";
    problemId: string;
    /** 0-based sample index, below the run's `samples`. */
    sample: number;
    subject?: string;
    level?: number;
    reference: string;
    /** Extracted final answer as written, `""` when none. */
    predicted: string;
    /** Where `predicted` came from. */
    source: AnswerSource;
    correct: boolean;
    /** The request failed after its retries (counted as wrong; `--resume` tries it again). */
    error?: string;
    finishReason?: string;
    tokens?: SampleTokens;
    /** Wall time of the request and time to its first text, in milliseconds. */
    timeMs: number;
    firstTextMs?: number;
}

export type EvalResultsLine = EvalRunHeader | EvalSampleRecord;
