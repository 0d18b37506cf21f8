import type {Conversation} from "../conversations.js";

export interface SidebarProps {
    conversations: Conversation[];
    currentId: string | undefined;
    streamingId: string | undefined;
    open: boolean;
    onSelect(id: string): void;
    onNew(): void;
    onDelete(id: string): void;
    onClose(): void;
}

function TrashIcon() {
    return (
        <svg width="15" height="15" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2"
            stroke-linecap="round" stroke-linejoin="round">
            <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
        </svg>
    );
}

export function Sidebar(props: SidebarProps) {
    return (
        <nav id="sidebar" class={props.open ? "sidebar open" : "sidebar"} aria-label="Conversations"
            onKeyDown={(e) => {
                if (e.key === "Escape" && props.open) props.onClose();
            }}>
            <div class="sidebar-head">
                <button type="button" class="button primary new-chat" onClick={props.onNew}>+ New chat</button>
                <button type="button" class="icon-button sidebar-close" aria-label="Close conversations" onClick={props.onClose}>×</button>
            </div>
            {props.conversations.length === 0
                ? <p class="muted sidebar-empty">No conversations yet.</p>
                : (
                    <ul class="conversation-list">
                        {props.conversations.map((c) => (
                            <li key={c.id} class={c.id === props.currentId ? "conversation current" : "conversation"}>
                                <button type="button" class="conversation-select" aria-current={c.id === props.currentId ? "page" : undefined}
                                    onClick={() => props.onSelect(c.id)}>
                                    <span class="conversation-title">{c.title}</span>
                                    {c.id === props.streamingId && <span class="live-dot" title="Replying" aria-label="replying" />}
                                </button>
                                <button type="button" class="icon-button conversation-delete" aria-label={`Delete conversation: ${c.title}`}
                                    title="Delete" onClick={() => props.onDelete(c.id)}><TrashIcon /></button>
                            </li>
                        ))}
                    </ul>
                )}
        </nav>
    );
}
