// What the API shows of server failures and posted URLs: no file system paths, no URL credentials.
import { describe, expect, it } from 'vitest';
import { publicReason, withoutFilePaths, withoutUserinfo } from '../../server/domain/public-text.js';

describe('withoutFilePaths', () => {
  it('replaces absolute paths, leaving URLs, hosts and relative names alone', () => {
    expect(withoutFilePaths("ENOENT: no such file or directory, open '/data/media/tmp/3f2a'")).toBe("ENOENT: no such file or directory, open '<path>'");
    expect(withoutFilePaths('cannot read /srv/earshot/media/ab/cd.wav now')).toBe('cannot read <path> now');
    expect(withoutFilePaths('failed at C:\\earshot\\media\\x.wav')).toBe('failed at <path>');
    expect(withoutFilePaths('HTTP 404 from pbx.example:8080')).toBe('HTTP 404 from pbx.example:8080');
    expect(withoutFilePaths('see https://pbx.example/rec/1.wav and call-17.wav, 8/10 done')).toBe('see https://pbx.example/rec/1.wav and call-17.wav, 8/10 done');
  });
});

describe('publicReason', () => {
  it('names a system error by its code only', () => {
    const error = Object.assign(new Error("ENOSPC: no space left on device, write '/data/media/tmp/x'"), { code: 'ENOSPC', syscall: 'write', path: '/data/media/tmp/x' });
    expect(publicReason(error)).toBe('the server could not store the recording (ENOSPC)');
  });

  it('keeps other messages, without paths', () => {
    expect(publicReason(new Error('HTTP 503 from pbx.example'))).toBe('HTTP 503 from pbx.example');
    expect(publicReason(new Error('bad header in /tmp/earshot-x/stage'))).toBe('bad header in <path>');
  });
});

describe('withoutUserinfo', () => {
  it('drops user:password@ and keeps the rest of the URL', () => {
    expect(withoutUserinfo('https://admin:hunter2@pbx.example:8443/rec/1.wav?x=1')).toBe('https://pbx.example:8443/rec/1.wav?x=1');
    expect(withoutUserinfo('https://token@pbx.example/rec/1.wav')).toBe('https://pbx.example/rec/1.wav');
    expect(withoutUserinfo('https://pbx.example/rec/1.wav')).toBe('https://pbx.example/rec/1.wav');
    expect(withoutUserinfo('not a url')).toBe('not a url');
  });
});
