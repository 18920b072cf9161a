// What the ingest benchmarks write: the call body posted to earshot, and the baseline's raw single-row
// INSERT of a call into communications.

/** The body of distinct call `seq` (uids carry `tag`); 50 operators `op-N`, 5,000 clients. */
export function benchCallBody(seq: number, tag: string) {
  return {
    operator_id: `op-${seq % 50}`,
    started_at: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
    direction: seq % 2 ? 'incoming' : 'outgoing',
    duration: 30 + (seq % 600),
    client_phone_number: `+7912${String(1000000 + (seq % 9000000)).padStart(7, '0')}`,
    media_url: `https://pbx.example/rec/${tag}-${seq}.wav`,
    uid: `${tag}-${seq}`,
    client: { id: `client-${seq % 5000}`, first_name: 'Ivan', last_name: 'Petrov' },
    custom_fields: { topic: 'Поддержка', reopen_count: seq % 5 },
  };
}

/** The baseline: one call row inserted alone (its body kept as raw), committed on its own. */
export const RAW_INSERT = `INSERT INTO communications (kind, integration_id, uid, operator_id, direction, started_at, duration_s, client_phone_raw, client_phone_e164, custom_fields, media_url, raw)
  VALUES ('call', $1, $2, $3, 'incoming', $4, $5, $6, $6, $7, $8, $9)`;

export const rawInsertValues = (integrationId: string, operatorId: string, uid: string, body: string) =>
  [integrationId, uid, operatorId, new Date(), 60, '+79120000000', '{"topic":"x"}', 'https://pbx.example/x.wav', body];
