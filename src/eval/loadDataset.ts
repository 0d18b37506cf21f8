import {createHash} from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import {z} from "zod";
import {DatasetError} from "./errors/DatasetError.js";
import type {BenchmarkName, EvalDataset, EvalProblem} from "./EvalProblem.js";

/** Largest data set file read; MATH-500 is 0.45 MB, so this is generous and still bounded. */
export const MAX_DATASET_BYTES = 64 * 1024 * 1024;
/** Most problems one data set may hold. */
export const MAX_PROBLEMS = 100_000;

const rowSchema = z.object({
    problem: z.string().min(1).max(200_000),
    answer: z.union([z.string().max(10_000), z.number()]),
    subject: z.string().max(200).optional(),
    level: z.union([z.number().int(), z.string().regex(/^(?:Level )?\d+$/)]).optional(),
    unique_id: z.string().max(500).optional(),
    id: z.union([z.string().max(500), z.number()]).optional()
});

export interface LoadDatasetOptions {
    /** Keep only these subjects (case-insensitive). Defaults to all. */
    subjects?: readonly string[];
    /** Keep only these MATH levels. Defaults to all. */
    levels?: readonly number[];
    /** Keep the first `limit` problems after filtering. Defaults to all. */
    limit?: number;
}

function benchmarkOf(file: string, problems: readonly EvalProblem[]): BenchmarkName | undefined {
    const name = path.basename(file).toLowerCase();
    if (name.includes("aime") && name.includes("24")) return "aime2024";
    if (name.includes("math") && name.includes("500")) return "math500";
    if (problems.length === 500 && problems.every((p) => p.subject !== undefined && p.level !== undefined)) return "math500";
    return undefined;
}

/** Parses MATH-500 / AIME-style JSONL text into problems. Pure; throws DatasetError naming the line. */
export function parseDataset(text: string, file: string): EvalProblem[] {
    const problems: EvalProblem[] = [];
    const ids = new Set<string>();
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i]?.trim() ?? "";
        if (line === "") continue;
        let json: unknown;
        try {
            json = JSON.parse(line);
        } catch {
            throw new DatasetError(file, "not valid JSON", i + 1);
        }
        const row = rowSchema.safeParse(json);
        if (!row.success) {
            const issue = row.error.issues[0];
            throw new DatasetError(file, `field "${issue?.path.join(".") ?? "?"}" ${issue?.message ?? "is invalid"}`, i + 1);
        }
        const {problem, answer, subject, level, unique_id: uniqueId, id} = row.data;
        const problemId = uniqueId ?? (id === undefined ? `line-${i + 1}` : String(id));
        if (ids.has(problemId)) throw new DatasetError(file, `duplicate problem id "${problemId}"`, i + 1);
        ids.add(problemId);
        if (problems.length >= MAX_PROBLEMS) throw new DatasetError(file, `more than ${MAX_PROBLEMS} problems`);
        problems.push({
            id: problemId, problem, answer: String(answer),
            ...(subject === undefined ? {} : {subject}),
            ...(level === undefined ? {} : {level: typeof level === "number" ? level : Number(level.replace(/\D/g, ""))})
        });
    }
    if (problems.length === 0) throw new DatasetError(file, "no problems");
    return problems;
}

/** Keeps the problems `options` asks for. Pure. */
export function filterProblems(problems: readonly EvalProblem[], options: LoadDatasetOptions): EvalProblem[] {
    const subjects = options.subjects?.map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
    let kept = problems.filter((p) =>
        (subjects === undefined || subjects.length === 0 || (p.subject !== undefined && subjects.includes(p.subject.toLowerCase()))) &&
        (options.levels === undefined || options.levels.length === 0 || (p.level !== undefined && options.levels.includes(p.level))));
    if (options.limit !== undefined) kept = kept.slice(0, Math.max(0, options.limit));
    return kept;
}

/** Reads a JSONL data set file (MATH-500 or AIME 2024 format) and applies the filters. */
export async function loadDataset(file: string, options: LoadDatasetOptions = {}): Promise<EvalDataset> {
    let bytes: Buffer;
    try {
        const stat = await fs.stat(file);
        if (!stat.isFile()) throw new DatasetError(file, "not a file");
        if (stat.size > MAX_DATASET_BYTES) throw new DatasetError(file, `${stat.size} bytes, more than the ${MAX_DATASET_BYTES} allowed`);
        bytes = await fs.readFile(file);
    } catch (error) {
        if (error instanceof DatasetError) throw error;
        throw new DatasetError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message);
    }
    const all = parseDataset(bytes.toString("utf8"), file);
    const problems = filterProblems(all, options);
    if (problems.length === 0) throw new DatasetError(file, "no problem matches --subjects/--levels");
    const benchmark = benchmarkOf(file, all);
    return {path: file, sha256: createHash("sha256").update(bytes).digest("hex"), problems, ...(benchmark === undefined ? {} : {benchmark})};
}
