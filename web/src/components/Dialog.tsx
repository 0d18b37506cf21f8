import type {ComponentChildren} from "preact";
import {useEffect, useRef} from "preact/hooks";

export interface DialogProps {
    id: string;
    title: string;
    open: boolean;
    onClose(): void;
    children: ComponentChildren;
    wide?: boolean;
}

/** A modal `<dialog>`: the browser traps focus, Escape closes it, focus returns to the opener. */
export function Dialog({id, title, open, onClose, children, wide}: DialogProps) {
    const ref = useRef<HTMLDialogElement>(null);
    useEffect(() => {
        const dialog = ref.current;
        if (dialog === null) return;
        if (open && !dialog.open) dialog.showModal();
        if (!open && dialog.open) dialog.close();
    }, [open]);
    return (
        <dialog id={id} ref={ref} class={wide === true ? "dialog wide" : "dialog"} aria-labelledby={`${id}-title`} onClose={onClose}
            onClick={(e) => {
                if (e.target === ref.current) onClose(); // a click on the backdrop
            }}>
            <div class="dialog-body">
                <header class="dialog-head">
                    <h2 id={`${id}-title`}>{title}</h2>
                    <button type="button" class="icon-button" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>×</button>
                </header>
                {children}
            </div>
        </dialog>
    );
}
