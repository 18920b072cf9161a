// Splitting a pull source's secrets off its config and joining them back gives the same URL the driver
// parses (percent-encoded passwords, ports, queries kept); masks leave nothing secret.
import { describe, expect, it } from 'vitest';
import { joinSecrets, maskSecrets, splitSecrets } from '../../server/sources/secrets.js';

describe('pull-source secrets', () => {
  it.each([
    'mysql://reader:p%40ss%2Fw0rd@10.0.0.5:3306/asteriskcdrdb?charset=utf8mb4',
    'postgres://earshot:s3cret@pbx.lan/cdr',
    'postgresql://u:pw@[::1]:5432/db?sslmode=require',
  ])('round-trips %s', (url) => {
    const { config, secrets } = splitSecrets({ url, table: 'cdr' });
    expect(JSON.stringify(config)).not.toMatch(/p%40ss|s3cret|:pw@/);
    expect(new URL(joinSecrets(config, secrets).url as string).password).toBe(new URL(url).password);
    expect(new URL(joinSecrets(config, secrets).url as string).href).toBe(new URL(url).href);
  });

  it('takes password fields whole, leaves URLs without a password untouched, masks what it took', () => {
    const config = { url: 'http://pbx:8088/ari', username: 'earshot', password: 'pw', recordings_url: 'http://u@x/monitor' };
    expect(splitSecrets(config)).toEqual({ config: { url: 'http://pbx:8088/ari', username: 'earshot', recordings_url: 'http://u@x/monitor' }, secrets: { password: 'pw' } });
    expect(maskSecrets({ ...config, url: 'mysql://r:pw@h/db' })).toEqual({ ...config, password: '********', url: 'mysql://r:********@h/db' });
  });
});
