/**
 * Conversations kept in the browser (localStorage). Pure over a `Storage`-like object so tests can
 * pass a map; a full or unavailable storage loses persistence, never the page.
 */
import type {ReplyStats} from "./replyMeter.js";

export interface StoredMessage {
    role: "user" | "assistant";
    content: string;
    /** Assistant only: the reasoning, shown apart and never sent back to the model. */
    reasoning?: string;
    stats?: ReplyStats;
    /** The model that wrote an assistant reply. */
    model?: string;
    /** Why the reply ended early: "stopped" by the user, or the server's error message. */
    stopped?: boolean;
    error?: string;
}

export interface Conversation {
    id: string;
    title: string;
    updatedAt: number;
    messages: StoredMessage[];
}

export interface Settings {
    model: string;
    /** Defaults to 0.6 (DeepSeek's recommendation for R1). */
    temperature: number;
    /** Defaults to 0.95. */
    topP: number;
    /** Context size; `undefined` lets the server choose. */
    contextSize?: number;
    /** Reasoning token budget; `undefined` means unlimited. */
    thinkBudget?: number;
    /** Key for a server started with `--api-key`; kept in this browser's storage. Defaults to none. */
    apiKey?: string;
}

export const DEFAULT_SETTINGS: Settings = {model: "", temperature: 0.6, topP: 0.95};

/** Most conversations kept; the oldest beyond it are dropped. */
export const MAX_CONVERSATIONS = 200;
/** Longest stored title (characters). */
export const MAX_TITLE_CHARS = 80;

const CONVERSATIONS_KEY = "r1.conversations.v1";
const SETTINGS_KEY = "r1.settings.v1";

export type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

function isMessage(value: unknown): value is StoredMessage {
    const m = value as StoredMessage;
    return typeof m === "object" && m !== null && (m.role === "user" || m.role === "assistant") && typeof m.content === "string";
}

function isConversation(value: unknown): value is Conversation {
    const c = value as Conversation;
    return typeof c === "object" && c !== null && typeof c.id === "string" && typeof c.title === "string" &&
        typeof c.updatedAt === "number" && Array.isArray(c.messages) && c.messages.every(isMessage);
}

/** The stored conversations, newest first; anything unreadable is skipped. */
export function loadConversations(storage: KeyValueStorage): Conversation[] {
    try {
        const parsed: unknown = JSON.parse(storage.getItem(CONVERSATIONS_KEY) ?? "[]");
        if (!Array.isArray(parsed)) return [];
        return parsed.filter(isConversation).sort((a, b) => b.updatedAt - a.updatedAt);
    } catch {
        return [];
    }
}

/** Saves conversations (newest `MAX_CONVERSATIONS`); returns false when the storage refused (full, private mode). */
export function saveConversations(storage: KeyValueStorage, conversations: Conversation[]): boolean {
    try {
        const kept = [...conversations].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, MAX_CONVERSATIONS);
        storage.setItem(CONVERSATIONS_KEY, JSON.stringify(kept));
        return true;
    } catch {
        return false;
    }
}

export function loadSettings(storage: KeyValueStorage): Settings {
    try {
        const parsed = JSON.parse(storage.getItem(SETTINGS_KEY) ?? "{}") as Partial<Record<keyof Settings, unknown>>;
        const settings: Settings = {...DEFAULT_SETTINGS};
        if (typeof parsed.model === "string") settings.model = parsed.model;
        if (typeof parsed.temperature === "number") settings.temperature = parsed.temperature;
        if (typeof parsed.topP === "number") settings.topP = parsed.topP;
        if (typeof parsed.contextSize === "number") settings.contextSize = parsed.contextSize;
        if (typeof parsed.thinkBudget === "number") settings.thinkBudget = parsed.thinkBudget;
        if (typeof parsed.apiKey === "string" && parsed.apiKey !== "") settings.apiKey = parsed.apiKey;
        return settings;
    } catch {
        return {...DEFAULT_SETTINGS};
    }
}

export function saveSettings(storage: KeyValueStorage, settings: Settings): boolean {
    try {
        storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
        return true;
    } catch {
        return false;
    }
}

export function newConversation(now: number, id: string): Conversation {
    return {id, title: "New chat", updatedAt: now, messages: []};
}

/** A title from the first user message: its first line, shortened. */
export function titleFrom(text: string): string {
    const line = text.trim().split("\n")[0]!.trim();
    if (line === "") return "New chat";
    return line.length > MAX_TITLE_CHARS ? `${line.slice(0, MAX_TITLE_CHARS - 1)}…` : line;
}
