// End to end: the real `r1 serve` on stories260K, driven through the web page in Debian's Chromium.
import "../helpers/isolateLocalStores.js"; // before anything reads the environment: no developer models in this test
import assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {repoRoot, sharedPath, skipWithoutShared} from "../helpers/shared.js";
import {artifactPath, launchBrowser, skipWithoutChromium, type Browser} from "./helpers/browser.js";
import {ensureDistPage} from "./helpers/buildPage.js";

const MODEL = "models/stories260K.gguf";
// Generous: this test shares a 2-core machine with the whole suite, and the model loads on first use.
const WAIT = {timeout: 120_000};

/** Starts `r1 serve` on a free port with an empty store; resolves with its URL once it listens. */
function startServe(home: string): Promise<{child: ChildProcess, url: string, log: () => string}> {
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/r1.js"), "serve", "--model", sharedPath(MODEL), "--port", "0", "--timeout", "300"],
        {cwd: repoRoot, env: {...process.env, R1_HOME: home, NO_COLOR: "1"}, stdio: ["ignore", "pipe", "pipe"]});
    let output = "";
    const log = () => output;
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`r1 serve did not start within 60 s:\n${output}`));
        }, 60_000);
        const onData = (data: Buffer) => {
            output += data.toString();
            const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
            if (url !== undefined) {
                clearTimeout(timer);
                resolve({child, url, log});
            }
        };
        child.stdout!.on("data", onData);
        child.stderr!.on("data", onData);
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`r1 serve exited with ${code} before listening:\n${output}`));
        });
    });
}

/**
 * Slows what the browser receives to a few chunks a second, so "stop mid-stream" is mid-stream
 * however fast the model is (stories260K can finish a story in a fraction of a second).
 */
async function throttle(page: Page): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {offline: false, latency: 0, downloadThroughput: 1500, uploadThroughput: -1});
}

async function sendAndStop(page: Page, text: string): Promise<string> {
    await page.getByLabel("Message").fill(text);
    await page.getByLabel("Message").press("Enter");
    const reply = page.locator(".msg.assistant").last();
    await reply.locator(".answer").waitFor(WAIT); // the first streamed tokens are on screen
    // Streamed, not delivered at once: the text on screen grows while the reply is open.
    const firstSeen = await reply.locator(".answer").innerText();
    await page.waitForFunction(([seen]) => {
        const answers = document.querySelectorAll<HTMLElement>(".msg.assistant .answer");
        const text = answers[answers.length - 1]?.innerText ?? "";
        return text.length > seen!.length && document.querySelector(".composer .stop") !== null;
    }, [firstSeen], WAIT);
    await page.getByRole("button", {name: "Stop"}).click();
    await reply.locator(".reply-stopped").waitFor(WAIT);
    await page.getByRole("button", {name: "Send"}).waitFor(WAIT);
    const shown = await reply.locator(".answer").innerText();
    await page.waitForTimeout(1000);
    assert.equal(await reply.locator(".answer").innerText(), shown, "nothing more arrives after Stop");
    assert.ok(shown.trim().length > 0);
    return shown;
}

describe("web chat page on the real r1 serve (stories260K, Chromium)", {skip: skipWithoutChromium() || skipWithoutShared(MODEL)}, () => {
    let serve: Awaited<ReturnType<typeof startServe>>;
    let browser: Browser;
    let page: Page;
    let home: string;
    const pageErrors: string[] = [];

    before(async () => {
        assert.ok(existsSync(path.join(repoRoot, "dist/cli/main.js")), "build first: npx tsc -p tsconfig.json (npm test does)");
        ensureDistPage();
        home = mkdtempSync(path.join(os.tmpdir(), "r1-web-e2e-home-"));
        serve = await startServe(home);
        browser = await launchBrowser();
        page = await browser.context.newPage();
        page.on("pageerror", (error) => pageErrors.push(error.message));
    });

    after(async () => {
        await browser?.close();
        if (serve !== undefined && serve.child.exitCode === null) {
            const exited = new Promise((resolve) => serve.child.once("exit", resolve));
            serve.child.kill("SIGTERM");
            await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
            if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
        }
        if (home !== undefined) rmSync(home, {recursive: true, force: true});
    });

    test("chat: send, see the streamed reply, stop it, switch conversations", {timeout: 400_000}, async () => {
        const index = await fetch(serve.url);
        assert.equal(index.status, 200);
        assert.equal(index.headers.get("cache-control"), "no-cache");

        await page.goto(serve.url);
        await page.locator("#model-select option", {hasText: "stories260K"}).waitFor({state: "attached", ...WAIT});
        await throttle(page);

        const first = await sendAndStop(page, "Once upon a time");
        await page.screenshot({path: artifactPath("web-e2e-stories260K.png")});

        await page.getByRole("button", {name: "+ New chat"}).click();
        await page.getByText("Ask R1 anything").waitFor(WAIT);
        // A second reply after a stopped one: the server freed the sequence the first one held.
        await sendAndStop(page, "The little dog");
        assert.equal(await page.locator(".conversation-select").count(), 2);

        await page.locator(".conversation-select", {hasText: "Once upon a time"}).click();
        await page.locator(".msg.user", {hasText: "Once upon a time"}).waitFor(WAIT);
        assert.equal(await page.locator(".msg.user", {hasText: "The little dog"}).count(), 0);
        assert.equal(await page.locator(".msg.assistant .answer").innerText(), first);
        assert.deepEqual(pageErrors, []);
    });
});
