// Call direction as stored, from the spellings PBXes use.
export type Direction = 'incoming' | 'outcoming';

const ALIASES: Record<string, Direction> = {
  incoming: 'incoming',
  inbound: 'incoming',
  outcoming: 'outcoming',
  outgoing: 'outcoming',
  outbound: 'outcoming',
};

export const DIRECTION_SPELLINGS = Object.keys(ALIASES);

export function normalizeDirection(text: string): Direction | undefined {
  return ALIASES[text.trim().toLowerCase()];
}
