import { createHash } from 'node:crypto';
import type { Stack } from './stack';
import { query } from './sla-helpers';

export const OPS_TOKEN = 'ops-token-0123456789abcdef';
export const ACME_TOKEN = 'acme-portal-token-0123456789';
export const INITECH_TOKEN = 'initech-portal-token-0123456789';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** P1 clocks of 3 s; acme has a comms channel; API tokens for ops, acme and initech. */
export function postmortemConfig(template?: string): string {
  return `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise, commsChannel: C0ACMECOMM }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
slaPolicies:
  default:
    P1: { firstResponse: PT3S, updateEvery: PT3S }
security: { notifyWithin: PT6S }
postmortem: { dueBusinessDays: 5, holidays: ['2026-12-25'], timezone: Europe/Madrid${template ? `, template: '${template}'` : ''} }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: acme, role: commander }
  - { user: U0ALICE, tenant: globex, role: commander }
  - { user: U0ALICE, tenant: initech, role: commander }
  - { user: U0CAROL, tenant: acme, role: comms }
  - { user: U0DAVE, tenant: globex, role: responder }
  - { user: U0ERIN, tenant: acme, role: responder }
apiTokens:
  - { id: ops, tenant: '*', sha256: '${sha(OPS_TOKEN)}' }
  - { id: acme-portal, tenant: acme, sha256: '${sha(ACME_TOKEN)}' }
  - { id: initech-portal, tenant: initech, sha256: '${sha(INITECH_TOKEN)}' }
`;
}

export function getDraft(stack: Stack, n: number, token?: string) {
  return fetch(`${stack.url}/incidents/INC-${n}/postmortem.md`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export function postDraft(
  stack: Stack,
  n: number,
  body: string | Buffer,
  opts: { token?: string; type?: string } = {},
) {
  return fetch(`${stack.url}/incidents/INC-${n}/postmortem.md`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.token ?? OPS_TOKEN}`,
      'content-type': opts.type ?? 'text/markdown; charset=utf-8',
    },
    body,
  });
}

export async function versions(
  stack: Stack,
  n: number,
): Promise<{ version: number; source: string }[]> {
  return query(
    stack,
    'SELECT version, source FROM postmortem_versions WHERE incident_id = $1 ORDER BY version',
    [n],
  );
}

/** The draft files shared in a channel, oldest first. */
export function draftFiles(stack: Stack, channel: string) {
  return stack.emulator.files.filter((f) => f.channel === channel && f.filename.endsWith('.md'));
}
