// Whose address a request is counted under: the socket peer, or X-Forwarded-For behind a trusted proxy.
import { describe, expect, it } from 'vitest';
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
