import {randomBytes} from "node:crypto";
import fs from "node:fs/promises";

/** Writes to `<file>.<pid>-<random>.tmp`, flushes, then renames over `file`, so readers see old or new, never half. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
    const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    const handle = await fs.open(temporary, "w");
    try {
        await handle.writeFile(data);
        await handle.sync();
    } finally {
        await handle.close();
    }
    try {
        await fs.rename(temporary, file);
    } catch (error) {
        await fs.rm(temporary, {force: true});
        throw error;
    }
}
