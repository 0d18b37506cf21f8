// The reasoning-quality harness behind `r1 eval`: data sets, an OpenAI-compatible client, the
// math answer grader, resumable runs and their report.
export {AnswerGrader, MAX_GRADED_CHARS, RELATIVE_TOLERANCE, type Grade} from "./AnswerGrader.js";
export {normalizeAnswer, choiceLetter} from "./normalizeAnswer.js";
export {splitAnswerParts, splitTopLevel, MAX_ANSWER_PARTS, type AnswerParts} from "./splitAnswerParts.js";
export {extractAnswer, lastBoxed, MAX_ANSWER_CHARS, type AnswerSource, type ExtractedAnswer} from "./extractAnswer.js";
export {splitThink, type ThinkSplit} from "./splitThink.js";
export {loadDataset, parseDataset, filterProblems, MAX_DATASET_BYTES, MAX_PROBLEMS, type LoadDatasetOptions} from "./loadDataset.js";
export type {EvalDataset, EvalProblem, BenchmarkName} from "./EvalProblem.js";
export {resolveDatasetIter, datasetStorePath, KNOWN_DATASETS, type KnownDataset, type ResolveDatasetOptions} from "./resolveDatasetIter.js";
export {requestChatCompletion, MAX_COMPLETION_CHARS, DEFAULT_STALL_TIMEOUT_MS, type ChatCompletionRequest, type ChatCompletionResult} from "./requestChatCompletion.js";
export {runEvalIter, runEval, formatPrompt, PROMPT_SUFFIX, MAX_PARALLEL, MAX_SAMPLES, type RunEvalOptions, type EvalEvent} from "./runEvalIter.js";
export {EvalResultsFile, parseResults, MAX_RESULTS_BYTES} from "./EvalResultsFile.js";
export {RESULTS_FORMAT_VERSION, type EvalRunHeader, type EvalSampleRecord, type SampleTokens} from "./EvalRecord.js";
export {summarizeResults, type EvalReport, type GroupScore, type TokenMeans} from "./summarizeResults.js";
export {formatReportMarkdown} from "./formatReportMarkdown.js";
export {publishedScore, variantOf, type PublishedScore} from "./publishedScore.js";
export {DatasetError} from "./errors/DatasetError.js";
export {EndpointError} from "./errors/EndpointError.js";
export {ResultsFileError} from "./errors/ResultsFileError.js";
export {fetchModelIds} from "./fetchModelIds.js";
