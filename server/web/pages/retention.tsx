// Retention settings (issue 17): the default periods and, per integration, its own periods or the default.
// Empty = keep forever. Saving replaces the settings (PUT semantics of the API). Admins only; text from
// the message catalogue.
import { Hono } from 'hono';
import type { RetentionPeriods } from '../../db/repositories/retention.js';
import type { IntegrationView } from '../../services/integrations.js';
import type { RetentionView } from '../../services/retention.js';
import { CheckboxField, FormErrors, TextField, type FieldErrors } from '../fields.js';
import type { Translate } from '../i18n/translator.js';
import { Csrf } from '../layout.js';
import { fieldErrorsOf, formOf, ticked, type ConsoleContext, type ConsoleEnv, type ConsolePage } from '../page.js';

const PARTS = ['recordings_days', 'transcripts_days', 'communications_days'] as const;
const MAX_DAYS = 36_500;

export const retentionPage: ConsolePage = {
  path: '/retention',
  label: 'nav.retention',
  routes: ({ services, render }) => {
    const app = new Hono<ConsoleEnv>();
    const page = async (c: ConsoleContext, state: { form?: Record<string, string>; errors?: FieldErrors; saved?: boolean; status?: 200 | 422 } = {}) => {
      const [settings, integrations] = await Promise.all([services.retention.settings(), services.integrations.list()]);
      const form = state.form ?? formFromSettings(settings, integrations);
      return render(c, c.var.t('retention.title'), <RetentionForm t={c.var.t} integrations={integrations} form={form} errors={state.errors ?? {}} saved={state.saved ?? false} />, state.status ?? 200);
    };
    app.get('/', (c) => page(c, { saved: c.req.query('saved') === '1' }));
    app.post('/', async (c) => {
      const form = await formOf(c);
      const integrations = await services.integrations.list();
      const errors: FieldErrors = {};
      const periods = (prefix: string): RetentionPeriods => {
        const read = (part: (typeof PARTS)[number]) => {
          const name = `${prefix}.${part}`;
          const text = (Object.hasOwn(form, name) ? form[name]! : '').trim();
          if (text === '') return null;
          const days = Number(text);
          if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) errors[name] = c.var.t('retention.bad_days');
          return days;
        };
        return { recordings_days: read('recordings_days'), transcripts_days: read('transcripts_days'), communications_days: read('communications_days') };
      };
      const settings = { default: periods('default'), integrations: new Map(integrations.filter((i) => ticked(form, `own.${i.id}`)).map((i) => [i.id, periods(i.id)])) };
      if (Object.keys(errors).length > 0) return page(c, { form, errors, status: 422 });
      try {
        await services.retention.update(settings);
      } catch (error) {
        const refused = fieldErrorsOf(error);
        if (!refused) throw error;
        return page(c, { form, errors: refused, status: 422 });
      }
      return c.redirect('/console/retention?saved=1', 303);
    });
    return app;
  },
};

function formFromSettings(settings: RetentionView, integrations: IntegrationView[]): Record<string, string> {
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  const put = (prefix: string, periods: RetentionPeriods) => {
    for (const part of PARTS) form[`${prefix}.${part}`] = periods[part] === null ? '' : String(periods[part]);
  };
  put('default', settings.default);
  for (const integration of integrations) {
    const own = Object.hasOwn(settings.integrations, integration.id) ? settings.integrations[integration.id] : undefined;
    if (own) form[`own.${integration.id}`] = 'true';
    put(integration.id, own ?? settings.default);
  }
  return form;
}

function Periods({ t, prefix, form, errors }: { t: Translate; prefix: string; form: Record<string, string>; errors: FieldErrors }) {
  return (
    <>
      {PARTS.map((part) => (
        <TextField name={`${prefix}.${part}`} label={t(`retention.${part}`)} type="number" value={form[`${prefix}.${part}`]} errors={errors} />
      ))}
    </>
  );
}

function RetentionForm({ t, integrations, form, errors, saved }: { t: Translate; integrations: IntegrationView[]; form: Record<string, string>; errors: FieldErrors; saved: boolean }) {
  return (
    <form method="post" action="/console/retention" class="card">
      <Csrf />
      {saved && (
        <p class="notice" role="status">
          {t('retention.saved')}
        </p>
      )}
      <p>{t('retention.intro')}</p>
      <FormErrors errors={errors} fields={Object.keys(form)} />
      <fieldset>
        <legend>{t('retention.default')}</legend>
        <Periods t={t} prefix="default" form={form} errors={errors} />
      </fieldset>
      {integrations.map((integration) => (
        <fieldset>
          <legend>{integration.name}</legend>
          <CheckboxField name={`own.${integration.id}`} label={t('retention.own', { name: integration.name })} checked={form[`own.${integration.id}`] === 'true'} />
          <Periods t={t} prefix={integration.id} form={form} errors={errors} />
        </fieldset>
      ))}
      <button type="submit">{t('retention.save')}</button>
    </form>
  );
}
