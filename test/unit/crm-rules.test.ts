// CRM rules and templates as pure logic: prototype keys never resolve to Object's members, stray braces and
// unknown custom fields are refused at save time, and missed calls go to the duty user.
import { describe, expect, it } from 'vitest';
import { CrmRulesSchema, crmRulesInput, crmUserOf, missedCallTask, responsibleFor } from '../../server/domain/crm-rules.js';
import { hasStrayBraces, render } from '../../server/domain/templates.js';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const rules = (input: Record<string, unknown> = {}) => CrmRulesSchema.parse(input);

describe('templates', () => {
  it('renders prototype-named custom fields and variables as missing, not as functions', () => {
    for (const key of PROTOTYPE_KEYS) {
      expect(render(`[{{custom_fields.${key}}}]`, { custom_fields: { topic: 'x' } })).toBe('[]');
      expect(render(`[{{${key}}}]`, { client_phone: '+7' })).toBe('[]');
    }
    expect(render('{{custom_fields.topic}} {{client_phone}}', { client_phone: '+7', custom_fields: { topic: ['a', 'b'] } })).toBe('a, b +7');
  });

  it('finds a {{ that does not open a well-formed placeholder', () => {
    expect(hasStrayBraces('Call {{client_phone')).toBe(true);
    expect(hasStrayBraces('Call {{ client phone }}')).toBe(true);
    expect(hasStrayBraces('Call {{client_phone}} {{ uid }}')).toBe(false);
  });
});

describe('rules', () => {
  it('maps no operator through a prototype key of user_map', () => {
    const r = rules({ user_map: { '101': '17' }, duty_user: '99' });
    for (const key of PROTOTYPE_KEYS) {
      expect(crmUserOf(r, key)).toBe('99');
      expect(responsibleFor(r, 'call.finished', key)).toBe('99');
    }
    expect(crmUserOf(rules({ user_map: { '101': '17' } }), 'constructor')).toBeUndefined();
  });

  it('gives a missed call and its task to the duty user, an answered one to the operator', () => {
    const r = rules({ user_map: { '101': '17' }, duty_user: '99' });
    expect(responsibleFor(r, 'call.finished', '101')).toBe('17');
    expect(responsibleFor(r, 'call.missed', '101')).toBe('99');
    expect(responsibleFor(rules({ user_map: { '101': '17' } }), 'call.missed', '101')).toBe('17');
    expect(missedCallTask(r, 'call.missed', '2024-03-01T10:00:00+03:00', '101')).toEqual({ assignee: '99', deadline: new Date('2024-03-01T11:00:00.000Z') });
    expect(missedCallTask(r, 'call.finished', '2024-03-01T10:00:00+03:00', '101')).toBeUndefined();
    expect(missedCallTask(rules({ missed_call_task: { enabled: false } }), 'call.missed', '2024-03-01T10:00:00Z', null)).toBeUndefined();
  });

  it('refuses at save time stray braces, undefined custom fields, case/space twins and a __proto__ user_map key, with paths', () => {
    const input = crmRulesInput(new Set(['topic']));
    const paths = (value: unknown) => {
      const parsed = input.safeParse(value);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ templates: { subject: 'Call {{client_phone' } })).toEqual(['templates.subject']);
    expect(paths({ field_mapping: [{ crm_field: 'cf_a', value: '{{custom_fields.unknown}}' }] })).toEqual(['field_mapping.0.value']);
    expect(paths({ field_mapping: [{ crm_field: 'cf_a', value: '{{custom_fields.constructor}}' }] })).toEqual(['field_mapping.0.value']);
    expect(paths({ field_mapping: [{ crm_field: 'Phone', value: 'a' }, { crm_field: ' phone', value: 'b' }] })).toEqual(['field_mapping.1.crm_field']);
    expect(paths(JSON.parse('{"user_map": {"__proto__": "5"}}'))).toEqual(['user_map.__proto__']);
    // The same name on the ticket and on the contact is two fields.
    expect(paths({ field_mapping: [{ crm_field: 'cf_utm', value: '{{custom_fields.topic}}' }, { crm_field: 'cf_utm', value: '{{custom_fields.topic}}', entity: 'contact' }] })).toEqual([]);
  });
});
