/** Default hub; `HF_ENDPOINT` replaces it (mirrors, and the test suite's loopback hub). */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** Where the hub is: `HF_ENDPOINT` without a trailing slash, or huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
    const value = env.HF_ENDPOINT?.trim();
    return (value === undefined || value === "" ? DEFAULT_HF_ENDPOINT : value).replace(/\/+$/, "");
}

/** `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), when set. */
export function hfToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const value = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
    return value === undefined || value === "" ? undefined : value;
}

function encodePath(filePath: string): string {
    return filePath.split("/").map(encodeURIComponent).join("/");
}

/** `<endpoint>/<repo>/resolve/<revision>/<path>`: the file itself (the hub redirects LFS files to its CDN). */
export function hfResolveUrl(endpoint: string, repo: string, revision: string, filePath: string): string {
    return `${endpoint}/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(filePath)}`;
}

/** `<endpoint>/api/models/<repo>/tree/<revision>?recursive=true`: the repository's file list. */
export function hfTreeUrl(endpoint: string, repo: string, revision: string): string {
    return `${endpoint}/api/models/${encodePath(repo)}/tree/${encodeURIComponent(revision)}?recursive=true`;
}
