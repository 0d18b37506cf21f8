import os from "node:os";
import path from "node:path";

/**
 * The r1 data folder: `R1_HOME` when set (a relative value is taken from the current folder),
 * otherwise `~/.r1`. Models live in its `models/` subfolder.
 */
export function resolveR1Home(env: NodeJS.ProcessEnv = process.env): string {
    const fromEnv = env.R1_HOME;
    if (fromEnv !== undefined && fromEnv.trim() !== "") return path.resolve(fromEnv);
    return path.join(os.homedir(), ".r1");
}
