/** One problem of a data set, whatever its source format. */
export interface EvalProblem {
    /** Stable id: MATH-500 `unique_id`, AIME `id`, else the line number. */
    id: string;
    problem: string;
    /** Reference final answer (LaTeX as the data set writes it). */
    answer: string;
    /** MATH subject ("Algebra", …); AIME problems have none. */
    subject?: string;
    /** MATH difficulty level 1–5. */
    level?: number;
}

/** Which published benchmark a data set is, for the side-by-side score. */
export type BenchmarkName = "math500" | "aime2024";

export interface EvalDataset {
    /** Path the problems were read from. */
    path: string;
    /** `undefined` when the file is not recognizably MATH-500 or AIME 2024. */
    benchmark?: BenchmarkName;
    /** sha256 of the file, so a resumed run knows it grades the same problems. */
    sha256: string;
    problems: EvalProblem[];
}
