import {useMemo, useState} from "preact/hooks";
import type {StoredMessage} from "../conversations.js";
import {renderMarkdown} from "../markdown.js";
import {formatDuration, formatTokensPerSecond} from "../replyMeter.js";

export interface MessageViewProps {
    message: StoredMessage;
    /** This reply is being streamed now. */
    live: boolean;
    /** Offer "Regenerate" (the last reply of an idle conversation). */
    canRegenerate: boolean;
    onRegenerate(): void;
}

function tokenCount(n: number): string {
    return `${n} token${n === 1 ? "" : "s"}`;
}

function Reasoning({text, live, answering, ms, tokens}: {text: string, live: boolean, answering: boolean, ms?: number, tokens: number}) {
    // Open while the model thinks, collapsed once it answers; after that the user's toggle wins.
    const [userOpen, setUserOpen] = useState<boolean | undefined>(undefined);
    const thinking = live && !answering;
    const open = userOpen ?? thinking;
    const duration = ms === undefined ? "" : ` for ${formatDuration(ms)}`;
    const label = thinking ? `Thinking${duration === "" ? "" : duration.replace(" for", "…")}` : `Thought${duration}`;
    return (
        <details class="reasoning" open={open} onToggle={(e) => {
            const now = (e.currentTarget as HTMLDetailsElement).open;
            if (now !== open) setUserOpen(now);
        }}>
            <summary>
                <span class="reasoning-label">{label}</span>
                <span class="reasoning-tokens"> · {tokenCount(tokens)}</span>
            </summary>
            <div class="reasoning-text">{text}</div>
        </details>
    );
}

export function MessageView({message, live, canRegenerate, onRegenerate}: MessageViewProps) {
    const html = useMemo(() => renderMarkdown(message.content), [message.content]);
    if (message.role === "user") {
        return (
            <article class="msg user" aria-label="You">
                <div class="bubble">{message.content}</div>
            </article>
        );
    }
    const stats = message.stats;
    const hasReasoning = (message.reasoning ?? "") !== "";
    const parts: string[] = [];
    if (stats?.tokensPerSecond !== undefined) parts.push(formatTokensPerSecond(stats.tokensPerSecond));
    if (stats !== undefined && stats.reasoningTokens + stats.answerTokens > 0) parts.push(tokenCount(stats.reasoningTokens + stats.answerTokens));
    if (stats?.promptTokensPerSecond !== undefined) parts.push(`prompt ${formatTokensPerSecond(stats.promptTokensPerSecond)}`);
    if (stats?.firstTokenMs !== undefined) parts.push(`${formatDuration(stats.firstTokenMs)} to first token`);
    if (message.model !== undefined && message.model !== "") parts.push(message.model);
    const waiting = live && !hasReasoning && message.content === "";
    return (
        <article class="msg assistant" aria-label="R1" aria-busy={live ? "true" : undefined}>
            {hasReasoning && (
                <Reasoning text={message.reasoning ?? ""} live={live} answering={message.content !== ""}
                    ms={stats?.reasoningMs} tokens={stats?.reasoningTokens ?? 0} />
            )}
            {waiting && <p class="muted waiting">Waiting for the model…</p>}
            {message.content !== "" && <div class="answer markdown" dangerouslySetInnerHTML={{__html: html}} />}
            {message.error !== undefined && <p class="reply-error" role="alert">{message.error}</p>}
            <footer class="reply-footer">
                <span class="reply-stats" aria-label="Reply statistics">{parts.join(" · ")}</span>
                {message.stopped === true && <span class="reply-stopped">Stopped</span>}
                {canRegenerate && (
                    <button type="button" class="button small regenerate" onClick={onRegenerate}>↻ Regenerate</button>
                )}
                {!live && message.content !== "" && (
                    <button type="button" class="button small copy-answer" onClick={() => void navigator.clipboard?.writeText(message.content)}>Copy</button>
                )}
            </footer>
        </article>
    );
}
