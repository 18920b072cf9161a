// Console text in the viewer's language: the locale from the signed-in user's setting, else the browser's
// Accept-Language (ru or en, by quality), else English; plurals by Intl.PluralRules, never by hand.
import { EN, type Message, type MessageKey } from './messages.js';
import { RU } from './messages-ru.js';
import type { Locale } from '../../domain/principal.js';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const CATALOGUES = new Map<Locale, Record<MessageKey, Message>>([
  ['en', EN],
  ['ru', RU],
]);

export function translator(locale: Locale): Translate {
  const catalogue = CATALOGUES.get(locale)!;
  const plurals = new Intl.PluralRules(locale);
  return (key, params = {}) => {
    const message = catalogue[key];
    const text = typeof message === 'string' ? message : (message[plurals.select(Number(params.count)) as keyof typeof message] ?? message.other);
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
  };
}

/** The best of ru/en in an Accept-Language header (by q), or undefined. */
export function acceptedLocale(header: string | undefined): Locale | undefined {
  const ranked = (header ?? '')
    .split(',')
    .map((part, order) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { language: tag.toLowerCase().split('-')[0]!, q: q === undefined ? 1 : Number(q), order };
    })
    .filter((r) => r.q > 0 && CATALOGUES.has(r.language as Locale))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked[0]?.language as Locale | undefined;
}
