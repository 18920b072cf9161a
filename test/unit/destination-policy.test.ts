// Which addresses media_url fetches may reach: special ranges refused unless allowed; deny always wins.
import { describe, expect, it } from 'vitest';
import { DestinationPolicy, isPolicyEntry } from '../../server/media/destination-policy.js';

describe('DestinationPolicy', () => {
  const closed = new DestinationPolicy();
  it('refuses loopback, private, link-local, CGNAT, mapped and IPv6 special addresses by default', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(closed.addressAllowed('h', ip), ip).toBe(false);
    }
    for (const ip of ['8.8.8.8', '2a00:1450:4010:c05::64', '172.32.0.1']) expect(closed.addressAllowed('h', ip), ip).toBe(true);
  });

  it('lets the admin allow a block or a host name, and a deny list override both', () => {
    const policy = new DestinationPolicy(['10.20.0.0/16', 'pbx.lan'], ['10.20.5.5', 'evil.example']);
    expect(policy.addressAllowed('x', '10.20.1.1')).toBe(true);
    expect(policy.addressAllowed('x', '10.21.1.1')).toBe(false);
    expect(policy.addressAllowed('pbx.lan', '192.168.0.9')).toBe(true);
    expect(policy.addressAllowed('x', '10.20.5.5')).toBe(false);
    expect(policy.hostAllowed('EVIL.example')).toBe(false);
    expect(policy.addressAllowed('evil.example', '8.8.8.8')).toBe(false);
  });

  it('accepts host names, addresses and CIDR blocks as list entries, nothing else', () => {
    for (const entry of ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'pbx.office.lan']) expect(isPolicyEntry(entry), entry).toBe(true);
    for (const entry of ['10.0.0.0/33', 'http://x', 'a b', '10.0.0.0/x', '-bad.host']) expect(isPolicyEntry(entry), entry).toBe(false);
  });
});
