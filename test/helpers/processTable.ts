import {readdirSync, readFileSync} from "node:fs";

/** A process in the table: its id and command line. */
export interface ProcessEntry {
    pid: number;
    cmdline: string;
}

/** Running processes (zombies excluded) whose command line contains `marker`, from /proc. */
export function processesMatching(marker: string): ProcessEntry[] {
    const found: ProcessEntry[] = [];
    for (const name of readdirSync("/proc")) {
        if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
        try {
            const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ").trim();
            if (!cmdline.includes(marker)) continue;
            const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${name}/status`, "utf8"))?.[1];
            if (state !== "Z") found.push({pid: Number(name), cmdline});
        } catch {
            // Gone meanwhile.
        }
    }
    return found;
}

/** Whether a process id is alive (not a zombie). */
export function isRunning(pid: number): boolean {
    try {
        return /^State:\s+[^Z]/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
        return false;
    }
}

/**
 * Waits until `condition()` holds, checking every 20 ms, and fails after `timeoutMs` with `what`:
 * a wait for a condition, never a sleep standing in for one.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!await condition()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}
