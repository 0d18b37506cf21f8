/**
 * Markdown for model answers: GitHub-flavoured Markdown (marked), TeX math (KaTeX) in the forms R1
 * writes — `\[ … \]`, `\( … \)`, `$$ … $$`, `$ … $` — and highlighted code (highlight.js).
 * Model output is untrusted: raw HTML is shown as text, links only to http(s)/mailto, and images as
 * links (the page fetches nothing the model names).
 */
import {Marked, type Tokens, type TokenizerAndRendererExtension} from "marked";
import katex from "katex";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import latex from "highlight.js/lib/languages/latex";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

// A fixed set of common languages keeps the bundle small; others are shown unhighlighted.
const languages = {bash, c, cpp, csharp, css, go, java, javascript, json, latex, markdown, python, rust, shell, sql, typescript, xml, yaml};
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);

/** Longest text rendered as Markdown (characters); beyond it the answer is shown as plain text. */
export const MAX_MARKDOWN_CHARS = 2_000_000;

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"})[ch]!);
}

function renderMath(tex: string, displayMode: boolean): string {
    return katex.renderToString(tex, {displayMode, throwOnError: false, output: "htmlAndMathml"});
}

interface MathToken extends Tokens.Generic {
    text: string;
    display: boolean;
}

const blockMath: TokenizerAndRendererExtension = {
    name: "blockMath",
    level: "block",
    start: (src) => src.match(/\$\$|\\\[/)?.index,
    tokenizer(src) {
        const m = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n|$)/.exec(src);
        if (m === null) return undefined;
        return {type: "blockMath", raw: m[0], text: (m[1] ?? m[2] ?? "").trim(), display: true} satisfies MathToken;
    },
    renderer: (token) => `<div class="math-block">${renderMath((token as MathToken).text, true)}</div>\n`
};

const inlineMath: TokenizerAndRendererExtension = {
    name: "inlineMath",
    level: "inline",
    start: (src) => src.match(/\$|\\\(|\\\[/)?.index,
    tokenizer(src) {
        const display = /^\$\$([\s\S]+?)\$\$/.exec(src) ?? /^\\\[([\s\S]+?)\\\]/.exec(src);
        if (display !== null) return {type: "inlineMath", raw: display[0], text: display[1]!.trim(), display: true} satisfies MathToken;
        // `$…$` only when it cannot be money: no space inside the dollars, no digit right after the closing one.
        const inline = /^\\\(([\s\S]+?)\\\)/.exec(src) ?? /^\$(?![\s$])((?:\\.|[^\\\n$])+?)(?<!\s)\$(?!\d)/.exec(src);
        if (inline !== null) return {type: "inlineMath", raw: inline[0], text: inline[1]!.trim(), display: false} satisfies MathToken;
        return undefined;
    },
    renderer(token) {
        const t = token as MathToken;
        return t.display ? `<span class="math-display">${renderMath(t.text, true)}</span>` : renderMath(t.text, false);
    }
};

function safeHref(href: string): string | undefined {
    return /^(https?:|mailto:)/i.test(href.trim()) ? href.trim() : undefined;
}

function highlight(code: string, lang: string): string {
    return hljs.getLanguage(lang) === undefined ? escapeHtml(code) : hljs.highlight(code, {language: lang, ignoreIllegals: true}).value;
}

const marked = new Marked({gfm: true, breaks: false});
marked.use({
    extensions: [blockMath, inlineMath],
    renderer: {
        html: ({text}) => escapeHtml(text),
        code({text, lang}) {
            const language = (lang ?? "").trim().split(/\s+/)[0]!.toLowerCase();
            const label = language === "" ? "text" : language;
            return `<div class="code-block"><div class="code-head"><span>${escapeHtml(label)}</span>` +
                `<button type="button" class="copy-code" aria-label="Copy code">Copy</button></div>` +
                `<pre><code class="hljs">${highlight(text.replace(/\n$/, ""), language)}</code></pre></div>\n`;
        },
        link({href, title, tokens}) {
            const text = this.parser.parseInline(tokens);
            const safe = safeHref(href);
            if (safe === undefined) return text;
            const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
            return `<a href="${escapeHtml(safe)}"${titleAttr} target="_blank" rel="noopener noreferrer">${text}</a>`;
        },
        image({href, text}) {
            const safe = safeHref(href);
            const label = escapeHtml(text === "" ? href : text);
            return safe === undefined ? label : `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
        }
    }
});

/** Renders an answer to HTML that is safe to insert into the page. */
export function renderMarkdown(text: string): string {
    if (text.length > MAX_MARKDOWN_CHARS) return `<pre>${escapeHtml(text)}</pre>`;
    return marked.parse(text, {async: false});
}
