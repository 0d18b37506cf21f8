import {useRef, useState} from "preact/hooks";

export interface ComposerProps {
    /** A reply to this conversation is streaming: show Stop instead of Send. */
    streamingHere: boolean;
    /** Why sending is not possible now, if it is not. */
    blockedReason?: string;
    onSend(text: string): void;
    onStop(): void;
}

export function Composer({streamingHere, blockedReason, onSend, onStop}: ComposerProps) {
    const [text, setText] = useState("");
    const input = useRef<HTMLTextAreaElement>(null);
    const canSend = text.trim() !== "" && blockedReason === undefined && !streamingHere;
    const submit = () => {
        if (!canSend) return;
        onSend(text);
        setText("");
        input.current?.focus();
    };
    return (
        <form class="composer" onSubmit={(e) => {
            e.preventDefault();
            submit();
        }}>
            <label for="message-input" class="visually-hidden">Message</label>
            <textarea id="message-input" ref={input} rows={2} placeholder="Message R1 (Enter to send, Shift+Enter for a new line)"
                value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
                aria-describedby={blockedReason === undefined ? undefined : "composer-note"}
                onKeyDown={(e) => {
                    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                        e.preventDefault();
                        submit();
                    } else if (e.key === "Escape" && streamingHere) {
                        onStop();
                    }
                }} />
            {streamingHere
                ? <button type="button" class="button danger stop" onClick={onStop}>■ Stop</button>
                : <button type="submit" class="button primary send" disabled={!canSend}>Send</button>}
            {blockedReason !== undefined && <p id="composer-note" class="composer-note muted">{blockedReason}</p>}
        </form>
    );
}
