// One communication: the recording in a player with seeking (the signed playback URL answers Range
// requests), the transcript with the searched words marked and click-to-seek on each segment, the
// custom fields ("additional information") and tags.
import { integrationScope } from '../../domain/access-scope.js';
import { NotFound } from '../../domain/errors.js';
import type { Services } from '../../services/index.js';
import { formatBytes, formatDuration, formatTime } from '../format.js';
import { MarkTerms, queryTerms } from '../highlight.js';
import { consoleScope, roleOf, type ConsoleContext, type Render } from '../page.js';
import { ClientCard, clientCardOf, Deliveries, Messages, SessionTags } from '../communication-extras.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Detail = Awaited<ReturnType<Services['communications']['get']>>;
interface Segment {
  speaker?: string;
  start?: number;
  end?: number;
  text: string;
}

export async function communicationView(c: ConsoleContext, services: Services, render: Render) {
  const id = c.req.param('id') ?? '';
  if (!UUID.test(id)) throw new NotFound('communication', 'communication_not_found');
  const scope = await consoleScope(c, services);
  const [detail, fields] = await Promise.all([services.communications.get(scope, id.toLowerCase()), services.customFields.list()]);
  await c.var.audit.record('communication.viewed', { type: 'communication', id: detail.id });
  // The session tags this communication's integration may use: its own and the shared ones.
  const dictionary = await services.clients.listTags(integrationScope(detail.integration_id), 'session');
  const card = await clientCardOf(services, scope, detail);
  const role = roleOf(c);
  const names = new Map(fields.map((f) => [f.key, f.name]));
  const title = `${detail.kind === 'call' ? 'Call' : 'Chat'} ${formatTime(detail.started_at)}`;
  return render(
    c,
    title,
    <>
      <CommunicationPage detail={detail} names={names} terms={queryTerms(c.req.query('q'))} back={c.req.query('q')} />
      <Messages detail={detail} />
      <div class="grid">
        <ClientCard card={card} />
        <SessionTags detail={detail} dictionary={dictionary.map((t) => t.tag)} error={c.req.query('tag_error')} editable={role !== 'operator'} />
      </div>
      <Deliveries detail={detail} replayable={role === 'admin'} />
    </>,
  );
}

function CommunicationPage({ detail, names, terms, back }: { detail: Detail; names: Map<string, string>; terms: string[]; back: string | undefined }) {
  const media = detail.media;
  const stored = media && media.url !== null ? media : null;
  const playable = stored ? localPath(stored.url) : null;
  const segments = transcriptSegments(detail.transcript);
  return (
    <>
      <p>
        <a href={back ? `/console/communications?q=${encodeURIComponent(back)}` : '/console/communications'}>← Back to the list</a>
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="h-about">
          <h2 id="h-about">About</h2>
          <dl>
            <dt>Started</dt>
            <dd>
              <time datetime={detail.started_at}>{formatTime(detail.started_at)}</time>
            </dd>
            <dt>Direction</dt>
            <dd>{detail.direction ?? '—'}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(detail.duration)}</dd>
            <dt>Operator</dt>
            <dd>{detail.operator ? [detail.operator.external_id, [detail.operator.first_name, detail.operator.last_name].filter(Boolean).join(' ')].filter(Boolean).join(' — ') : '—'}</dd>
            <dt>Client</dt>
            <dd>
              {[detail.client_phone_number, detail.client && [detail.client.first_name, detail.client.last_name].filter(Boolean).join(' '), detail.client?.company_name]
                .filter(Boolean)
                .join(' · ') || '—'}
            </dd>
            <dt>UID</dt>
            <dd>
              <code>{detail.uid}</code>
            </dd>
            {detail.nps !== null && (
              <>
                <dt>NPS</dt>
                <dd>{detail.nps}</dd>
              </>
            )}
            <dt>Tags</dt>
            <dd data-testid="tags">{detail.tags.length ? detail.tags.map((t) => <span class="tag">{t}</span>) : '—'}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="h-recording">
          <h2 id="h-recording">Recording</h2>
          {stored && playable ? (
            <>
              <audio id="player" controls preload="metadata" src={playable} aria-label="Call recording"></audio>
              <p class="hint">
                {stored.format ?? stored.mime}, {formatDuration(stored.duration)}, {formatBytes(stored.size)}
                {stored.state === 'corrupt' ? ` — the file could not be read as audio: ${stored.error ?? ''}` : ''}
              </p>
            </>
          ) : (
            <p>{media ? `Recording ${media.state}${media.error ? `: ${media.error}` : ''}` : 'No recording.'}</p>
          )}
        </section>
        <section class="card" aria-labelledby="h-fields">
          <h2 id="h-fields">Additional information</h2>
          {Object.keys(detail.custom_fields).length === 0 ? (
            <p>No custom fields.</p>
          ) : (
            <dl data-testid="custom-fields">
              {Object.entries(detail.custom_fields).map(([key, value]) => (
                <>
                  <dt>{names.get(key) ?? key}</dt>
                  <dd>{showValue(value)}</dd>
                </>
              ))}
            </dl>
          )}
        </section>
      </div>
      <section class="card" aria-labelledby="h-transcript">
        <h2 id="h-transcript">Transcript</h2>
        {segments.length === 0 ? (
          <p>No transcript.</p>
        ) : (
          <ol class="transcript">
            {segments.map((s) => (
              <li class={s.speaker ? `speaker-${s.speaker}` : ''}>
                {typeof s.start === 'number' && playable ? (
                  <button type="button" class="seek" data-seek={String(s.start)} aria-label={`Play from ${formatDuration(s.start)}`}>
                    {formatDuration(s.start)}
                  </button>
                ) : null}
                {s.speaker && <span class="speaker">{s.speaker}</span>}
                <span class="text">
                  <MarkTerms text={s.text} terms={terms} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
      {detail.warnings.length > 0 && (
        <section class="card" aria-labelledby="h-warnings">
          <h2 id="h-warnings">Warnings at ingest</h2>
          <ul>
            {(detail.warnings as Array<{ path?: string; code?: string; message?: string }>).map((w) => (
              <li>{[w.path, w.code, w.message].filter(Boolean).join(': ')}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** The signed URL as a path on this server, so the player asks the origin the console is served from. */
function localPath(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

function transcriptSegments(transcript: unknown): Segment[] {
  if (typeof transcript === 'string') return transcript.trim() ? [{ text: transcript }] : [];
  if (!Array.isArray(transcript)) return [];
  return transcript.flatMap((s: unknown) => {
    if (typeof s !== 'object' || s === null) return [];
    const { speaker, start, end, text } = s as Record<string, unknown>;
    if (typeof text !== 'string') return [];
    return [{ text, ...(typeof speaker === 'string' ? { speaker } : {}), ...(typeof start === 'number' ? { start } : {}), ...(typeof end === 'number' ? { end } : {}) }];
  });
}

function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTime(value);
  return String(value);
}
