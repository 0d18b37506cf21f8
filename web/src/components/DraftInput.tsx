import {useState} from "preact/hooks";

export interface DraftInputProps {
    id: string;
    type: "number" | "password" | "text";
    /** The committed value, shown while the field is not being edited. */
    stored: string;
    /** Receives the field's text when it is committed (the browser's `change`: leaving the field, Enter). */
    onCommit(text: string): void;
    placeholder?: string;
    min?: string;
    max?: string;
    step?: string;
    inputMode?: "numeric" | "text";
    autoComplete?: string;
    describedBy?: string;
}

/**
 * An input whose typed text is its own state until committed. A field bound straight to the stored
 * value and updated only on `change` is reset to the stored value by any redraw in between (a
 * streamed token, a model list arriving), which threw away what was typed.
 */
export function DraftInput({stored, onCommit, describedBy, type, ...attributes}: DraftInputProps) {
    const [draft, setDraft] = useState<string | undefined>(undefined);
    return (
        // Preact types each input `type` with its own allowed roles; no role is set here, so one of them stands for all.
        <input {...attributes} type={type as "text"} aria-describedby={describedBy} value={draft ?? stored}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onChange={(e) => {
                onCommit(e.currentTarget.value);
                setDraft(undefined);
            }} />
    );
}
