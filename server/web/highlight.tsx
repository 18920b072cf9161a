// Matched words shown as <mark>: search highlights (escaped HTML with <em> marks) are taken apart into
// text and marks rather than inserted as HTML, and transcript text is marked against the query's words.
import type { Child } from 'hono/jsx';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const unescape = (text: string) => text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e);

/** A search engine's highlight excerpt as text with marks. */
export function Highlight({ html }: { html: string }) {
  const parts: Child[] = [];
  let marked = false;
  for (const piece of html.split(/(<\/?em>)/)) {
    if (piece === '<em>') marked = true;
    else if (piece === '</em>') marked = false;
    else if (piece) parts.push(marked ? <mark>{unescape(piece)}</mark> : unescape(piece));
  }
  return <>{parts}</>;
}

/** The query's words (letters and digits, 2+ long), for marking in transcript text. */
export function queryTerms(q: string | undefined): string[] {
  if (!q) return [];
  return [...new Set((q.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).slice(0, 20))];
}

/** Text with every word that starts with a query term marked (so "доступ" marks "доступа", as stemming would). */
export function MarkTerms({ text, terms }: { text: string; terms: string[] }) {
  if (terms.length === 0) return <>{text}</>;
  const parts: Child[] = [];
  for (const piece of text.split(/([\p{L}\p{N}]+)/u)) {
    const lower = piece.toLowerCase();
    parts.push(piece && terms.some((t) => lower.startsWith(t)) ? <mark>{piece}</mark> : piece);
  }
  return <>{parts}</>;
}
