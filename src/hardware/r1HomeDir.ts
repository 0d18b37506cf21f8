import {mkdir, open, rename, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * The r1 data folder: `R1_HOME` (relative values from the current folder), else `~/.r1`. Same
 * rule as src/store's `resolveR1Home`, repeated here because hardware sits below store.
 */
export function r1HomeDir(env: NodeJS.ProcessEnv = process.env): string {
    const fromEnv = env.R1_HOME;
    if (fromEnv !== undefined && fromEnv.trim() !== "") return path.resolve(fromEnv);
    return path.join(os.homedir(), ".r1");
}

/** Writes JSON to a temporary name in the same folder, then renames it into place. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
    await mkdir(path.dirname(file), {recursive: true});
    const temporary = `${file}.${process.pid}.tmp`;
    const handle = await open(temporary, "w");
    try {
        await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
        await handle.sync();
    } finally {
        await handle.close();
    }
    try {
        await rename(temporary, file);
    } catch (error) {
        await rm(temporary, {force: true});
        throw error;
    }
}
