/** The sections of a draft that people write; regeneration never touches them. */
export const PEOPLE_SECTIONS = [
  { key: 'root_cause', title: 'Root cause', hint: 'What made this happen?' },
  {
    key: 'contributing_factors',
    title: 'Contributing factors',
    hint: 'What made it worse or slower to fix?',
  },
  { key: 'went_well', title: 'What went well', hint: 'What should we keep doing?' },
  {
    key: 'action_items',
    title: 'Action items',
    hint: 'One per line, with an owner: `- [ ] Add a rate limit per tenant — owner: @U0ALICE`',
  },
] as const;

export type PeopleKey = (typeof PEOPLE_SECTIONS)[number]['key'];
export type PeopleSections = Partial<Record<PeopleKey, string>>;

const KEYS = new Set<string>(PEOPLE_SECTIONS.map((s) => s.key));
// `<!-- people:root_cause -->` ... `<!-- /people:root_cause -->` around each section's text.
const BLOCK = /<!--\s*people:([a-z_]+)\s*-->\r?\n?([\s\S]*?)\r?\n?<!--\s*\/people:\1\s*-->/g;
const PLACEHOLDER = /^_To be written: .*_$/;

export function isPeopleKey(key: string): key is PeopleKey {
  return KEYS.has(key);
}

/** The text shown while nobody has written the section yet. */
export function placeholder(key: PeopleKey): string {
  const section = PEOPLE_SECTIONS.find((s) => s.key === key);
  return `_To be written: ${section?.hint ?? ''}_`;
}

/** A section with its markers, so an uploaded edit can be read back. */
export function peopleBlock(key: PeopleKey, text: string | undefined): string {
  const body = text?.trim() ? text.trim() : placeholder(key);
  return `<!-- people:${key} -->\n${body}\n<!-- /people:${key} -->`;
}

/**
 * The people's sections found in an uploaded draft (between their markers). A section still
 * showing its placeholder counts as empty. Unknown keys are ignored.
 */
export function parsePeopleSections(markdown: string): PeopleSections {
  const found: PeopleSections = {};
  for (const m of markdown.matchAll(BLOCK)) {
    const key = m[1] ?? '';
    if (!isPeopleKey(key)) continue;
    const text = (m[2] ?? '').trim();
    found[key] = PLACEHOLDER.test(text) ? '' : text;
  }
  return found;
}

/** Two sets of people's sections say the same thing (empty and missing alike). */
export function samePeople(a: PeopleSections, b: PeopleSections): boolean {
  return PEOPLE_SECTIONS.every((s) => (a[s.key] ?? '').trim() === (b[s.key] ?? '').trim());
}
