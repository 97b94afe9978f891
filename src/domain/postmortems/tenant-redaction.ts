/**
 * A tenant's version of a multi-tenant draft names no other tenant: their ids and names become
 * "another tenant" wherever free text mentions them.
 */
export function tenantRedactor(
  hidden: readonly { id: string; name?: string }[],
): (text: string) => string {
  const words = hidden
    .flatMap((t) => [t.id, t.name ?? ''])
    .filter((w) => w.trim().length >= 2)
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return (text) => text;
  const pattern = new RegExp(`(?<![\\w-])(?:${words.join('|')})(?![\\w-])`, 'gi');
  return (text) => text.replace(pattern, 'another tenant');
}
