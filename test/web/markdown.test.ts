import assert from "node:assert/strict";
import {test} from "node:test";
import {MAX_MARKDOWN_CHARS, renderMarkdown} from "../../web/src/markdown.js";

test("markdown: raw HTML from the model is shown as text, never as elements", () => {
    const html = renderMarkdown("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<div onclick=x>block</div>");
    assert.doesNotMatch(html, /<script|<img|<div onclick/);
    assert.match(html, /&lt;script&gt;/);
});

test("markdown: links only to http(s) and mailto; images become links", () => {
    const html = renderMarkdown("[a](javascript:alert(1)) [b](https://example.org \"t\") [c](data:text/html,x) ![pic](https://e.org/p.png)");
    assert.doesNotMatch(html, /javascript:|data:text/);
    assert.match(html, /<a href="https:\/\/example.org" title="t" target="_blank" rel="noopener noreferrer">b<\/a>/);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /<a href="https:\/\/e.org\/p.png"[^>]*>pic<\/a>/);
});

test("markdown: the math forms R1 writes render with KaTeX; money does not", () => {
    for (const source of ["\\[ x^2 \\]", "$$\\frac{1}{2}$$", "so \\( a+b \\) holds", "so $a+b$ holds", "\\[\n\\boxed{42}\n\\]"])
        assert.match(renderMarkdown(source), /class="katex/, source);
    assert.match(renderMarkdown("\\[\n\\boxed{42}\n\\]"), /katex-display/);
    assert.doesNotMatch(renderMarkdown("It costs $5 and $10."), /katex/);
    // Bad TeX shows the source in KaTeX's error style instead of throwing.
    assert.match(renderMarkdown("\\( \\frac{ \\)"), /katex-error|katex/);
});

test("markdown: code is highlighted for known languages, escaped for others", () => {
    assert.match(renderMarkdown("```python\ndef f(): pass\n```"), /<span class="hljs-keyword">def<\/span>/);
    const unknown = renderMarkdown("```nosuchlang\n<b>x</b>\n```");
    assert.match(unknown, /&lt;b&gt;x&lt;\/b&gt;/);
    assert.match(unknown, /<span>nosuchlang<\/span>/);
});

test("markdown: past MAX_MARKDOWN_CHARS the text is shown plain", () => {
    const html = renderMarkdown(`**b** ${"x".repeat(MAX_MARKDOWN_CHARS)}`);
    assert.ok(html.startsWith("<pre>**b**"));
});
