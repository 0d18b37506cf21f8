import assert from "node:assert/strict";
import {test} from "node:test";
import {formatDuration, formatTokensPerSecond, ReplyMeter} from "../../web/src/replyMeter.js";

test("reply meter: reasoning duration, token counts and speed from a timed stream", () => {
    const meter = new ReplyMeter(1000);
    // First token at 1500 (500 ms to first token), reasoning until 2500, answer tokens until 3000.
    for (let i = 0; i < 11; i++) meter.add({type: "reasoning", text: "r"}, 1500 + i * 100);
    let stats = meter.stats(2600);
    assert.equal(stats.reasoningMs, 1100, "still reasoning: the duration runs to now");
    for (let i = 0; i < 5; i++) meter.add({type: "answer", text: "a"}, 2600 + i * 100);
    stats = meter.stats(9999);
    assert.equal(stats.firstTokenMs, 500);
    assert.equal(stats.reasoningMs, 1100);
    assert.equal(stats.reasoningTokens, 11);
    assert.equal(stats.answerTokens, 5);
    // 16 tokens from 1500 to 3000: 15 intervals in 1.5 s.
    assert.equal(stats.tokensPerSecond, 10);
});

test("reply meter: the server's usage replaces counted chunks", () => {
    const meter = new ReplyMeter(0);
    meter.add({type: "reasoning", text: "r"}, 100);
    meter.add({type: "answer", text: "several tokens in one chunk"}, 1100);
    meter.add({type: "finish", reason: "stop"}, 1100);
    meter.add({type: "usage", usage: {completionTokens: 21, reasoningTokens: 5}}, 1100);
    const stats = meter.stats(1200);
    assert.equal(stats.reasoningTokens, 5);
    assert.equal(stats.answerTokens, 16);
    assert.equal(stats.tokensPerSecond, 20);
});

test("reply meter: the server's timings replace the measured speed; bursts give no speed", () => {
    const burst = new ReplyMeter(0);
    for (let i = 0; i < 50; i++) burst.add({type: "answer", text: "x"}, 100 + i * 0.1);
    assert.equal(burst.stats(200).tokensPerSecond, undefined, `under MIN_SPEED_SPAN_MS nothing is claimed`);
    burst.add({type: "timings", generationTokensPerSecond: 42.5, promptTokensPerSecond: 300}, 200);
    assert.equal(burst.stats(200).tokensPerSecond, 42.5);
    assert.equal(burst.stats(200).promptTokensPerSecond, 300);
});

test("reply meter: no speed from fewer than two tokens; no reasoning figures without reasoning", () => {
    const meter = new ReplyMeter(0);
    assert.deepEqual(meter.stats(10), {reasoningTokens: 0, answerTokens: 0});
    meter.add({type: "answer", text: "x"}, 5);
    const stats = meter.stats(10);
    assert.equal(stats.tokensPerSecond, undefined);
    assert.equal(stats.reasoningMs, undefined);
});

test("formats durations and speeds", () => {
    assert.equal(formatDuration(85.4), "85 ms");
    assert.equal(formatDuration(3210), "3.2 s");
    assert.equal(formatDuration(125_000), "2 min 5 s");
    assert.equal(formatTokensPerSecond(12.345), "12.3 tok/s");
    assert.equal(formatTokensPerSecond(431.6), "432 tok/s");
});
