// The downloader's reading of a response, as a table: status and headers in, action out.
import assert from "node:assert/strict";
import {describe, test} from "node:test";
import {interpretDownloadResponse, MAX_RETRY_AFTER_MS, parseRetryAfter, type DownloadResponseAction, type DownloadResponseContext,
    type DownloadResponseHead} from "../../src/store/interpretDownloadResponse.js";

const NOW = Date.parse("2026-12-06T08:00:00Z");
const CASES: [string, DownloadResponseHead, DownloadResponseContext, DownloadResponseAction][] = [
    ["200 from the start: read, size from Content-Length", {status: 200, contentLength: "1000"}, {offset: 0}, {kind: "read", restart: false, total: 1000}],
    ["200 without a length: read, size unknown", {status: 200}, {offset: 0}, {kind: "read", restart: false}],
    ["200 without a length keeps the expected size", {status: 200}, {offset: 0, total: 1000, expectedSize: 1000}, {kind: "read", restart: false, total: 1000}],
    ["206 at our offset: read on", {status: 206, contentRange: "bytes 400-999/1000"}, {offset: 400}, {kind: "read", restart: false, total: 1000}],
    ["206 with an unknown total", {status: 206, contentRange: "bytes 400-999/*"}, {offset: 400, total: 1000}, {kind: "read", restart: false, total: 1000}],
    ["206 at another offset: retry", {status: 206, contentRange: "bytes 0-999/1000"}, {offset: 400},
        {kind: "retry", reason: "the server answered a different range (bytes 0-999/1000)"}],
    ["206 without Content-Range: retry", {status: 206}, {offset: 400}, {kind: "retry", reason: "the server answered a different range (none)"}],
    ["200 to a Range: the server ignores Range, start over", {status: 200, contentLength: "1000"}, {offset: 400}, {kind: "read", restart: true, total: 1000}],
    ["a size other than expected: refused", {status: 200, contentLength: "999"}, {offset: 0, expectedSize: 1000}, {kind: "size-mismatch", announced: 999}],
    ["a 206 total other than expected: refused", {status: 206, contentRange: "bytes 400-998/999"}, {offset: 400, expectedSize: 1000}, {kind: "size-mismatch", announced: 999}],
    ["416 for exactly our length: complete", {status: 416, contentRange: "bytes */1000"}, {offset: 1000, total: 1000}, {kind: "complete", total: 1000}],
    ["416 for exactly our length, size unknown: complete", {status: 416, contentRange: "bytes */1000"}, {offset: 1000}, {kind: "complete", total: 1000}],
    ["416 for another length: start over", {status: 416, contentRange: "bytes */900"}, {offset: 1000}, {kind: "restart", reason: "the server rejected the resume range"}],
    ["416 without a Range of ours: a plain failure", {status: 416}, {offset: 0}, {kind: "fail", status: 416}],
    ["503 with Retry-After seconds", {status: 503, retryAfter: "7"}, {offset: 0}, {kind: "retry", reason: "HTTP 503", status: 503, retryAfterMs: 7000}],
    ["429 with an HTTP date", {status: 429, retryAfter: "Sun, 06 Dec 2026 08:00:05 GMT"}, {offset: 0, now: NOW}, {kind: "retry", reason: "HTTP 429", status: 429, retryAfterMs: 5000}],
    ["408: retry", {status: 408}, {offset: 10}, {kind: "retry", reason: "HTTP 408", status: 408}],
    ["404: fail", {status: 404}, {offset: 0}, {kind: "fail", status: 404}],
    ["403: fail", {status: 403}, {offset: 400}, {kind: "fail", status: 403}],
    ["302 that was not followed: fail", {status: 302}, {offset: 0}, {kind: "fail", status: 302}]
];

describe("interpretDownloadResponse", () => {
    for (const [name, head, context, expected] of CASES) test(name, () => assert.deepEqual(interpretDownloadResponse(head, context), expected));
});

describe("parseRetryAfter", () => {
    test("seconds, dates, caps and garbage", () => {
        assert.equal(parseRetryAfter("0"), 0);
        assert.equal(parseRetryAfter("3600"), MAX_RETRY_AFTER_MS);
        assert.equal(parseRetryAfter("Sun, 06 Dec 2026 07:59:00 GMT", NOW), 0, "a date in the past is now");
        assert.equal(parseRetryAfter("soon"), undefined);
        assert.equal(parseRetryAfter(""), undefined);
        assert.equal(parseRetryAfter(null), undefined);
    });
});
