import type {ModelManifest} from "./ModelManifest.js";

/** One file of a pull as the hub describes it. */
export interface PullFilePlan {
    /** File name in the model folder. */
    name: string;
    /** Path in the repository. */
    repoPath: string;
    size: number;
    sha256?: string;
}

/**
 * Progress of `pullIter()`; `type` tells them apart. `file` is the file name inside the model
 * folder, `index` its 0-based position among `count` files (split models have several).
 */
export type PullEvent =
    | {type: "resolving", name: string}
    /** The hub answered: what will be downloaded, at which commit, and how many bytes in all. */
    | {type: "resolved", name: string, source: string, repo: string, revision?: string, files: PullFilePlan[], totalBytes: number}
    | {type: "file-start", file: string, index: number, count: number, size: number, resumeFrom: number}
    | {type: "rehash", file: string, bytes: number}
    /** Throttled. `completedBytes`/`totalBytes` are over all files of the model. */
    | {type: "progress", file: string, index: number, count: number, fileBytes: number, fileSize: number,
        completedBytes: number, totalBytes: number, bytesPerSecond: number}
    | {type: "retry", file: string, attempt: number, delayMs: number, reason: string}
    | {type: "restart", file: string, reason: string}
    | {type: "verifying", file: string}
    /** `skipped` when the file was already in place and verified by an earlier run. */
    | {type: "file-done", file: string, index: number, count: number, sha256: string, size: number, skipped: boolean}
    /** Reading the GGUF header of the downloaded model. */
    | {type: "checking", name: string}
    /** The manifest is written: the model is pulled. `alreadyPulled` when nothing had to be fetched. */
    | {type: "done", name: string, path: string, manifest: ModelManifest, alreadyPulled: boolean};
