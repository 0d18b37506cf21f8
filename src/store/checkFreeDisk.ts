import fs from "node:fs/promises";
import {DiskFullError} from "./errors/DiskFullError.js";

/** Space kept free beyond the download itself, so the system is not left with a full disk. Defaults used by pulls. */
export const DEFAULT_FREE_DISK_MARGIN = 256 * 1024 * 1024;

/**
 * Throws `DiskFullError` when `directory`'s file system has less than `needed + margin` bytes
 * available to this user. File systems that cannot report (statfs unsupported) pass.
 */
export async function checkFreeDisk(directory: string, needed: number, margin = DEFAULT_FREE_DISK_MARGIN): Promise<void> {
    if (needed <= 0) return;
    let available: number;
    try {
        const stats = await fs.statfs(directory);
        available = Number(stats.bavail) * Number(stats.bsize);
    } catch {
        return;
    }
    if (available < needed + margin) throw new DiskFullError(directory, needed + margin, available);
}
