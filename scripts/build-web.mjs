#!/usr/bin/env node
// Bundles the web chat page (web/) into dist/web/: index.html plus content-hashed assets under
// assets/, which the server may cache forever. Runs at `npm ci` (prepare) and before `npm test`.
// Everything the page needs is bundled (no CDN), so it works offline.
import * as esbuild from "esbuild";
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Builds the page into `outDir` (default `dist/web`): written to a temporary folder first and
 * renamed into place, so a failed build never leaves a half-written page.
 */
export async function buildWeb({outDir = path.join(root, "dist/web"), minify = true} = {}) {
    const tmp = `${outDir}.tmp-${process.pid}`;
    rmSync(tmp, {recursive: true, force: true});
    try {
        const result = await esbuild.build({
            absWorkingDir: root,
            entryPoints: ["web/src/main.tsx"],
            outdir: path.join(tmp, "assets"),
            entryNames: "[name]-[hash]",
            assetNames: "[name]-[hash]",
            bundle: true,
            format: "esm",
            platform: "browser",
            target: ["chrome111", "firefox115", "safari16.4"],
            jsx: "automatic",
            jsxImportSource: "preact",
            tsconfig: "web/tsconfig.json",
            loader: {".woff2": "file", ".woff": "file", ".ttf": "file"},
            minify,
            sourcemap: false,
            legalComments: "linked",
            metafile: true,
            logLevel: "warning"
        });
        const outputs = Object.keys(result.metafile.outputs).map((f) => path.relative(path.join(tmp, "assets"), path.resolve(root, f)));
        const js = outputs.find((f) => /^main-[^/]+\.js$/.test(f));
        const css = outputs.find((f) => /^main-[^/]+\.css$/.test(f));
        if (js === undefined || css === undefined) throw new Error(`web build produced no main script or stylesheet (${outputs.join(", ")})`);
        const html = readFileSync(path.join(root, "web/index.html"), "utf8")
            .replace("%JS%", `/assets/${js}`)
            .replace("%CSS%", `/assets/${css}`);
        writeFileSync(path.join(tmp, "index.html"), html);
        rmSync(outDir, {recursive: true, force: true});
        mkdirSync(path.dirname(outDir), {recursive: true});
        renameSync(tmp, outDir);
        return {outDir, files: outputs.length + 1};
    } catch (error) {
        rmSync(tmp, {recursive: true, force: true});
        throw error;
    }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    try {
        // `--out DIR` builds elsewhere (tests build the current source into a temporary folder).
        const outArg = process.argv.indexOf("--out");
        const {outDir, files} = await buildWeb(outArg > 0 && process.argv[outArg + 1] ? {outDir: path.resolve(process.argv[outArg + 1])} : {});
        console.log(`web page: ${files} files in ${path.relative(process.cwd(), outDir) || "."}`);
    } catch (error) {
        console.error(`web page build failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    }
}
