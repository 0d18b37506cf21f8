import {randomBytes} from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import {PullLockedError} from "./errors/PullLockedError.js";

/** MAX bytes read from a lock file (it holds a pid and a host name). */
const MAX_LOCK_BYTES = 4096;

/** A held lock; `release()` is idempotent. */
export interface FileLock {
    readonly path: string;
    release(): Promise<void>;
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        // EPERM: the process exists but belongs to someone else.
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

async function readOwner(lockPath: string): Promise<{pid: number, host: string} | undefined> {
    try {
        const handle = await fs.open(lockPath, "r");
        try {
            const buffer = Buffer.alloc(MAX_LOCK_BYTES);
            const {bytesRead} = await handle.read(buffer, 0, MAX_LOCK_BYTES, 0);
            const parsed: unknown = JSON.parse(buffer.subarray(0, bytesRead).toString("utf8"));
            if (typeof parsed === "object" && parsed !== null && "pid" in parsed && typeof parsed.pid === "number")
                return {pid: parsed.pid, host: "host" in parsed && typeof parsed.host === "string" ? parsed.host : ""};
        } finally {
            await handle.close();
        }
    } catch {
        // unreadable or half-written: treated as stale below
    }
    return undefined;
}

/**
 * Takes `<target>.lock` with an exclusive create. A lock left by a dead process on this host
 * (`kill -9`, a crash, a reboot) is stale and taken over, so an interrupted pull can always resume;
 * a live owner makes this throw `PullLockedError`. A lock from another host (a shared network
 * folder) is honoured, since its pid cannot be checked from here. `name` is what the error calls
 * the locked thing (a model's name rather than its lock path); defaults to `target`.
 */
export async function acquireFileLock(target: string, name = target): Promise<FileLock> {
    const lockPath = `${target}.lock`;
    const body = JSON.stringify({pid: process.pid, host: os.hostname(), since: new Date().toISOString()});
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            // Written aside and hard-linked into place: the lock appears atomically with its owner in
            // it, so a contender never reads a half-written lock and mistakes it for a stale one.
            const temporary = `${lockPath}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
            await fs.writeFile(temporary, body);
            try {
                await fs.link(temporary, lockPath);
            } catch (error) {
                const code = (error as NodeJS.ErrnoException).code;
                // File systems without hard links (FAT, some network mounts): a plain exclusive create.
                if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") await fs.writeFile(lockPath, body, {flag: "wx"});
                else throw error;
            } finally {
                await fs.rm(temporary, {force: true});
            }
            let released = false;
            return {
                path: lockPath,
                async release() {
                    if (released) return;
                    released = true;
                    await fs.rm(lockPath, {force: true});
                }
            };
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
        const owner = await readOwner(lockPath);
        if (owner !== undefined && owner.pid !== process.pid && (owner.host !== os.hostname() || isAlive(owner.pid)))
            throw new PullLockedError(name, owner.pid);
        if (owner !== undefined && owner.pid === process.pid)
            throw new PullLockedError(name, owner.pid);
        // Stale: remove it and race for it again; exactly one contender's link wins. (Two processes
        // that both found the same stale lock at the same instant can still both get through.)
        await fs.rm(lockPath, {force: true});
    }
    throw new PullLockedError(name, -1);
}

/** The pid of the live process on this host holding `<target>.lock`, or `undefined` (no lock, or a stale one). */
export async function liveLockOwner(target: string): Promise<number | undefined> {
    const owner = await readOwner(`${target}.lock`);
    return owner !== undefined && owner.host === os.hostname() && isAlive(owner.pid) ? owner.pid : undefined;
}
