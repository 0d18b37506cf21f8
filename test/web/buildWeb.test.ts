// The page build: everything it references is in the build (no CDN, works offline), names are hashed.
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {buildPageToTemp} from "./helpers/buildPage.js";

test("the built page references only its own hashed assets", () => {
    const build = buildPageToTemp();
    try {
        const assets = new Set(readdirSync(path.join(build.root, "assets")));
        const html = readFileSync(path.join(build.root, "index.html"), "utf8");
        const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !r.startsWith("data:"));
        assert.equal(refs.length, 2, "one script, one stylesheet");
        for (const ref of refs) {
            assert.match(ref, /^\/assets\/main-[A-Z0-9]{8}\.(js|css)$/);
            assert.ok(assets.has(ref.slice("/assets/".length)), ref);
        }
        const css = readFileSync(path.join(build.root, "assets", refs.find((r) => r.endsWith(".css"))!.slice("/assets/".length)), "utf8");
        const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]!);
        assert.ok(urls.some((u) => /KaTeX_Main-Regular-\w+\.woff2$/.test(u)), "KaTeX fonts are bundled");
        for (const url of urls.filter((u) => !u.startsWith("data:"))) {
            assert.doesNotMatch(url, /^(https?:)?\/\//, `no remote resource: ${url}`);
            assert.ok(assets.has(url.replace(/^\.\//, "")), `${url} is in the build`);
        }
        const js = readFileSync(path.join(build.root, "assets", refs.find((r) => r.endsWith(".js"))!.slice("/assets/".length)), "utf8");
        assert.doesNotMatch(js, /\bimport\s*\(\s*["']https?:/, "no remote modules");
    } finally {
        build.remove();
    }
});
