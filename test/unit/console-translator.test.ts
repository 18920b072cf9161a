// The console's message catalogue: Russian plurals by Intl.PluralRules (1 секунду, 2 секунды, 5 секунд,
// 21 секунду), placeholders, and the language chosen from Accept-Language by quality.
import { describe, expect, it } from 'vitest';
import { EN } from '../../server/web/i18n/messages.js';
import { RU } from '../../server/web/i18n/messages-ru.js';
import { acceptedLocale, translator } from '../../server/web/i18n/translator.js';

describe('console translator', () => {
  it('chooses Russian plural forms by the number', () => {
    const t = translator('ru');
    const cases: Array<[number, string]> = [
      [1, 'секунду'],
      [2, 'секунды'],
      [5, 'секунд'],
      [11, 'секунд'],
      [21, 'секунду'],
      [22, 'секунды'],
      [1.5, 'секунды'],
    ];
    for (const [count, word] of cases) expect(t('login.locked', { count })).toBe(`Слишком много неудачных попыток; повторите через ${count} ${word}.`);
  });

  it('chooses English plural forms and fills placeholders', () => {
    const t = translator('en');
    expect(t('login.locked', { count: 1 })).toContain('1 second.');
    expect(t('login.locked', { count: 30 })).toContain('30 seconds.');
    expect(t('invite.length', { min: 10, max: 200 })).toBe('The password needs 10 to 200 characters.');
    expect(t('invite.hint')).toBe('At least {min} characters.'); // a missing value leaves the placeholder, never "undefined"
  });

  it('has every message in both languages, with the same placeholders', () => {
    const names = (m: unknown) => [...JSON.stringify(m).matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
    for (const key of Object.keys(EN) as Array<keyof typeof EN>) {
      expect(RU[key], key).toBeTruthy();
      expect([...new Set(names(RU[key]))], key).toEqual([...new Set(names(EN[key]))]);
    }
  });

  it('takes the best of ru and en from Accept-Language', () => {
    expect(acceptedLocale('ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('ru');
    expect(acceptedLocale('de-DE,de;q=0.9,en;q=0.5,ru;q=0.4')).toBe('en');
    expect(acceptedLocale('en;q=0.2, ru;q=0.8')).toBe('ru');
    expect(acceptedLocale('de, fr')).toBeUndefined();
    expect(acceptedLocale('ru;q=0')).toBeUndefined();
    expect(acceptedLocale(undefined)).toBeUndefined();
    expect(acceptedLocale('__proto__, constructor')).toBeUndefined();
  });
});
