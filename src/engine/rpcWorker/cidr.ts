import net from "node:net";
import {ExitCode, R1Error} from "../../util/R1Error.js";

/** A parsed `--allow` entry: an address range. */
export interface Cidr {
    readonly text: string;
    readonly family: 4 | 6;
    /** The network's address as 16 bytes (IPv4 as IPv4-mapped IPv6). */
    readonly bytes: Uint8Array;
    /** Prefix length over the 128-bit form. */
    readonly prefix: number;
}

/** An `--allow` value that is not an address or `address/prefix`. */
export class InvalidCidrError extends R1Error {
    readonly value: string;

    constructor(value: string) {
        super(`--allow ${value} is not an address range`, {exitCode: ExitCode.usage, hint: "give CIDRs such as 192.168.1.0/24, 10.0.0.5 or fd00::/8"});
        this.value = value;
    }
}

/** 16 bytes of an IPv4 or IPv6 address (IPv4 and `::ffff:a.b.c.d` map to the same bytes), or `undefined`. */
export function addressBytes(address: string): Uint8Array | undefined {
    const family = net.isIP(address);
    if (family === 4) {
        const bytes = new Uint8Array(16);
        bytes[10] = 0xff;
        bytes[11] = 0xff;
        address.split(".").forEach((part, i) => bytes[12 + i] = Number(part));
        return bytes;
    }
    if (family !== 6) return undefined;
    const zoneless = address.replace(/%.*$/, "");
    // A dotted IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups.
    const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(zoneless);
    const text = dotted === null ? zoneless : (() => {
        const v4 = dotted[2]!.split(".").map(Number);
        return `${dotted[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
    })();
    const [head, tail] = text.includes("::") ? text.split("::") as [string, string] : [text, undefined];
    const headGroups = head === "" ? [] : head.split(":");
    const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
    const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
    if (groups.length !== 8) return undefined;
    const bytes = new Uint8Array(16);
    groups.forEach((group, i) => {
        const value = parseInt(group, 16);
        bytes[2 * i] = value >> 8;
        bytes[2 * i + 1] = value & 0xff;
    });
    return bytes;
}

/** Parses `a.b.c.d[/n]` or `x:y::z[/n]`; a bare address is a single host. */
export function parseCidr(text: string): Cidr {
    const [address = "", prefixText] = text.trim().split("/");
    const family = net.isIP(address);
    const bytes = addressBytes(address);
    if (bytes === undefined || (family !== 4 && family !== 6)) throw new InvalidCidrError(text);
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= max)) throw new InvalidCidrError(text);
    return {text, family, bytes, prefix: family === 4 ? prefix + 96 : prefix};
}

/** Whether `address` (a socket's `remoteAddress`) lies in one of `ranges`. */
export function isAllowed(address: string | undefined, ranges: readonly Cidr[]): boolean {
    if (address === undefined) return false;
    const bytes = addressBytes(address);
    if (bytes === undefined) return false;
    return ranges.some((range) => {
        for (let bit = 0; bit < range.prefix; bit++) {
            const mask = 0x80 >> (bit % 8);
            if ((bytes[bit >> 3]! & mask) !== (range.bytes[bit >> 3]! & mask)) return false;
        }
        return true;
    });
}

/** Whether a `--host` value binds only the loopback interface. */
export function isLoopbackHost(host: string): boolean {
    if (host === "localhost") return true;
    const bytes = addressBytes(host);
    if (bytes === undefined) return false;
    return isAllowed(host, [parseCidr("127.0.0.0/8"), parseCidr("::1/128")]);
}
