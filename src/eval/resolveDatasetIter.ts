import {existsSync} from "node:fs";
import path from "node:path";
import {downloadFileIter, hfEndpoint, hfResolveUrl, hfToken, resolveR1Home, type DownloadEvent} from "../store/index.js";

/** A data set r1 can fetch from the Hugging Face hub by name. */
export interface KnownDataset {
    /** Dataset repository on the hub. */
    repo: string;
    revision: string;
    file: string;
    /** Pinned when known, so a changed upstream file is caught. */
    sha256?: string;
}

/**
 * Data sets `--dataset NAME` downloads. MATH-500 is pinned to the revision whose test.jsonl is the
 * one DeepSeek-era evaluations use; AIME 2024 follows `main` of a JSONL mirror with the same fields.
 */
export const KNOWN_DATASETS: Readonly<Record<string, KnownDataset>> = {
    math500: {
        repo: "HuggingFaceH4/MATH-500", revision: "6e4ed1a2a79af7d8630a6b768ec859cb5af4d3be", file: "test.jsonl",
        sha256: "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132"
    },
    aime24: {repo: "math-ai/aime24", revision: "main", file: "test.jsonl"}
};

export interface ResolveDatasetOptions {
    /** r1's data folder; data sets go to its `datasets/` subfolder. Defaults to `resolveR1Home()`. */
    home?: string;
    /** Defaults to the global `fetch`. */
    fetch?: typeof fetch;
    signal?: AbortSignal;
    /** Defaults to `process.env` (`HF_ENDPOINT`, `HF_TOKEN`). */
    env?: NodeJS.ProcessEnv;
}

/** Store path of a known data set (`<home>/datasets/math500_test.jsonl`). */
export function datasetStorePath(name: string, home: string): string {
    return path.join(home, "datasets", `${name}_test.jsonl`);
}

/**
 * Turns `--dataset` into a file path: an existing path as is; `math500` / `aime24` as the copy in
 * the store, downloaded from the hub first (with r1 pull's downloader: resume, sha256, atomic
 * rename) when missing. Yields the download's progress; returns the path.
 */
export async function* resolveDatasetIter(spec: string, options: ResolveDatasetOptions = {}): AsyncGenerator<DownloadEvent, string> {
    const known = KNOWN_DATASETS[spec.toLowerCase()];
    if (known === undefined || existsSync(spec)) return spec;
    const env = options.env ?? process.env;
    const dest = datasetStorePath(spec.toLowerCase(), options.home ?? resolveR1Home(env));
    if (existsSync(dest)) return dest;
    const token = hfToken(env);
    const url = hfResolveUrl(hfEndpoint(env), `datasets/${known.repo}`, known.revision, known.file);
    const result = yield* downloadFileIter(url, dest, {
        ...(known.sha256 === undefined ? {} : {expectedSha256: known.sha256}),
        ...(token === undefined ? {} : {headers: {authorization: `Bearer ${token}`}}),
        ...(options.fetch === undefined ? {} : {fetch: options.fetch}),
        ...(options.signal === undefined ? {} : {signal: options.signal})
    });
    return result.path;
}
