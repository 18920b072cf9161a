// Start-up checks of the security settings: the admin token's length, trusted proxies, the body budget.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

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

  it('requires EARSHOT_BODY_BUDGET to hold at least one body at the limit', () => {
    expect(loadConfig({}).bodyBudgetBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ EARSHOT_BODY_BUDGET: '20mb', EARSHOT_BODY_LIMIT: '20mb' }).bodyBudgetBytes).toBe(20 * 1024 * 1024);
    expect(() => loadConfig({ EARSHOT_BODY_BUDGET: '5mb' })).toThrow(/EARSHOT_BODY_BUDGET: must be at least EARSHOT_BODY_LIMIT/);
  });
});
