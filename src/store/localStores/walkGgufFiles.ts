import fs from "node:fs/promises";
import path from "node:path";
import {MAX_LOCAL_STORE_DEPTH, MAX_LOCAL_STORE_FILES} from "./limits.js";

/**
 * `.gguf` files under `root`, as paths relative to it with `/` separators, sorted. Symlinked files
 * count (the Hugging Face cache's snapshots are symlinks into its blobs); symlinked folders are not
 * followed (no loops). At most `MAX_LOCAL_STORE_DEPTH` folders deep and `MAX_LOCAL_STORE_FILES`
 * entries looked at. A missing or unreadable root is an empty store.
 */
export async function walkGgufFiles(root: string, maxDepth = MAX_LOCAL_STORE_DEPTH): Promise<string[]> {
    const found: string[] = [];
    let seen = 0;
    const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
        let entries: import("node:fs").Dirent[];
        try {
            entries = await fs.readdir(dir, {withFileTypes: true});
        } catch {
            return;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
            if (++seen > MAX_LOCAL_STORE_FILES) return;
            if (entry.name.startsWith(".")) continue;
            const full = path.join(dir, entry.name);
            const rel = relative === "" ? entry.name : `${relative}/${entry.name}`;
            if (entry.isDirectory()) {
                if (depth < maxDepth) await walk(full, rel, depth + 1);
            } else if (entry.name.toLowerCase().endsWith(".gguf") && (entry.isFile() || entry.isSymbolicLink())) {
                const stats = await fs.stat(full).catch(() => undefined);
                if (stats?.isFile() === true) found.push(rel);
            }
        }
    };
    await walk(root, "", 1);
    return found;
}
