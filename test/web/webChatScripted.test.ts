// The web chat page in Debian's Chromium against a scripted OpenAI-compatible endpoint: the real
// page and the real `mountWebUi`, with replies whose reasoning and answer are known.
import assert from "node:assert/strict";
import {after, before, describe, test} from "node:test";
import type {Page} from "playwright-core";
import {artifactPath, launchBrowser, skipWithoutChromium, type Browser} from "./helpers/browser.js";
import {buildPageToTemp} from "./helpers/buildPage.js";
import {SCRIPTED_TOKENS_PER_SECOND, startScriptedServer, type ScriptedReply, type ScriptedServer} from "./helpers/scriptedServer.js";

const WAIT = {timeout: 30_000};
const words = (text: string) => text.match(/\S+\s*/g) ?? [];

const REASONING = words("Okay, the user wants 2 + 2. REASONING-MARK Adding them gives 4, so I will answer 4. ");
const ANSWER = words("ANSWER-MARK The sum is **four**, since \\( 2 + 2 = 4 \\). <img src=x onerror=alert(1)>\n\n" +
    "```python\ndef add(a, b):\n    return a + b\n```\n");
const FAST: ScriptedReply = {reasoning: REASONING, answer: ANSWER};
const SLOW: ScriptedReply = {reasoning: words("thinking slowly "), answer: Array.from({length: 400}, (_, i) => `w${i} `), tokenDelayMs: 40};

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel("Message").fill(text);
    await page.getByLabel("Message").press("Enter");
}

describe("web chat page (scripted endpoint, Chromium)", {skip: skipWithoutChromium()}, () => {
    let server: ScriptedServer;
    let browser: Browser;
    let page: Page;
    let build: ReturnType<typeof buildPageToTemp>;
    const pageErrors: string[] = [];

    before(async () => {
        build = buildPageToTemp();
        server = await startScriptedServer({root: build.root, replies: [FAST]});
        browser = await launchBrowser();
        page = await browser.context.newPage();
        page.on("pageerror", (error) => pageErrors.push(error.message));
        page.on("console", (message) => {
            // Failed requests are logged by the browser itself; one test answers 404 on purpose.
            if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageErrors.push(message.text());
        });
        await page.goto(server.url);
    });

    after(async () => {
        await browser?.close();
        await server?.close();
        build?.remove();
    });

    test("lists the model with the planner's verdict and predicted speed", async () => {
        await page.locator("#model-select option", {hasText: "fake-r1"}).waitFor({state: "attached", ...WAIT});
        assert.equal(await page.getByLabel("Model").inputValue(), "fake-r1");
        assert.match(await page.locator(".model-picker .badge").innerText(), /usable · ~31\.4 tok\/s/);
    });

    test("streams a reply with the reasoning in its own collapsed block, apart from the Markdown answer", async () => {
        await send(page, "What is 2 + 2?");
        const reply = page.locator(".msg.assistant").last();
        await reply.locator(".regenerate").waitFor(WAIT); // shown once the reply is complete
        const reasoning = await reply.locator(".reasoning .reasoning-text").textContent();
        const answer = await reply.locator(".answer").innerText();
        assert.equal(reasoning, REASONING.join(""));
        assert.match(answer, /ANSWER-MARK/);
        assert.doesNotMatch(answer, /REASONING-MARK/);
        assert.doesNotMatch(reasoning ?? "", /ANSWER-MARK/);
        assert.equal(await reply.locator(".reasoning").getAttribute("open"), null, "reasoning collapses once answered");
        assert.match(await reply.locator(".reasoning summary").innerText(), new RegExp(`^Thought for [\\d.]+ (ms|s) · ${REASONING.length} tokens$`));
        assert.equal(await reply.locator(".answer strong").innerText(), "four");
        assert.ok(await reply.locator(".answer .katex").count() >= 1, "inline math rendered by KaTeX");
        assert.ok(await reply.locator(".answer .hljs-keyword").count() >= 1, "code highlighted");
        assert.equal(await reply.locator(".answer img").count(), 0, "raw HTML from the model is shown as text");
        assert.match(answer, /<img src=x onerror=alert\(1\)>/);
        assert.equal((await reply.locator(".reply-stats").innerText()).split(" · ").slice(0, 3).join(" · "),
            `${SCRIPTED_TOKENS_PER_SECOND} tok/s · ${REASONING.length + ANSWER.length} tokens · prompt 250 tok/s`);
        const body = server.requests.at(-1)!.body;
        assert.deepEqual(body.messages, [{role: "user", content: "What is 2 + 2?"}]);
        assert.equal(body.stream, true);
        assert.equal(body.model, "fake-r1");
        assert.equal(body.temperature, 0.6);
    });

    test("the reasoning block opens and closes from the keyboard", async () => {
        const summary = page.locator(".msg.assistant .reasoning summary").last();
        await summary.focus();
        await page.keyboard.press("Enter");
        assert.equal(await page.locator(".msg.assistant .reasoning").last().getAttribute("open"), "");
        await page.keyboard.press("Enter");
        assert.equal(await page.locator(".msg.assistant .reasoning").last().getAttribute("open"), null);
    });

    test("stop ends the reply mid-stream and the server sees the request end", async () => {
        server.replies = [SLOW];
        await send(page, "Tell me a long story");
        const stop = page.getByRole("button", {name: "Stop"});
        await stop.waitFor(WAIT);
        await page.locator(".msg.assistant").last().locator(".answer").waitFor(WAIT);
        await stop.click();
        const reply = page.locator(".msg.assistant").last();
        await reply.locator(".reply-stopped").waitFor(WAIT);
        await page.getByRole("button", {name: "Send"}).waitFor(WAIT);
        const shown = await reply.locator(".answer").innerText();
        assert.ok(!shown.includes("w399"), "the reply stopped before its end");
        await eventually(() => server.requests.at(-1)!.aborted, "the server saw the stream aborted");
    });

    test("regenerate replaces the last reply and sends no reasoning back", async () => {
        server.replies = [FAST];
        const countBefore = await page.locator(".msg").count();
        await page.getByRole("button", {name: "Regenerate"}).click();
        await page.locator(".msg.assistant").last().locator(".answer", {hasText: "ANSWER-MARK"}).waitFor(WAIT);
        await page.locator(".msg.assistant").last().locator(".regenerate").waitFor(WAIT);
        assert.equal(await page.locator(".msg").count(), countBefore);
        const messages = server.requests.at(-1)!.body.messages as {role: string, content: string}[];
        assert.deepEqual(messages.map((m) => m.role), ["user", "assistant", "user"]);
        assert.ok(!messages[1]!.content.includes("REASONING-MARK"));
        assert.equal(messages[2]!.content, "Tell me a long story");
    });

    test("a server error is shown under the reply, and regenerate retries", async () => {
        server.replies = [{reasoning: [], answer: [], error: {status: 404, message: "model 'fake-r1' is not loaded"}}, FAST];
        await send(page, "Are you there?");
        const reply = page.locator(".msg.assistant").last();
        await reply.locator(".reply-error", {hasText: "model 'fake-r1' is not loaded"}).waitFor(WAIT);
        await reply.getByRole("button", {name: "Regenerate"}).click();
        await page.locator(".msg.assistant").last().locator(".answer", {hasText: "ANSWER-MARK"}).waitFor(WAIT);
        await page.locator(".msg.assistant").last().locator(".regenerate").waitFor(WAIT); // the next test starts on a finished reply
        assert.equal(await page.locator(".msg.assistant").last().locator(".reply-error").count(), 0);
    });

    test("settings change what is sent", async () => {
        await page.getByRole("button", {name: "Settings"}).click();
        await page.getByLabel("Thinking budget (tokens)").fill("512");
        await page.getByLabel("Context size (tokens)").fill("4096");
        await page.getByLabel("Context size (tokens)").press("Tab");
        await page.getByLabel("API key").fill("sekret");
        await page.getByLabel("API key").press("Tab");
        await page.keyboard.press("Escape");
        await page.locator("dialog#settings").waitFor({state: "hidden", ...WAIT});
        await send(page, "Once more");
        await page.locator(".msg.assistant").nth(3).locator(".regenerate").waitFor(WAIT);
        const body = server.requests.at(-1)!.body;
        assert.equal(body.reasoning_budget, 512);
        assert.equal(body.num_ctx, 4096);
        assert.equal(server.requests.at(-1)!.authorization, "Bearer sekret");
    });

    test("a value typed in settings survives the page redrawing under it before it is committed", async () => {
        // The page redraws on every streamed token; a field bound to the stored settings used to be
        // reset to the stored value by any redraw between typing and leaving the field (the cause
        // of "settings change what is sent" failing on a busy machine).
        server.replies = [SLOW];
        await send(page, "Stream while I change settings");
        const answer = page.locator(".msg.assistant").last().locator(".answer");
        await answer.waitFor(WAIT);
        await page.getByRole("button", {name: "Settings"}).click();
        const budget = page.getByLabel("Thinking budget (tokens)");
        await budget.fill("1024");
        const shown = (await answer.innerText()).length;
        await page.waitForFunction((n) => ([...document.querySelectorAll(".msg.assistant .answer")].at(-1)?.textContent ?? "").length > n + 20,
            shown, WAIT);
        assert.equal(await budget.inputValue(), "1024", "what was typed is still in the field after redraws");
        await budget.press("Tab");
        await page.keyboard.press("Escape");
        await page.locator("dialog#settings").waitFor({state: "hidden", ...WAIT});
        await page.getByRole("button", {name: "Stop"}).click();
        await page.getByRole("button", {name: "Send"}).waitFor(WAIT);
        server.replies = [FAST];
        await send(page, "And now?");
        await page.locator(".msg.assistant").last().locator(".regenerate").waitFor(WAIT);
        assert.equal(server.requests.at(-1)!.body.reasoning_budget, 1024);
    });

    test("conversations: new, switch, kept across a reload, delete", async () => {
        await page.getByRole("button", {name: "+ New chat"}).click();
        await page.getByText("Ask R1 anything").waitFor(WAIT);
        await send(page, "Second conversation here");
        await page.locator(".msg.assistant .regenerate").waitFor(WAIT);
        const items = page.locator(".conversation-select");
        assert.equal(await items.count(), 2);
        await items.filter({hasText: "What is 2 + 2?"}).click();
        await page.locator(".msg.user", {hasText: "Once more"}).waitFor(WAIT);
        assert.equal(await page.locator(".msg.user", {hasText: "Second conversation here"}).count(), 0);

        await page.waitForTimeout(600); // conversations are saved shortly after each change
        await page.reload();
        await page.locator(".conversation-select").nth(1).waitFor(WAIT);
        assert.equal(await page.locator(".conversation-select").count(), 2);
        await page.locator(".conversation-select", {hasText: "What is 2 + 2?"}).click();
        await page.locator(".msg.assistant .reasoning").first().waitFor(WAIT);
        assert.equal(await page.locator(".msg.assistant .reasoning-text").first().textContent(), REASONING.join(""));

        await page.getByRole("button", {name: "Delete conversation: Second conversation here"}).click();
        assert.equal(await page.locator(".conversation-select").count(), 1);
    });

    test("plan view shows the hardware and the plan table", async () => {
        await page.getByRole("button", {name: "Plan"}).click();
        const dialog = page.getByRole("dialog", {name: "What runs on this machine"});
        await dialog.locator(".plan-table").waitFor(WAIT);
        assert.match(await dialog.locator(".hardware").innerText(), /Test CPU, 2 cores/);
        assert.equal(await dialog.locator(".plan-table tbody tr").count(), 2);
        await dialog.getByLabel("Only what fits").uncheck();
        assert.equal(await dialog.locator(".plan-table tbody tr").count(), 3);
        await page.screenshot({path: artifactPath("web-plan-desktop.png")});
        await page.keyboard.press("Escape");
        await dialog.waitFor({state: "hidden", ...WAIT});
    });

    test("looks right at desktop and narrow widths (screenshots in test-artifacts/)", async () => {
        await page.locator(".conversation-select").first().click();
        await page.screenshot({path: artifactPath("web-desktop.png")});
        await page.setViewportSize({width: 390, height: 844});
        const menu = page.getByRole("button", {name: "Conversations"});
        assert.ok(await menu.isVisible(), "the conversation list folds behind a menu button");
        assert.ok(!(await page.locator("#sidebar").isVisible()), "the list is hidden until asked for");
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `no horizontal scrolling at 390 px (page is ${width} px wide)`);
        await page.screenshot({path: artifactPath("web-narrow.png")});
        await menu.click();
        await page.locator("#sidebar").waitFor({state: "visible", ...WAIT});
        await page.locator("#sidebar").evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
        await page.screenshot({path: artifactPath("web-narrow-conversations.png")});
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), "+ New chat", "focus moves into the list");
        await page.keyboard.press("Escape");
        await page.locator("#sidebar").waitFor({state: "hidden", ...WAIT});
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Conversations", "and back to the menu button");
        await page.setViewportSize({width: 1280, height: 800});
        assert.deepEqual(pageErrors, []);
    });
});
