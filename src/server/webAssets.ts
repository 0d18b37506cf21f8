import {createHash} from "node:crypto";
import {readdir, readFile, stat} from "node:fs/promises";
import path from "node:path";

/** Largest file of the built page loaded into memory (bytes); the real ones are well under 1 MB. */
export const MAX_WEB_ASSET_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf"
};

export interface WebAsset {
    body: Uint8Array;
    contentType: string;
    /** Strong ETag of the content. */
    etag: string;
}

/** The built page: `index.html` and the hashed files under `assets/`, by name. */
export interface WebAssets {
    index: WebAsset;
    assets: Map<string, WebAsset>;
}

async function loadAsset(file: string): Promise<WebAsset | undefined> {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_WEB_ASSET_BYTES) return undefined;
    const body = await readFile(file);
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    return {body, contentType: type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`};
}

/**
 * Reads the page built by `scripts/build-web.mjs` from `root`. Only files found here are ever
 * served (a map lookup by name, so no request path reaches the file system). `undefined` when the
 * page was not built.
 */
export async function loadWebAssets(root: string): Promise<WebAssets | undefined> {
    let index: WebAsset | undefined;
    try {
        index = await loadAsset(path.join(root, "index.html"));
    } catch {
        return undefined;
    }
    if (index === undefined) return undefined;
    const assets = new Map<string, WebAsset>();
    const names = await readdir(path.join(root, "assets")).catch(() => [] as string[]);
    for (const name of names) {
        const asset = await loadAsset(path.join(root, "assets", name)).catch(() => undefined);
        if (asset !== undefined) assets.set(name, asset);
    }
    return {index, assets};
}
