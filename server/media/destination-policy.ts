// Where outbound recording fetches may go: public addresses by default; private, loopback and other
// special ranges only when the admin lists them (EARSHOT_MEDIA_FETCH_ALLOW); a deny list always wins.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { isAddressOrCidr } from '../domain/client-address.js';

const SPECIAL_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
const SPECIAL_V6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8', '64:ff9b::/96', '2001:db8::/32'];

function blockListOf(entries: string[]): { list: BlockList; hosts: Set<string> } {
  const list = new BlockList();
  const hosts = new Set<string>();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!);
    if (family === 0) hosts.add(entry.toLowerCase());
    else if (prefix === undefined) list.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
    else list.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return { list, hosts };
}

/** True for an entry the policy lists accept: a host name, an IP address, or a CIDR block. */
export function isPolicyEntry(entry: string): boolean {
  return isAddressOrCidr(entry) || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry);
}

export class DestinationPolicy {
  private readonly special = blockListOf([...SPECIAL_V4, ...SPECIAL_V6]);
  private readonly allow: ReturnType<typeof blockListOf>;
  private readonly deny: ReturnType<typeof blockListOf>;

  constructor(allow: string[] = [], deny: string[] = []) {
    this.allow = blockListOf(allow);
    this.deny = blockListOf(deny);
  }

  /** Whether a host name may be contacted at all (before resolving it). */
  hostAllowed(host: string): boolean {
    return !this.deny.hosts.has(host.toLowerCase());
  }

  /** Whether `address`, resolved from `host`, may be contacted. */
  addressAllowed(host: string, address: string): boolean {
    const ip = unmapV4(address);
    const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    if (this.deny.hosts.has(host.toLowerCase()) || this.deny.list.check(ip, family)) return false;
    if (this.allow.hosts.has(host.toLowerCase()) || this.allow.list.check(ip, family)) return true;
    return !this.special.list.check(ip, family);
  }
}

function unmapV4(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for node:http that keeps only the addresses the policy allows (so a name cannot resolve its
 * way past it); `refuse` makes the error when none is left. Shared by media fetching and CRM pushes.
 */
export function checkedLookup(policy: DestinationPolicy, host: string, refuse: (message: string) => Error) {
  return (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((a) => policy.addressAllowed(host, a.address));
      if (allowed.length === 0) return callback(refuse(`destination ${host} resolves only to addresses that are not allowed`), []);
      if (lookupOptions.all) callback(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
