// Whose address a request is counted under: the socket peer, or X-Forwarded-For behind a trusted proxy;
// and the start-up checks of EARSHOT_TRUSTED_PROXIES and EARSHOT_ADMIN_TOKEN.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { AddressList, clientAddress, isAddressOrCidr } from '../../server/domain/client-address.js';

const proxies = new AddressList(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);

describe('clientAddress', () => {
  it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', proxies)).toBe('203.0.113.9');
    expect(clientAddress('203.0.113.9', undefined, proxies)).toBe('203.0.113.9');
    expect(clientAddress('198.51.100.7', '198.51.100.1', new AddressList([]))).toBe('198.51.100.7');
  });

  it('reads X-Forwarded-For right to left behind a trusted proxy, skipping trusted hops', () => {
    expect(clientAddress('10.1.2.3', '198.51.100.1', proxies)).toBe('198.51.100.1');
    // The client wrote a fake first hop; the proxies appended the real one and their own.
    expect(clientAddress('10.1.2.3', '1.1.1.1, 198.51.100.1, 192.168.1.5', proxies)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:10.1.2.3', '198.51.100.1:5123', proxies)).toBe('198.51.100.1');
    expect(clientAddress('fd00::1', '[2001:db8::7]:443', proxies)).toBe('2001:db8::7');
  });

  it('stops at a hop that is not an address, and is the leftmost hop when every hop is trusted', () => {
    expect(clientAddress('10.1.2.3', 'garbage, 10.9.9.9', proxies)).toBe('10.9.9.9');
    expect(clientAddress('10.1.2.3', '10.7.7.7, 10.9.9.9', proxies)).toBe('10.7.7.7');
    expect(clientAddress('10.1.2.3', '', proxies)).toBe('10.1.2.3');
  });

  it('is "unknown" without a socket (in-process requests)', () => {
    expect(clientAddress(undefined, '198.51.100.1', proxies)).toBe('unknown');
  });

  it('accepts addresses and CIDR blocks only', () => {
    expect(['10.0.0.0/8', '::1', '2001:db8::/32', '127.0.0.1'].every(isAddressOrCidr)).toBe(true);
    expect(['proxy.local', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x', ''].some(isAddressOrCidr)).toBe(false);
  });
});

describe('configuration', () => {
  it('requires an admin token of at least 32 characters, naming the variable', () => {
    expect(() => loadConfig({ EARSHOT_ADMIN_TOKEN: 'a'.repeat(31) })).toThrow(/EARSHOT_ADMIN_TOKEN: must be at least 32 characters/);
    expect(() => loadConfig({ EARSHOT_ADMIN_TOKEN: ` ${'a'.repeat(30)} ` })).toThrow(/EARSHOT_ADMIN_TOKEN/);
    expect(loadConfig({ EARSHOT_ADMIN_TOKEN: 'a'.repeat(32) }).adminToken).toBe('a'.repeat(32));
  });

  it('parses EARSHOT_TRUSTED_PROXIES and refuses host names', () => {
    expect(loadConfig({ EARSHOT_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' }).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(() => loadConfig({ EARSHOT_TRUSTED_PROXIES: 'proxy.local' })).toThrow(/EARSHOT_TRUSTED_PROXIES: expected a comma-separated list of IP addresses and CIDR blocks/);
  });
});
