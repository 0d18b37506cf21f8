import fs from "node:fs/promises";
import path from "node:path";
import {ResultsFileError} from "./errors/ResultsFileError.js";
import {RESULTS_FORMAT_VERSION, type EvalRunHeader, type EvalSampleRecord} from "./EvalRecord.js";

/** Largest results file read back for `--resume` (500 problems × 64 samples is about 20 MB). */
export const MAX_RESULTS_BYTES = 512 * 1024 * 1024;

/** Header fields that must match for `--resume` to continue a run (the endpoint may move). */
const RESUME_KEYS = ["datasetSha256", "model", "samples", "temperature", "topP", "maxTokens"] as const;

export interface OpenResultsOptions {
    /** Continue an existing file of the same run instead of refusing to touch it. Defaults to `false`. */
    resume?: boolean;
}

/**
 * The results JSONL of a run: a header line, then one line per graded sample, appended as each
 * finishes so a crash or Ctrl-C loses at most the samples in flight. Appends are serialized.
 */
export class EvalResultsFile {
    private chain: Promise<void> = Promise.resolve();

    private constructor(readonly path: string, private readonly handle: fs.FileHandle, readonly header: EvalRunHeader,
        /** Samples already in the file when it was opened (last line per problem and sample). */
        readonly previous: EvalSampleRecord[]) {}

    /** Opens (resume) or creates the results file at `file` for the run `header` describes. */
    static async open(file: string, header: EvalRunHeader, options: OpenResultsOptions = {}): Promise<EvalResultsFile> {
        const existing = await readIfExists(file);
        if (existing !== undefined && options.resume !== true) {
            throw new ResultsFileError(file, "already exists", "pass --resume to continue that run, or --results with a new file name");
        }
        if (existing === undefined || existing.trim() === "") {
            await fs.mkdir(path.dirname(path.resolve(file)), {recursive: true});
            // The header goes in by rename so a results file never exists without one.
            const temporary = `${file}.${process.pid}.tmp`;
            await fs.writeFile(temporary, `${JSON.stringify(header)}\n`);
            await fs.rename(temporary, file);
            return new EvalResultsFile(file, await fs.open(file, "a"), header, []);
        }
        const {header: old, records, validLength} = parseResults(existing, file);
        for (const key of RESUME_KEYS) {
            if (old[key] !== header[key]) {
                throw new ResultsFileError(file, `was written with ${key} ${JSON.stringify(old[key])}, not ${JSON.stringify(header[key])}`,
                    "resume with the same settings, or pass --results with a new file name");
            }
        }
        // A crash can leave half a line; cut it so the next append starts a fresh one.
        if (validLength < Buffer.byteLength(existing)) await fs.truncate(file, validLength);
        return new EvalResultsFile(file, await fs.open(file, "a"), old, records);
    }

    /** Appends one sample line; resolves when it is written. */
    append(record: EvalSampleRecord): Promise<void> {
        const next = this.chain.then(() => this.handle.appendFile(`${JSON.stringify(record)}\n`));
        this.chain = next.catch(() => undefined);
        return next;
    }

    async close(): Promise<void> {
        await this.chain;
        await this.handle.close();
    }
}

async function readIfExists(file: string): Promise<string | undefined> {
    try {
        const stat = await fs.stat(file);
        if (!stat.isFile()) throw new ResultsFileError(file, "is not a file", "pass --results with a file name");
        if (stat.size > MAX_RESULTS_BYTES) throw new ResultsFileError(file, `is larger than ${MAX_RESULTS_BYTES} bytes`, "pass --results with a new file name");
        return await fs.readFile(file, "utf8");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
    }
}

function isSampleRecord(value: unknown): value is EvalSampleRecord {
    const r = value as EvalSampleRecord;
    return typeof r === "object" && r !== null && r.type === "sample" && typeof r.problemId === "string" &&
        Number.isInteger(r.sample) && typeof r.correct === "boolean";
}

/**
 * Parses a results file's text. Pure. The last line for a (problem, sample) pair wins; a torn
 * final line is dropped (`validLength` is the byte length up to the last complete line).
 */
export function parseResults(text: string, file = "results"): {header: EvalRunHeader, records: EvalSampleRecord[], validLength: number} {
    const end = text.endsWith("\n") ? text.length : text.lastIndexOf("\n") + 1;
    const lines = text.slice(0, end).split("\n").filter((l) => l.trim() !== "");
    let header: EvalRunHeader | undefined;
    try {
        header = JSON.parse(lines[0] ?? "") as EvalRunHeader;
    } catch {
        header = undefined;
    }
    if (header?.type !== "run") throw new ResultsFileError(file, "is not an r1 eval results file", "pass --results with a new file name");
    if (header.version !== RESULTS_FORMAT_VERSION) {
        throw new ResultsFileError(file, `has format version ${String(header.version)}, not ${RESULTS_FORMAT_VERSION}`, "pass --results with a new file name");
    }
    const latest = new Map<string, EvalSampleRecord>();
    for (const line of lines.slice(1)) {
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch {
            continue; // a damaged line is a sample to run again, not a reason to stop
        }
        if (isSampleRecord(value)) latest.set(`${value.problemId}\u0000${value.sample}`, value);
    }
    return {header, records: [...latest.values()], validLength: Buffer.byteLength(text.slice(0, end))};
}
