// GET a JSON document from an admin-configured PBX endpoint, with Basic auth and a deadline; any failure
// to reach or read it is SourceUnreachable (the run fails with the reason, its cursor stays).
import { SourceUnreachable } from './port.js';

export function basicAuth(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

const MAX_BYTES = 32 * 1024 * 1024;

export async function getJson(url: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new SourceUnreachable(`cannot reach ${new URL(url).host}: ${cause}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SourceUnreachable(`${new URL(url).host} answered HTTP ${response.status}`);
  }
  if (Number(response.headers.get('content-length') ?? 0) > MAX_BYTES) throw new SourceUnreachable(`the listing is over ${MAX_BYTES} bytes`);
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceUnreachable(`${new URL(url).host} did not answer JSON`);
  }
}
