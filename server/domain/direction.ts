// Call direction as stored, from the spellings PBXes use.
export type Direction = 'incoming' | 'outcoming';

// A Map, not an object literal: user text such as "__proto__" or "constructor" must not resolve.
const ALIASES = new Map<string, Direction>([
  ['incoming', 'incoming'],
  ['inbound', 'incoming'],
  ['outcoming', 'outcoming'],
  ['outgoing', 'outcoming'],
  ['outbound', 'outcoming'],
]);

export const DIRECTION_SPELLINGS = [...ALIASES.keys()];

export function normalizeDirection(text: string): Direction | undefined {
  return ALIASES.get(text.trim().toLowerCase());
}
