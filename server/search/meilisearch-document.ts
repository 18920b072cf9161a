// The shape a search document takes in Meilisearch: long texts split into chunks, nulls made sortable.
import type { SortField } from '../domain/sorting.js';
import type { SearchDocument } from './document.js';

/**
 * Meilisearch indexes at most 65,535 word positions per attribute and silently drops the rest; a
 * hard separator (`.`, newline…) advances the position by 8. Chunks of 8,000 words stay under the
 * limit even if every word ends a sentence. Words are counted as runs of letters and digits, as
 * the tokenizer splits them for space-separated scripts (CJK text packs more words per run).
 */
export const WORDS_PER_CHUNK = 8_000;
/** 32 chunks hold 256,000 words: about a day of continuous speech. Words beyond are not indexed. */
export const TRANSCRIPT_CHUNKS = 32;
/** 8 chunks hold 64,000 words of chat messages. */
export const MESSAGE_CHUNKS = 8;

const numbered = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}_${i + 1}`);
export const TRANSCRIPT_ATTRIBUTES = numbered('transcript', TRANSCRIPT_CHUNKS);
export const MESSAGE_ATTRIBUTES = numbered('messages', MESSAGE_CHUNKS);

/**
 * Postgres sorts a missing duration or NPS as -Infinity (first ascending, last descending);
 * Meilisearch puts documents without the sort value last both ways. These copies hold a number
 * below any real value instead, so both engines order alike and the cursor can compare numbers.
 */
export const MISSING_SORT_VALUE = -Number.MAX_SAFE_INTEGER;
export const SORT_ATTRIBUTES: Record<SortField, string> = { started_at: 'started_at', duration: 'sort_duration', nps: 'sort_nps' };

export type MeilisearchDocument = Omit<SearchDocument, 'transcript' | 'messages'> & {
  sort_duration: number;
  sort_nps: number;
  [chunk: `transcript_${number}` | `messages_${number}`]: string;
};

const WORD = /[\p{L}\p{N}]+/gu;

/** Cuts text before every `wordsPerChunk`-th word, keeping at most `maxChunks` chunks. */
export function chunkText(text: string, wordsPerChunk: number, maxChunks: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  let words = 0;
  for (const match of text.matchAll(WORD)) {
    if (words === wordsPerChunk) {
      chunks.push(text.slice(start, match.index));
      if (chunks.length === maxChunks) return chunks;
      start = match.index;
      words = 0;
    }
    words++;
  }
  if (words > 0) chunks.push(text.slice(start));
  return chunks;
}

export function toMeilisearchDocument(doc: SearchDocument): MeilisearchDocument {
  const { transcript, messages, ...fields } = doc;
  const out: MeilisearchDocument = {
    ...fields,
    sort_duration: doc.duration ?? MISSING_SORT_VALUE,
    sort_nps: doc.nps ?? MISSING_SORT_VALUE,
  };
  chunkText(transcript, WORDS_PER_CHUNK, TRANSCRIPT_CHUNKS).forEach((chunk, i) => (out[`transcript_${i + 1}`] = chunk));
  chunkText(messages, WORDS_PER_CHUNK, MESSAGE_CHUNKS).forEach((chunk, i) => (out[`messages_${i + 1}`] = chunk));
  return out;
}
