/** Progress of one `downloadFileIter()`; `type` tells them apart. */
export type DownloadEvent =
    /** Starting (or resuming at `resumeFrom` bytes). `size` is the expected size when known. */
    | {type: "start", url: string, dest: string, size?: number, resumeFrom: number}
    /** Re-reading the `bytes` already on disk into the sha256 after a restart of the process. */
    | {type: "rehash", bytes: number}
    /** Throttled; `total` is `undefined` while the size is unknown. `bytesPerSecond` is over the last few seconds. */
    | {type: "progress", downloaded: number, total?: number, bytesPerSecond: number}
    /** A dropped connection or a 5xx; the next request (a `Range` from `resumeFrom`) starts after `delayMs`. */
    | {type: "retry", attempt: number, delayMs: number, reason: string, resumeFrom: number}
    /** The server ignored `Range` (or the partial file was from another version): starting again from byte 0. */
    | {type: "restart", reason: string}
    /** All bytes are in; checking size and sha256. */
    | {type: "verifying"}
    /** In place at `path`. `skipped` when the file was already there. `verified` when an expected sha256 was checked. */
    | {type: "done", path: string, size: number, sha256?: string, verified: boolean, skipped: boolean};

/** What `downloadFile()` returns. */
export type DownloadResult = Extract<DownloadEvent, {type: "done"}>;
