// The address a request comes from: the socket peer, or — when the peer is a trusted reverse proxy
// (EARSHOT_TRUSTED_PROXIES) — the nearest X-Forwarded-For hop that is not itself a trusted proxy.
import { BlockList, isIP } from 'node:net';

/** True for an IP address or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** A set of addresses and CIDR blocks; IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) match their IPv4 form. */
export class AddressList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address!) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address!, family);
      else this.list.addSubnet(address!, Number(prefix), family);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    const ip = unmapV4(address);
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The client's address. X-Forwarded-For is read only when the peer is trusted, right to left (each proxy
 * appends the address it saw), skipping trusted hops; a hop that is not an IP address ends the walk there,
 * since anything left of it could have been written by the client.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: AddressList): string {
  let client = peer ? unmapV4(peer) : 'unknown';
  if (!peer || !forwardedFor || !trusted.has(peer)) return client;
  const hops = forwardedFor.split(',').map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapV4(stripPort(hops[i]!));
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return client;
  }
  return client;
}

function unmapV4(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Some proxies write `1.2.3.4:5678` or `[2001:db8::1]:5678`. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4 ? v4[1]! : hop;
}
