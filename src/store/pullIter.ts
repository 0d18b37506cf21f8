import {createHash} from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import {readGguf} from "../gguf/index.js";
import {acquireFileLock} from "./acquireFileLock.js";
import {checkFreeDisk, DEFAULT_FREE_DISK_MARGIN} from "./checkFreeDisk.js";
import {downloadFileIter, type DownloadFileOptions} from "./downloadFileIter.js";
import {HttpStatusError} from "./errors/HttpStatusError.js";
import {HubAuthError} from "./errors/HubAuthError.js";
import {HubFileNotFoundError} from "./errors/HubFileNotFoundError.js";
import {NotAGgufError} from "./errors/NotAGgufError.js";
import {fetchHubFileMetadata, listHubGgufFiles, type HubRequestOptions} from "./fetchHubFileMetadata.js";
import {hashFileInto} from "./hashFileInto.js";
import {hfEndpoint, hfResolveUrl, hfToken} from "./hfHub.js";
import type {ModelManifest, PendingPull} from "./ModelManifest.js";
import {ModelStore, PENDING_PULL_FILE} from "./ModelStore.js";
import type {PullEvent, PullFilePlan} from "./PullEvent.js";
import {resolvePullSource} from "./resolvePullSource.js";

/** How each file is downloaded (retries, stalls, progress rate, disk margin) is `downloadFileIter`'s, per file. */
export interface PullOptions extends Pick<DownloadFileOptions,
    "fetch" | "signal" | "maxRetries" | "retryBaseDelayMs" | "stallTimeoutMs" | "progressIntervalMs" | "freeDiskMargin"> {
    /** Store to pull into. Defaults to `new ModelStore({home})`. */
    store?: ModelStore;
    /** r1 data folder when `store` is not given. Defaults to `R1_HOME` or `~/.r1`. */
    home?: string;
    /** Hub base URL. Defaults to `HF_ENDPOINT` or https://huggingface.co. */
    endpoint?: string;
    /** Access token for gated repos. Defaults to `HF_TOKEN`. */
    token?: string;
    /** Branch, tag or commit to resolve. Defaults to `"main"`; the pull then pins the commit it got. */
    revision?: string;
    /** Read the GGUF header of the result before declaring it pulled. Defaults to `true`. */
    checkGguf?: boolean;
}

async function sizeOf(file: string): Promise<number | undefined> {
    try {
        return (await fs.stat(file)).size;
    } catch {
        return undefined;
    }
}

async function removeIfEmpty(dir: string): Promise<void> {
    try {
        const left = (await fs.readdir(dir)).filter((entry) => entry !== PENDING_PULL_FILE);
        if (left.length === 0) await fs.rm(dir, {recursive: true, force: true});
    } catch {
        // already gone, or unreadable: leave it for `r1 rm`
    }
}

async function sha256Of(file: string, size: number, signal?: AbortSignal): Promise<string> {
    const hash = createHash("sha256");
    await hashFileInto(file, hash, size, signal);
    return hash.digest("hex");
}

/**
 * Pulls a model into the store: resolves the name (catalog or `hf:`), asks the hub for each
 * file's size, sha256 and commit, then downloads every file with `downloadFileIter()` (resume,
 * retries, verification) and writes the manifest last. Yields `PullEvent`s; `pullModel()` drains it.
 * Pulling a model that is already complete and matches the hub fetches nothing.
 */
export async function* pullIter(name: string, options: PullOptions = {}): AsyncGenerator<PullEvent, ModelManifest> {
    const store = options.store ?? new ModelStore({home: options.home});
    const endpoint = (options.endpoint ?? hfEndpoint()).replace(/\/+$/, "");
    const token = options.token ?? hfToken();
    const hub: HubRequestOptions = {endpoint, token, fetch: options.fetch, signal: options.signal, retryBaseDelayMs: Math.min(500, options.retryBaseDelayMs ?? 500)};

    yield {type: "resolving", name};
    const source = resolvePullSource(name);
    const revision = options.revision ?? "main";
    const plans: PullFilePlan[] = [];
    let pinned: string | undefined;
    for (const repoPath of source.files) {
        const meta = await fetchHubFileMetadata(source.repo, pinned ?? revision, repoPath, hub);
        pinned ??= meta.revision;
        plans.push({name: path.posix.basename(repoPath), repoPath, size: meta.size, ...(meta.sha256 === undefined ? {} : {sha256: meta.sha256})});
    }
    const totalBytes = plans.reduce((sum, plan) => sum + plan.size, 0);
    yield {type: "resolved", name: source.name, source: source.source, repo: source.repo, revision: pinned, files: plans, totalBytes};

    const dir = store.modelDir(source.name);
    await fs.mkdir(dir, {recursive: true});
    // One pull per model at a time: pull.json and the manifest are shared by all of its files.
    const modelLock = await acquireFileLock(path.join(dir, "pull"), source.name);
    let finished = false;
    try {
        const existing = await store.inspect(source.name);
        const firstPath = store.filePath(source.name, plans[0]!.name);
        if (existing?.status === "complete" && existing.manifest !== undefined) {
            const manifest = existing.manifest;
            const same = manifest.files.length === plans.length && plans.every((plan, i) =>
                manifest.files[i]!.name === plan.name && manifest.files[i]!.size === plan.size && (plan.sha256 === undefined || manifest.files[i]!.sha256 === plan.sha256));
            if (same) {
                finished = true;
                yield {type: "done", name: source.name, path: firstPath, manifest, alreadyPulled: true};
                return manifest;
            }
        }
        // From here the folder no longer holds a complete model until the new manifest is written.
        await fs.rm(path.join(dir, "manifest.json"), {force: true});

        const previous = existing?.pending?.files ?? [];
        const pending: PendingPull = {
            schemaVersion: 1, name: source.name, source: source.source, startedAt: existing?.pending?.startedAt ?? new Date().toISOString(), totalBytes,
            files: plans.map((plan) => {
                const before = previous.find((file) => file.name === plan.name);
                const keep = before?.verifiedSha256 !== undefined && before.size === plan.size && (plan.sha256 === undefined || before.verifiedSha256 === plan.sha256);
                return {name: plan.name, size: plan.size, ...(keep ? {verifiedSha256: before!.verifiedSha256} : {})};
            })
        };
        await store.writePendingPull(pending);

        let needed = 0;
        for (const plan of plans) {
            const dest = store.filePath(source.name, plan.name);
            if ((await sizeOf(dest)) === plan.size) continue;
            needed += plan.size - Math.min(plan.size, (await sizeOf(`${dest}.incomplete`)) ?? 0);
        }
        await checkFreeDisk(dir, needed, options.freeDiskMargin ?? DEFAULT_FREE_DISK_MARGIN);

        const headers: Record<string, string> = token === undefined ? {} : {authorization: `Bearer ${token}`};
        const results: {sha256: string, verified: boolean}[] = [];
        let completedBytes = 0;
        for (const [index, plan] of plans.entries()) {
            const dest = store.filePath(source.name, plan.name);
            const count = plans.length;
            const record = pending.files[index]!;
            let overwrite = false;
            if ((await sizeOf(dest)) === plan.size) {
                // Already renamed into place by an earlier run: trust the recorded hash, else re-read it.
                const sha256 = record.verifiedSha256 ?? await sha256Of(dest, plan.size, options.signal);
                if (plan.sha256 === undefined || sha256 === plan.sha256) {
                    completedBytes += plan.size;
                    results.push({sha256, verified: plan.sha256 !== undefined});
                    yield {type: "file-done", file: plan.name, index, count, sha256, size: plan.size, skipped: true};
                    continue;
                }
                overwrite = true;
            } else if ((await sizeOf(dest)) !== undefined) {
                overwrite = true;
            }
            const url = hfResolveUrl(endpoint, source.repo, pinned ?? revision, plan.repoPath);
            let sha256: string | undefined;
            try {
                for await (const event of downloadFileIter(url, dest, {
                    expectedSha256: plan.sha256, expectedSize: plan.size, headers, fetch: options.fetch, signal: options.signal,
                    maxRetries: options.maxRetries, retryBaseDelayMs: options.retryBaseDelayMs, stallTimeoutMs: options.stallTimeoutMs,
                    progressIntervalMs: options.progressIntervalMs, freeDiskMargin: options.freeDiskMargin, overwrite
                })) {
                    switch (event.type) {
                        case "start":
                            yield {type: "file-start", file: plan.name, index, count, size: plan.size, resumeFrom: event.resumeFrom};
                            break;
                        case "rehash":
                            yield {type: "rehash", file: plan.name, bytes: event.bytes};
                            break;
                        case "progress":
                            yield {
                                type: "progress", file: plan.name, index, count, fileBytes: event.downloaded, fileSize: plan.size,
                                completedBytes: completedBytes + event.downloaded, totalBytes, bytesPerSecond: event.bytesPerSecond
                            };
                            break;
                        case "retry":
                            yield {type: "retry", file: plan.name, attempt: event.attempt, delayMs: event.delayMs, reason: event.reason};
                            break;
                        case "restart":
                            yield {type: "restart", file: plan.name, reason: event.reason};
                            break;
                        case "verifying":
                            yield {type: "verifying", file: plan.name};
                            break;
                        case "done":
                            sha256 = event.sha256;
                            break;
                    }
                }
            } catch (error) {
                // The metadata request succeeded, so these mean the file moved or access changed since.
                if (error instanceof HttpStatusError && (error.status === 401 || error.status === 403)) throw new HubAuthError(source.repo, error.status, token !== undefined);
                if (error instanceof HttpStatusError && error.status === 404)
                    throw new HubFileNotFoundError(source.repo, plan.repoPath, await listHubGgufFiles(source.repo, pinned ?? revision, hub));
                throw error;
            }
            sha256 ??= await sha256Of(dest, plan.size, options.signal);
            record.verifiedSha256 = sha256;
            await store.writePendingPull(pending);
            completedBytes += plan.size;
            results.push({sha256, verified: plan.sha256 !== undefined});
            yield {type: "file-done", file: plan.name, index, count, sha256, size: plan.size, skipped: false};
        }
        if (options.checkGguf ?? true) {
            yield {type: "checking", name: source.name};
            try {
                await readGguf(firstPath);
            } catch (error) {
                throw new NotAGgufError(source.name, error instanceof Error ? error.message : String(error));
            }
        }

        const manifest: ModelManifest = {
            schemaVersion: 1, name: source.name, source: source.source, repo: source.repo, revision: pinned,
            sha256: results[0]!.sha256, size: totalBytes,
            ...(source.quant === undefined ? {} : {quant: source.quant}),
            ...(source.catalogId === undefined ? {} : {catalogId: source.catalogId}),
            ...(source.requestedAs === undefined ? {} : {requestedAs: source.requestedAs}),
            pulledAt: new Date().toISOString(),
            files: plans.map((plan, i) => ({name: plan.name, source: plan.repoPath, size: plan.size, sha256: results[i]!.sha256, verified: results[i]!.verified}))
        };
        await store.writeManifest(manifest);
        finished = true;
        yield {type: "done", name: source.name, path: firstPath, manifest, alreadyPulled: false};
        return manifest;
    } finally {
        await modelLock.release();
        // A pull that failed before writing a byte leaves nothing behind to list as partial.
        if (!finished) await removeIfEmpty(dir);
    }
}

/** Drains `pullIter()`; resolves with the written manifest. */
export async function pullModel(name: string, options: PullOptions = {}): Promise<ModelManifest> {
    const iterator = pullIter(name, options);
    for (;;) {
        const next = await iterator.next();
        if (next.done === true) return next.value;
    }
}
