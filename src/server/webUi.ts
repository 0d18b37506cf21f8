import path from "node:path";
import {fileURLToPath} from "node:url";
import type {Context, Hono} from "hono";
import {loadWebAssets, type WebAsset, type WebAssets} from "./webAssets.js";
import {WebPlanner} from "./WebPlanner.js";
import type {WebModel, WebPlanResponse} from "./webApiTypes.js";

/** Where `npm ci` (prepare) puts the page: `dist/web` of this package (the same from `src/` under tsx and from `dist/`). */
export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/web");

export interface WebUiOptions {
    /** Folder of the built page (index.html, assets/). Defaults to `DEFAULT_WEB_ROOT`. */
    root?: string;
    /** Plans this machine for the plan view and the model picker. Defaults to a `WebPlanner` on the detected hardware. */
    planner?: Pick<WebPlanner, "plan" | "annotate">;
    /** Data of the plan view (`GET /ui/api/plan`). Defaults to `planner.plan()`. */
    plan?: () => Promise<WebPlanResponse>;
    /**
     * The served models for the picker (`GET /ui/api/models`), by the names `/v1/chat/completions`
     * accepts; those without a verdict get the planner's. Defaults to none: an empty list.
     */
    models?: () => Promise<WebModel[]>;
}

/** Hashed file names change with their content, so browsers may keep them for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

// The page runs only its own bundle and talks only to this server; model output cannot load
// scripts or reach other hosts even if it slipped past the Markdown renderer. KaTeX needs inline styles.
const CONTENT_SECURITY_POLICY = [
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"
].join("; ");

const NOT_BUILT_PAGE = "<!doctype html><meta charset=utf-8><title>r1</title>" +
    "<p>The web page of r1 is not built. Run <code>npm run prepare</code> in the r1 folder (it builds the page into dist/web), then reload.</p>";

function sendAsset(c: Context, asset: WebAsset, cacheControl: string): Response {
    const headers: Record<string, string> = {
        "Content-Type": asset.contentType,
        "Cache-Control": cacheControl,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff"
    };
    if (c.req.header("If-None-Match") === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
}

async function jsonOrError<T>(c: Context, produce: () => Promise<T>, what: string): Promise<Response> {
    c.header("Cache-Control", "no-store");
    try {
        return c.json(await produce());
    } catch (error) {
        return c.json({error: {message: `${what} failed: ${error instanceof Error ? error.message : String(error)}`}}, 500);
    }
}

/**
 * Adds the web chat page to a Hono app: `GET /` (the page, `no-cache` so a new build shows at once),
 * `GET /assets/*` (content-hashed, cached as immutable), `GET /ui/api/plan` and `GET /ui/api/models`
 * (JSON for the plan view and the model picker, from `src/plan` on this machine's hardware). The page chats through `/v1/chat/completions`.
 * The built files are read on the first request, so mounting costs nothing when the page is unused.
 */
export function mountWebUi(app: Hono, options: WebUiOptions = {}): void {
    const root = options.root ?? DEFAULT_WEB_ROOT;
    const planner = options.planner ?? new WebPlanner();
    const plan = options.plan ?? (() => planner.plan());
    const models = async (): Promise<{models: WebModel[]}> => {
        const list = options.models === undefined ? [] : await options.models();
        // Verdicts are a bonus: a planner failure must not hide the models themselves.
        return {models: await planner.annotate(list).catch(() => list)};
    };
    let loading: Promise<WebAssets | undefined> | undefined;
    const assets = () => {
        loading ??= loadWebAssets(root).then((loaded) => {
            if (loaded === undefined) loading = undefined; // not built yet: look again next time
            return loaded;
        });
        return loading;
    };

    const index = async (c: Context) => {
        const built = await assets();
        c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        c.header("Referrer-Policy", "no-referrer");
        if (built === undefined) return c.html(NOT_BUILT_PAGE, 503, {"Cache-Control": "no-store"});
        return sendAsset(c, built.index, "no-cache");
    };
    app.get("/", index);
    app.get("/index.html", index);
    app.get("/assets/:name", async (c) => {
        const asset = (await assets())?.assets.get(c.req.param("name"));
        if (asset === undefined) return c.text("Not found", 404, {"Cache-Control": "no-store"});
        return sendAsset(c, asset, IMMUTABLE);
    });
    app.get("/ui/api/plan", (c) => jsonOrError(c, plan, "The plan"));
    app.get("/ui/api/models", (c) => jsonOrError(c, models, "The model list"));
}
