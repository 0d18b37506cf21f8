import assert from "node:assert/strict";
import {test} from "node:test";
import {InvalidCidrError, isAllowed, isLoopbackHost, parseCidr, parseRpcServerBanner} from "../../../src/engine/rpcWorker/index.js";

test("isAllowed: IPv4 and IPv6 ranges, IPv4-mapped peers, single hosts", () => {
    const lan = [parseCidr("192.168.1.0/24")];
    assert.equal(isAllowed("192.168.1.77", lan), true);
    assert.equal(isAllowed("::ffff:192.168.1.77", lan), true, "a dual-stack socket reports IPv4 peers mapped");
    assert.equal(isAllowed("192.168.2.1", lan), false);
    assert.equal(isAllowed("127.0.0.1", lan), false);
    assert.equal(isAllowed("10.1.2.3", [parseCidr("10.0.0.0/8")]), true);
    assert.equal(isAllowed("10.1.2.3", [parseCidr("10.1.2.4")]), false);
    assert.equal(isAllowed("10.1.2.4", [parseCidr("10.1.2.4")]), true);
    assert.equal(isAllowed("fd00::1234", [parseCidr("fd00::/8")]), true);
    assert.equal(isAllowed("fe80::1", [parseCidr("fd00::/8")]), false);
    assert.equal(isAllowed("2001:db8::1", [parseCidr("0.0.0.0/0")]), false, "an IPv4 range never admits IPv6 peers");
    assert.equal(isAllowed("203.0.113.9", [parseCidr("0.0.0.0/0")]), true);
    assert.equal(isAllowed(undefined, lan), false);
    for (const bad of ["", "10.0.0.0/33", "fd00::/129", "example.com", "10.0.0/8", "10.0.0.0/x"])
        assert.throws(() => parseCidr(bad), InvalidCidrError, bad);
});

test("isLoopbackHost: 127/8, ::1 and localhost are loopback; any other address is not", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "fd00::1", "myhost"]) assert.equal(isLoopbackHost(host), false, host);
});

test("parseRpcServerBanner: version and devices with their memory", () => {
    const banner = parseRpcServerBanner([
        "Starting RPC server v6.0.0", "  endpoint       : 127.0.0.1:50052", "  local cache    : n/a", "Devices:",
        "  CUDA0: NVIDIA GeForce RTX 4090 (24080 MiB, 23500 MiB free)", "  CPU: Intel(R) Xeon(R) Processor (25907 MiB, 25907 MiB free)",
        "  transport      : TCP", "Accepted client connection"
    ]);
    assert.deepEqual(banner, {version: "6.0.0", devices: [
        {name: "CUDA0", description: "NVIDIA GeForce RTX 4090", totalBytes: 24080 * 2 ** 20, freeBytes: 23500 * 2 ** 20},
        {name: "CPU", description: "Intel(R) Xeon(R) Processor", totalBytes: 25907 * 2 ** 20, freeBytes: 25907 * 2 ** 20}
    ]});
    assert.deepEqual(parseRpcServerBanner(["nothing"]), {devices: []});
});
