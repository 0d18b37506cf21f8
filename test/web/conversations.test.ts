import assert from "node:assert/strict";
import {test} from "node:test";
import {
    DEFAULT_SETTINGS, loadConversations, loadSettings, MAX_CONVERSATIONS, newConversation, saveConversations, saveSettings, titleFrom,
    type KeyValueStorage
} from "../../web/src/conversations.js";

function memoryStorage(): KeyValueStorage & {data: Map<string, string>} {
    const data = new Map<string, string>();
    return {data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v)};
}

test("conversations round-trip through storage, newest first, capped at MAX_CONVERSATIONS", () => {
    const storage = memoryStorage();
    const list = Array.from({length: MAX_CONVERSATIONS + 5}, (_, i) => ({...newConversation(i, `c${i}`),
        messages: [{role: "user" as const, content: `q${i}`}, {role: "assistant" as const, content: "a", reasoning: "r"}]}));
    assert.equal(saveConversations(storage, list), true);
    const loaded = loadConversations(storage);
    assert.equal(loaded.length, MAX_CONVERSATIONS);
    assert.equal(loaded[0]!.id, `c${MAX_CONVERSATIONS + 4}`);
    assert.equal(loaded[0]!.messages[1]!.reasoning, "r");
});

test("unreadable storage gives an empty list; a full one reports false instead of throwing", () => {
    const storage = memoryStorage();
    storage.data.set("r1.conversations.v1", "{not json");
    assert.deepEqual(loadConversations(storage), []);
    storage.data.set("r1.conversations.v1", JSON.stringify([{id: 1}, {id: "ok", title: "t", updatedAt: 1, messages: []}]));
    assert.deepEqual(loadConversations(storage).map((c) => c.id), ["ok"]);
    const full: KeyValueStorage = {getItem: () => null, setItem: () => {
        throw new Error("QuotaExceededError");
    }};
    assert.equal(saveConversations(full, [newConversation(0, "x")]), false);
    assert.equal(saveSettings(full, DEFAULT_SETTINGS), false);
});

test("settings: defaults, round trip, wrong types ignored", () => {
    const storage = memoryStorage();
    assert.deepEqual(loadSettings(storage), DEFAULT_SETTINGS);
    saveSettings(storage, {model: "m", temperature: 0.3, topP: 0.8, contextSize: 4096, thinkBudget: 100});
    assert.deepEqual(loadSettings(storage), {model: "m", temperature: 0.3, topP: 0.8, contextSize: 4096, thinkBudget: 100});
    storage.data.set("r1.settings.v1", JSON.stringify({temperature: "hot", topP: null}));
    assert.deepEqual(loadSettings(storage), DEFAULT_SETTINGS);
});

test("titles come from the first line of the first message", () => {
    assert.equal(titleFrom("  What is 2+2?\nmore"), "What is 2+2?");
    assert.equal(titleFrom("   "), "New chat");
    assert.equal(titleFrom("x".repeat(200)).length, 80);
});
