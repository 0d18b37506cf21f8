import {createReadStream} from "node:fs";
import type {Hash} from "node:crypto";

/** Feeds the first `length` bytes of a file into `hash` (used to resume a hash across restarts). */
export async function hashFileInto(filePath: string, hash: Hash, length: number, signal?: AbortSignal): Promise<void> {
    if (length <= 0) return;
    const stream = createReadStream(filePath, {start: 0, end: length - 1, highWaterMark: 1024 * 1024, signal});
    for await (const chunk of stream) hash.update(chunk as Buffer);
}
