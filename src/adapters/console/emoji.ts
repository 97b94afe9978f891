import { readFileSync } from 'node:fs';

/**
 * Slack's emoji shortcodes as characters. The table is iamcal's emoji-datasource, the data
 * Slack's own emoji set is built from, so every `:name:` Slack knows renders here too.
 */

interface DatasourceEntry {
  unified?: unknown;
  short_names?: unknown;
}

let table: Map<string, string> | undefined;

function toChar(unified: string): string {
  return String.fromCodePoint(...unified.split('-').map((hex) => parseInt(hex, 16)));
}

// Loaded on first use: ~1.3 MB of JSON that web and worker processes never need.
function load(): Map<string, string> {
  const file = require.resolve('emoji-datasource/emoji.json');
  const entries = JSON.parse(readFileSync(file, 'utf8')) as DatasourceEntry[];
  const map = new Map<string, string>();
  for (const entry of entries) {
    if (typeof entry.unified !== 'string' || !Array.isArray(entry.short_names)) continue;
    const char = toChar(entry.unified);
    for (const name of entry.short_names) if (typeof name === 'string') map.set(name, char);
  }
  return map;
}

/** The character for a shortcode name (without colons); skin tones stay as written. */
export function emojiFor(name: string): string | undefined {
  if (name.startsWith('skin-tone-')) return undefined;
  table ??= load();
  return table.get(name);
}

// `:name:` optionally followed by a skin tone, e.g. `:+1::skin-tone-2:`.
const SHORTCODE = /:([a-z0-9_+'-]+):(:skin-tone-[2-6]:)?/g;

/** Replaces known `:shortcodes:`; unknown ones and those with a skin tone stay as written. */
export function renderEmoji(text: string): string {
  return text.replace(SHORTCODE, (whole, name: string, tone?: string) =>
    tone ? whole : (emojiFor(name) ?? whole),
  );
}
