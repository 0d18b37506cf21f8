import {useCallback, useEffect, useRef, useState} from "preact/hooks";
import {ChatStreamError, streamChat, type ChatRequestMessage} from "./chatStream.js";
import {
    loadConversations, loadSettings, newConversation, saveConversations, saveSettings, titleFrom,
    type Conversation, type Settings, type StoredMessage
} from "./conversations.js";
import {ReplyMeter} from "./replyMeter.js";
import {fetchModels, type WebModel} from "./uiApi.js";
import {Composer} from "./components/Composer.js";
import {MessageView} from "./components/MessageView.js";
import {ModelPicker} from "./components/ModelPicker.js";
import {PlanDialog} from "./components/PlanDialog.js";
import {SettingsDialog} from "./components/SettingsDialog.js";
import {Sidebar} from "./components/Sidebar.js";

interface Streaming {
    conversationId: string;
    controller: AbortController;
}

/** How long conversation changes wait before they are written to localStorage (ms). */
const SAVE_DELAY_MS = 400;

function makeId(): string {
    return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** What the model sees: earlier answers without their reasoning (DeepSeek's recommendation), no failed replies. */
function requestMessages(messages: StoredMessage[]): ChatRequestMessage[] {
    return messages
        .filter((m) => m.role === "user" || (m.content !== "" && m.error === undefined))
        .map((m) => ({role: m.role, content: m.content}));
}

export function App() {
    const [conversations, setConversations] = useState<Conversation[]>(() => loadConversations(localStorage));
    const [currentId, setCurrentId] = useState<string | undefined>(() => conversations[0]?.id);
    const [settings, setSettings] = useState<Settings>(() => loadSettings(localStorage));
    const [streaming, setStreaming] = useState<Streaming | undefined>(undefined);
    const [models, setModels] = useState<WebModel[]>([]);
    const [modelsState, setModelsState] = useState<{loading: boolean, error?: string}>({loading: true});
    const [sidebarOpen, setSidebarOpen] = useState(false);
    const [settingsOpen, setSettingsOpen] = useState(false);
    const [planOpen, setPlanOpen] = useState(false);
    const [storageFull, setStorageFull] = useState(false);
    const messagesEnd = useRef<HTMLDivElement>(null);
    const messagesBox = useRef<HTMLDivElement>(null);

    const current = conversations.find((c) => c.id === currentId);

    // On a narrow window the list slides over the chat: focus goes into it, and back to the menu button when dismissed.
    useEffect(() => {
        if (sidebarOpen) document.querySelector<HTMLElement>("#sidebar .new-chat")?.focus();
    }, [sidebarOpen]);
    const dismissSidebar = () => {
        setSidebarOpen(false);
        document.querySelector<HTMLElement>(".menu-button")?.focus();
    };

    useEffect(() => {
        const timer = setTimeout(() => setStorageFull(!saveConversations(localStorage, conversations)), SAVE_DELAY_MS);
        return () => clearTimeout(timer);
    }, [conversations]);
    useEffect(() => void saveSettings(localStorage, settings), [settings]);

    useEffect(() => {
        const controller = new AbortController();
        fetchModels(controller.signal, settings.apiKey).then((list) => {
            setModels(list);
            setModelsState({loading: false});
            setSettings((s) => list.length > 0 && !list.some((m) => m.id === s.model) ? {...s, model: list[0]!.id} : s);
        }, (error: unknown) => {
            if (!controller.signal.aborted) setModelsState({loading: false, error: `Models unavailable (${error instanceof Error ? error.message : String(error)})`});
        });
        return () => controller.abort();
    }, [settings.apiKey]);

    // Follow the stream, unless the reader has scrolled up to read.
    const messageCount = current?.messages.length ?? 0;
    const lastLength = (current?.messages.at(-1)?.content.length ?? 0) + (current?.messages.at(-1)?.reasoning?.length ?? 0);
    useEffect(() => {
        const box = messagesBox.current;
        if (box !== null && box.scrollHeight - box.scrollTop - box.clientHeight < 160) messagesEnd.current?.scrollIntoView({block: "end"});
    }, [messageCount, lastLength, currentId]);

    const updateConversation = useCallback((id: string, update: (c: Conversation) => Conversation) => {
        setConversations((list) => list.map((c) => c.id === id ? update(c) : c));
    }, []);

    /** Streams a reply to `history` into a new assistant message at the end of conversation `id`. */
    const reply = useCallback(async (id: string, history: StoredMessage[]) => {
        const model = settings.model;
        const controller = new AbortController();
        setStreaming({conversationId: id, controller});
        const draft: StoredMessage = {role: "assistant", content: "", reasoning: "", model};
        const write = () => updateConversation(id, (c) => ({...c, updatedAt: Date.now(), messages: [...history, {...draft}]}));
        write();
        const meter = new ReplyMeter(performance.now());
        // Tokens arrive faster than the screen refreshes: redraw at most once per frame.
        let frame: number | undefined;
        const flush = () => {
            frame = undefined;
            draft.stats = meter.stats(performance.now());
            write();
        };
        try {
            const request = {model, messages: requestMessages(history), temperature: settings.temperature, topP: settings.topP,
                ...(settings.contextSize === undefined ? {} : {contextSize: settings.contextSize}),
                ...(settings.thinkBudget === undefined ? {} : {thinkBudget: settings.thinkBudget})};
            for await (const event of streamChat(request, {signal: controller.signal, ...(settings.apiKey === undefined ? {} : {apiKey: settings.apiKey})})) {
                meter.add(event, performance.now());
                if (event.type === "reasoning") draft.reasoning += event.text;
                else if (event.type === "answer") draft.content += event.text;
                frame ??= requestAnimationFrame(flush);
            }
        } catch (error) {
            if (controller.signal.aborted) draft.stopped = true;
            else if (error instanceof ChatStreamError && error.status === 401) draft.error = `${error.message} Set it in Settings → API key.`;
            else draft.error = error instanceof Error ? error.message : String(error);
        } finally {
            if (frame !== undefined) cancelAnimationFrame(frame);
            if (draft.reasoning === "") delete draft.reasoning;
            draft.stats = meter.stats(performance.now());
            write();
            setStreaming(undefined);
        }
    }, [settings, updateConversation]);

    const send = (text: string) => {
        let conversation = current;
        if (conversation === undefined) {
            conversation = newConversation(Date.now(), makeId());
            const created = conversation;
            setConversations((list) => [created, ...list]);
            setCurrentId(created.id);
        }
        const history: StoredMessage[] = [...conversation.messages, {role: "user", content: text}];
        if (conversation.messages.length === 0) {
            const title = titleFrom(text);
            const id = conversation.id;
            setConversations((list) => list.map((c) => c.id === id ? {...c, title} : c));
        }
        void reply(conversation.id, history);
    };

    const regenerate = () => {
        if (current === undefined) return;
        const lastUser = current.messages.findLastIndex((m) => m.role === "user");
        if (lastUser >= 0) void reply(current.id, current.messages.slice(0, lastUser + 1));
    };

    const newChat = () => {
        const empty = conversations.find((c) => c.messages.length === 0);
        if (empty !== undefined) {
            setCurrentId(empty.id);
        } else {
            const created = newConversation(Date.now(), makeId());
            setConversations((list) => [created, ...list]);
            setCurrentId(created.id);
        }
        setSidebarOpen(false);
        requestAnimationFrame(() => document.getElementById("message-input")?.focus());
    };

    const deleteConversation = (id: string) => {
        if (streaming?.conversationId === id) streaming.controller.abort();
        const rest = conversations.filter((c) => c.id !== id);
        setConversations(rest);
        if (currentId === id) setCurrentId(rest[0]?.id);
    };

    const streamingHere = streaming !== undefined && streaming.conversationId === current?.id;
    let blockedReason: string | undefined;
    if (streaming !== undefined && !streamingHere) blockedReason = "A reply is being written in another conversation.";
    else if (!modelsState.loading && models.length === 0) blockedReason = modelsState.error ?? "No model is available: pull one (r1 pull deepseek-r1:1.5b) or start r1 serve --model FILE.gguf.";
    const lastAssistant = current?.messages.findLastIndex((m) => m.role === "assistant") ?? -1;

    return (
        <div class="app">
            <Sidebar conversations={conversations} currentId={currentId} streamingId={streaming?.conversationId} open={sidebarOpen}
                onSelect={(id) => {
                    setCurrentId(id);
                    setSidebarOpen(false);
                }}
                onNew={newChat} onDelete={deleteConversation} onClose={dismissSidebar} />
            {sidebarOpen && <div class="scrim" onClick={dismissSidebar} />}
            <main class="main">
                <header class="topbar">
                    <button type="button" class="icon-button menu-button" aria-label="Conversations" aria-controls="sidebar"
                        aria-expanded={sidebarOpen} onClick={() => setSidebarOpen(!sidebarOpen)}>☰</button>
                    <h1 class="brand">r1</h1>
                    <ModelPicker models={models} loading={modelsState.loading} error={modelsState.error} value={settings.model}
                        onChange={(model) => setSettings((s) => ({...s, model}))} />
                    <div class="topbar-actions">
                        <button type="button" class="button" aria-haspopup="dialog" onClick={() => setPlanOpen(true)}>Plan</button>
                        <button type="button" class="button" aria-haspopup="dialog" onClick={() => setSettingsOpen(true)}>Settings</button>
                    </div>
                </header>
                <div class="messages" ref={messagesBox} role="log" aria-live="polite" aria-label="Chat history">
                    <div class="messages-inner">
                        {(current === undefined || current.messages.length === 0) && (
                            <div class="empty">
                                <h2>Ask R1 anything</h2>
                                <p class="muted">It thinks first — the reasoning is shown apart, collapsed once it answers. Conversations stay in this browser.</p>
                            </div>
                        )}
                        {current?.messages.map((m, i) => (
                            <MessageView key={`${current.id}:${i}`} message={m} live={streamingHere && i === current.messages.length - 1}
                                canRegenerate={streaming === undefined && i === lastAssistant && i === current.messages.length - 1 && models.length > 0}
                                onRegenerate={regenerate} />
                        ))}
                        <div ref={messagesEnd} />
                    </div>
                </div>
                {storageFull && <p class="storage-note muted" role="status">This browser's storage is full: new messages are not saved.</p>}
                <Composer streamingHere={streamingHere} blockedReason={blockedReason} onSend={send}
                    onStop={() => streaming?.controller.abort()} />
            </main>
            <SettingsDialog open={settingsOpen} settings={settings} onChange={setSettings} onClose={() => setSettingsOpen(false)} />
            <PlanDialog open={planOpen} apiKey={settings.apiKey} onClose={() => setPlanOpen(false)} />
        </div>
    );
}
