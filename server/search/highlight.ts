// Highlight excerpts are safe HTML: engines mark matches with control characters, the text is escaped,
// then the marks become <em>…</em>. A transcript containing markup can never inject it into a page.
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function highlightHtml(marked: string): string {
  return marked
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll(MATCH_START, '<em>')
    .replaceAll(MATCH_END, '</em>');
}

export const hasMatch = (marked: string): boolean => marked.includes(MATCH_START);
