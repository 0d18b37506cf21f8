import {after, before, beforeEach, describe, test} from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
    ChecksumMismatchError, downloadFile, downloadFileIter, DiskFullError, HttpStatusError, NetworkError, PullLockedError,
    type DownloadEvent, type DownloadFileOptions
} from "../../src/store/index.js";
import {FakeHub, fakeGgufBody, seededRandom, sha256Hex} from "../helpers/fakeHub.js";

const SIZE = 300 * 1024;
const body = fakeGgufBody(SIZE, 7);
const sha = sha256Hex(body);
const hub = new FakeHub();
let dir: string;
let url: string;
// Fast retries: the schedule is tested by its events, not by waiting.
const fast: DownloadFileOptions = {expectedSha256: sha, expectedSize: SIZE, retryBaseDelayMs: 1, progressIntervalMs: 0, freeDiskMargin: 0};

async function collect(iterator: AsyncGenerator<DownloadEvent, unknown>): Promise<DownloadEvent[]> {
    const events: DownloadEvent[] = [];
    for await (const event of iterator) events.push(event);
    return events;
}

async function exists(file: string): Promise<boolean> {
    return fs.access(file).then(() => true, () => false);
}

before(async () => {
    await hub.start();
    hub.addRepo("acme/tiny", {files: [{path: "tiny.gguf", body}]});
    url = `${hub.url}/acme/tiny/resolve/main/tiny.gguf`;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "r1-dl-"));
});
after(async () => {
    await hub.close();
    await fs.rm(dir, {recursive: true, force: true});
});
beforeEach(() => hub.resetFaults());

describe("downloadFileIter", () => {
    test("downloads through the hub's redirect, verifies and renames into place", async () => {
        const dest = path.join(dir, "plain.gguf");
        const events = await collect(downloadFileIter(url, dest, fast));
        assert.deepEqual(await fs.readFile(dest), body);
        const done = events.at(-1);
        assert.equal(done?.type, "done");
        assert.equal(done?.type === "done" && done.sha256, sha);
        assert.equal(done?.type === "done" && done.verified, true);
        assert.ok(events.some((e) => e.type === "progress"));
        assert.equal(await exists(`${dest}.incomplete`), false);
        assert.equal(await exists(`${dest}.lock`), false);
        assert.equal(await exists(`${dest}.incomplete.json`), false);
    });

    test("drop-and-resume at random offsets, 24 times: byte-identical with a verified sha256", async () => {
        const seed = Number(process.env.R1_TEST_SEED ?? Date.now() % 1_000_000);
        const random = seededRandom(seed);
        let ranged = 0;
        for (let run = 0; run < 24; run++) {
            const dest = path.join(dir, `resume-${run}.gguf`);
            const drops = 1 + Math.floor(random() * 3);
            hub.resetFaults();
            for (let d = 0; d < drops; d++) hub.faults.dropAfter.push(1 + Math.floor(random() * (SIZE / drops - 1)));
            const before = hub.bodyRequests().length;
            // Where each later request must resume: the offsets the downloader announced.
            const resumes: number[] = [];
            // Odd runs give up after each drop and start a fresh call (as after `kill -9`): the
            // partial file is rehashed from disk; even runs retry within one call.
            if (run % 2 === 0) {
                const events = await collect(downloadFileIter(url, dest, fast));
                for (const e of events) if (e.type === "retry") resumes.push(e.resumeFrom);
            } else {
                for (let attempt = 0; ; attempt++) {
                    assert.ok(attempt <= drops, `seed ${seed} run ${run}: did not finish after ${attempt} restarts`);
                    const events: DownloadEvent[] = [];
                    let failure: unknown;
                    try {
                        for await (const event of downloadFileIter(url, dest, {...fast, maxRetries: 0})) events.push(event);
                    } catch (error) {
                        failure = error;
                    }
                    const start = events.find((e) => e.type === "start");
                    const resumeFrom = start?.type === "start" ? start.resumeFrom : -1;
                    if (attempt > 0) resumes.push(resumeFrom);
                    assert.equal(events.some((e) => e.type === "rehash"), resumeFrom > 0, `seed ${seed} run ${run}: rehash iff resuming`);
                    if (failure === undefined) break;
                    assert.ok(failure instanceof NetworkError, `seed ${seed} run ${run}: ${String(failure)}`);
                    assert.equal(await exists(dest), false, "a dropped download must not look complete");
                    const partial = await fs.stat(`${dest}.incomplete`).then((st) => st.size, () => 0);
                    assert.ok(partial < SIZE);
                }
            }
            assert.ok((await fs.readFile(dest)).equals(body), `seed ${seed} run ${run}: bytes differ`);
            const requests = hub.bodyRequests().slice(before);
            assert.equal(requests.length, drops + 1, `seed ${seed} run ${run}`);
            assert.equal(requests[0]?.range, undefined);
            assert.deepEqual(requests.slice(1).map((r) => r.range), resumes.map((offset) => offset === 0 ? undefined : `bytes=${offset}-`),
                `seed ${seed} run ${run}: requests did not resume where the file ended`);
            ranged += resumes.filter((offset) => offset > 0).length;
        }
        // Bytes in flight when a connection drops are lost, so a resume may start earlier than the
        // drop; most drops are deep enough that resuming must have used Range.
        assert.ok(ranged >= 12, `seed ${seed}: only ${ranged} resumes used Range`);
    });

    test("5xx is retried with backoff, then succeeds", async () => {
        hub.faults.fail5xx = 3;
        const dest = path.join(dir, "5xx.gguf");
        const events = await collect(downloadFileIter(url, dest, fast));
        const retries = events.filter((e) => e.type === "retry");
        assert.equal(retries.length, 3);
        assert.deepEqual(retries.map((e) => e.type === "retry" && e.attempt), [1, 2, 3]);
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("5xx beyond the retry budget is one clear error, nothing in place", async () => {
        hub.faults.fail5xx = 10;
        const dest = path.join(dir, "5xx-fail.gguf");
        await assert.rejects(downloadFile(url, dest, {...fast, maxRetries: 2}), (error) => error instanceof HttpStatusError && error.status === 503);
        assert.equal(await exists(dest), false);
    });

    test("a server that ignores Range restarts cleanly from byte 0", async () => {
        const dest = path.join(dir, "ignore-range.gguf");
        hub.faults.dropAfter = [SIZE / 3];
        hub.faults.ignoreRange = true;
        const events = await collect(downloadFileIter(url, dest, fast));
        assert.ok(events.some((e) => e.type === "restart"));
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("wrong bytes: checksum mismatch deletes the partial and never lands at dest", async () => {
        hub.faults.corrupt = true;
        const dest = path.join(dir, "corrupt.gguf");
        await assert.rejects(downloadFile(url, dest, fast), (error) => error instanceof ChecksumMismatchError && error.what === "sha256");
        assert.equal(await exists(dest), false);
        assert.equal(await exists(`${dest}.incomplete`), false);
        assert.equal(await exists(`${dest}.lock`), false);
    });

    test("a partial file corrupted on disk is caught after resume", async () => {
        const dest = path.join(dir, "disk-corrupt.gguf");
        hub.faults.dropAfter = [SIZE / 2];
        await assert.rejects(downloadFile(url, dest, {...fast, maxRetries: 0}), NetworkError);
        const handle = await fs.open(`${dest}.incomplete`, "r+");
        await handle.write(Buffer.from([0x00, 0x01, 0x02]), 0, 3, 100);
        await handle.close();
        await assert.rejects(downloadFile(url, dest, fast), ChecksumMismatchError);
        assert.equal(await exists(dest), false);
        assert.equal(await exists(`${dest}.incomplete`), false);
    });

    test("slow trickle completes with several progress events and a rate", async () => {
        hub.faults.trickle = {chunkBytes: 16 * 1024, intervalMs: 5};
        const dest = path.join(dir, "trickle.gguf");
        const events = await collect(downloadFileIter(url, dest, fast));
        const progress = events.filter((e): e is Extract<DownloadEvent, {type: "progress"}> => e.type === "progress");
        assert.ok(progress.length >= 5, `only ${progress.length} progress events`);
        assert.ok(progress.every((e, i) => i === 0 || e.downloaded >= progress[i - 1]!.downloaded));
        assert.ok(progress.at(-1)!.bytesPerSecond > 0);
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("a stalled response is dropped after stallTimeoutMs and resumed", async () => {
        hub.faults.stallAfter = [SIZE / 4];
        const dest = path.join(dir, "stall.gguf");
        const events = await collect(downloadFileIter(url, dest, {...fast, stallTimeoutMs: 300}));
        assert.ok(events.some((e) => e.type === "retry" && /no data/.test(e.reason)));
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("no network: a refused connection is a NetworkError after the retries", async () => {
        const closed = new FakeHub();
        await closed.start();
        const deadUrl = `${closed.url}/acme/tiny/resolve/main/tiny.gguf`;
        await closed.close();
        const dest = path.join(dir, "offline.gguf");
        await assert.rejects(downloadFile(deadUrl, dest, {...fast, maxRetries: 1}), (error) => error instanceof NetworkError && /ECONNREFUSED/.test(error.message));
        assert.equal(await exists(dest), false);
    });

    test("not enough free disk is refused before any byte is fetched", async () => {
        const dest = path.join(dir, "nodisk.gguf");
        const before = hub.bodyRequests().length;
        await assert.rejects(downloadFile(url, dest, {...fast, freeDiskMargin: Number.MAX_SAFE_INTEGER / 2}), DiskFullError);
        assert.equal(hub.bodyRequests().length, before);
    });

    test("a live lock holder keeps a second download off the same file; a dead one's lock is taken over", async () => {
        const dest = path.join(dir, "locked.gguf");
        await fs.writeFile(`${dest}.lock`, JSON.stringify({pid: process.ppid, host: os.hostname()}));
        await assert.rejects(downloadFile(url, dest, fast), PullLockedError);
        // A pid that cannot exist: what `kill -9` leaves behind.
        await fs.writeFile(`${dest}.lock`, JSON.stringify({pid: 2 ** 22 + 12345, host: os.hostname()}));
        await downloadFile(url, dest, fast);
        assert.deepEqual(await fs.readFile(dest), body);
        assert.equal(await exists(`${dest}.lock`), false);
    });

    test("two concurrent downloads of one file: one wins, the other is told", async () => {
        const dest = path.join(dir, "race.gguf");
        hub.faults.trickle = {chunkBytes: 64 * 1024, intervalMs: 10};
        const results = await Promise.allSettled([downloadFile(url, dest, fast), downloadFile(url, dest, fast)]);
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        assert.ok(results.some((r) => r.status === "rejected" && r.reason instanceof PullLockedError));
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("a size the server announces that differs from the expected one is refused", async () => {
        const dest = path.join(dir, "size.gguf");
        await assert.rejects(downloadFile(url, dest, {...fast, expectedSize: SIZE + 1, expectedSha256: undefined}),
            (error) => error instanceof ChecksumMismatchError && error.what === "size");
        assert.equal(await exists(dest), false);
    });

    test("a partial from another version of the file restarts instead of splicing", async () => {
        const dest = path.join(dir, "version.gguf");
        await fs.writeFile(`${dest}.incomplete`, Buffer.alloc(1000, 9));
        await fs.writeFile(`${dest}.incomplete.json`, JSON.stringify({url, sha256: "f".repeat(64), size: SIZE}));
        const events = await collect(downloadFileIter(url, dest, fast));
        assert.ok(events.some((e) => e.type === "restart"));
        assert.deepEqual(await fs.readFile(dest), body);
        assert.equal(hub.bodyRequests().at(-1)?.range, undefined);
    });

    test("an injected fetch is used for every request", async () => {
        const dest = path.join(dir, "injected.gguf");
        hub.faults.dropAfter = [SIZE / 2];
        const seen: string[] = [];
        const counting: typeof fetch = (input, init) => {
            seen.push(String(input));
            return fetch(input, init);
        };
        await downloadFile(url, dest, {...fast, fetch: counting});
        assert.equal(seen.length, 2);
        assert.deepEqual(await fs.readFile(dest), body);
    });

    test("without an expected size or hash (data sets), it still resumes and reports the sha256", async () => {
        const dest = path.join(dir, "unsized.bin");
        hub.faults.dropAfter = [SIZE / 5];
        const result = await downloadFile(url, dest, {retryBaseDelayMs: 1, freeDiskMargin: 0});
        assert.equal(result.sha256, sha);
        assert.equal(result.verified, false);
        assert.deepEqual(await fs.readFile(dest), body);
        const again = await downloadFile(url, dest, {retryBaseDelayMs: 1});
        assert.equal(again.skipped, true);
    });
});
