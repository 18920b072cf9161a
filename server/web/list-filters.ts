// The communications list's filter form: which controls it shows (core fields plus one per filterable
// custom field, each type with its own control), and how the URL's query parameters become a search
// request in the filter AST's JSON. Pure: no I/O, so the URL ↔ filter mapping is unit-tested.
import { DateTime } from 'luxon';
import type { CustomFieldType } from '../domain/custom-field-types.js';
import type { SortKey } from '../domain/sorting.js';
import type { MessageKey } from './i18n/messages.js';
import type { Translate } from './i18n/translator.js';

export type ControlKind = 'text' | 'select' | 'number_range' | 'date_range' | 'boolean';

export interface FilterControl {
  /** The query parameter (ranges add `.min`/`.max` or `.from`/`.to`). */
  param: string;
  label: string;
  kind: ControlKind;
  /** The search field the control filters on. */
  field: string;
  /** For text controls: eq on a scalar, contains on an array. */
  op?: 'eq' | 'contains';
  /** For text controls over a number array: the value is a number. */
  numeric?: boolean;
  options?: Array<{ value: string; label: string }>;
}

export interface FilterableField {
  key: string;
  name: string;
  type: CustomFieldType;
  options: string[] | null;
}

/** The core fields' controls, labelled in the viewer's language. */
export function coreControls(t: Translate): FilterControl[] {
  return [
    { param: 'kind', label: t('filters.kind'), kind: 'select', field: 'kind', options: [{ value: 'call', label: t('filters.kind.call') }, { value: 'chat', label: t('filters.kind.chat') }] },
    {
      param: 'direction',
      label: t('filters.direction'),
      kind: 'select',
      field: 'direction',
      options: [{ value: 'incoming', label: t('filters.direction.incoming') }, { value: 'outcoming', label: t('filters.direction.outcoming') }],
    },
    { param: 'started', label: t('filters.started'), kind: 'date_range', field: 'started_at' },
    { param: 'duration', label: t('filters.duration'), kind: 'number_range', field: 'duration' },
    { param: 'operator', label: t('filters.operator'), kind: 'text', field: 'operator_external_id', op: 'eq' },
    { param: 'phone', label: t('filters.phone'), kind: 'text', field: 'client_phone', op: 'eq' },
    { param: 'tag', label: t('filters.tag'), kind: 'text', field: 'tags', op: 'contains' },
    { param: 'nps', label: t('filters.nps'), kind: 'number_range', field: 'nps' },
  ];
}

/** One control per filterable custom field, fitted to its type. */
export function customControls(fields: FilterableField[]): FilterControl[] {
  return fields.map((f): FilterControl => {
    const base = { param: `cf.${f.key}`, label: f.name, field: `cf.${f.key}` };
    switch (f.type) {
      case 'number':
      case 'duration':
        return { ...base, kind: 'number_range' };
      case 'datetime':
        return { ...base, kind: 'date_range' };
      case 'boolean':
        return { ...base, kind: 'boolean' };
      case 'enum':
        return { ...base, kind: 'select', options: (f.options ?? []).map((o) => ({ value: o, label: o })) };
      case 'string_array':
        return { ...base, kind: 'text', op: 'contains' };
      case 'number_array':
        return { ...base, kind: 'text', op: 'contains', numeric: true };
      case 'string':
      case 'string_url':
        return { ...base, kind: 'text', op: 'eq' };
    }
  });
}

/** The query parameters a control reads. */
export function paramsOf(control: FilterControl): string[] {
  if (control.kind === 'number_range') return [`${control.param}.min`, `${control.param}.max`];
  if (control.kind === 'date_range') return [`${control.param}.from`, `${control.param}.to`];
  return [control.param];
}

/** A Map, so `?sort=constructor` finds no order rather than Object's constructor. */
export const SORTS: ReadonlyMap<string, { label: MessageKey; keys: SortKey[] }> = new Map<string, { label: MessageKey; keys: SortKey[] }>([
  ['newest', { label: 'sort.newest', keys: [{ field: 'started_at', dir: 'desc' }] }],
  ['oldest', { label: 'sort.oldest', keys: [{ field: 'started_at', dir: 'asc' }] }],
  ['longest', { label: 'sort.longest', keys: [{ field: 'duration', dir: 'desc' }] }],
  ['shortest', { label: 'sort.shortest', keys: [{ field: 'duration', dir: 'asc' }] }],
]);
export const PAGE_SIZES = [25, 50, 100] as const;

export interface ListRequest {
  q: string | undefined;
  filter: { and: unknown[] } | undefined;
  sort: SortKey[];
  limit: number;
  cursor: string | undefined;
  /** Messages by query parameter, for values that cannot be read (shown next to their control). */
  errors: Record<string, string>;
}

const MAX_TEXT = 500;

/**
 * Reads the list's query parameters. Empty parameters mean "any"; a value that cannot be read is
 * reported under its parameter and left out of the filter. Dates are days in the viewer's time zone
 * (`tz`, sent by the page's script; UTC without it); "to" includes its whole day.
 */
export function readListQuery(query: Record<string, string | undefined>, controls: FilterControl[]): ListRequest {
  const errors: Record<string, string> = {};
  const conditions: unknown[] = [];
  const get = (name: string) => {
    const value = query[name]?.trim();
    return value ? value : undefined;
  };
  const zone = get('tz') && DateTime.local().setZone(get('tz')!).isValid ? get('tz')! : 'UTC';

  const number = (name: string): number | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw.replace(',', '.'));
    if (!Number.isFinite(n)) errors[name] = 'enter a number';
    return Number.isFinite(n) ? n : undefined;
  };
  const day = (name: string, end: boolean): string | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    const date = DateTime.fromISO(raw, { zone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || !date.isValid) {
      errors[name] = 'enter a date as YYYY-MM-DD';
      return undefined;
    }
    return (end ? date.plus({ days: 1 }) : date).startOf('day').toUTC().toISO()!;
  };
  const text = (name: string): string | undefined => {
    const raw = get(name);
    if (raw !== undefined && raw.length > MAX_TEXT) {
      errors[name] = `at most ${MAX_TEXT} characters`;
      return undefined;
    }
    return raw;
  };

  for (const control of controls) {
    switch (control.kind) {
      case 'text': {
        const value = text(control.param);
        if (value === undefined) break;
        if (control.numeric) {
          const n = number(control.param);
          if (n !== undefined) conditions.push({ field: control.field, op: control.op ?? 'eq', value: n });
        } else conditions.push({ field: control.field, op: control.op ?? 'eq', value });
        break;
      }
      case 'select': {
        const value = get(control.param);
        if (value === undefined) break;
        if (!control.options?.some((o) => o.value === value)) errors[control.param] = 'choose one of the listed values';
        else conditions.push({ field: control.field, op: 'eq', value });
        break;
      }
      case 'boolean': {
        const value = get(control.param);
        if (value === undefined) break;
        if (value !== 'true' && value !== 'false') errors[control.param] = 'choose yes or no';
        else conditions.push({ field: control.field, op: 'eq', value: value === 'true' });
        break;
      }
      case 'number_range': {
        const [min, max] = [number(`${control.param}.min`), number(`${control.param}.max`)];
        if (min !== undefined) conditions.push({ field: control.field, op: 'gte', value: min });
        if (max !== undefined) conditions.push({ field: control.field, op: 'lte', value: max });
        break;
      }
      case 'date_range': {
        const [from, to] = [day(`${control.param}.from`, false), day(`${control.param}.to`, true)];
        if (from !== undefined) conditions.push({ field: control.field, op: 'gte', value: from });
        if (to !== undefined) conditions.push({ field: control.field, op: 'lt', value: to });
        break;
      }
    }
  }

  const q = text('q');
  const sortName = get('sort') ?? 'newest';
  const sort = SORTS.get(sortName);
  if (!sort) errors.sort = 'choose one of the listed orders';
  const limit = Number(get('limit') ?? 50);
  if (!(PAGE_SIZES as readonly number[]).includes(limit)) errors.limit = `choose ${PAGE_SIZES.join(', ')}`;
  const cursor = get('cursor');
  return {
    q,
    filter: conditions.length > 0 ? { and: conditions } : undefined,
    sort: (sort ?? SORTS.get('newest')!).keys,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : 50,
    cursor: cursor && cursor.length <= 2000 ? cursor : undefined,
    errors,
  };
}
