import type { KeyRotationNotice } from '../src/ports/key-watch';
import { escapeMrkdwn as esc } from './mrkdwn';

const DAY = 24 * 60 * 60 * 1000;

function keyText(n: KeyRotationNotice): string {
  const dev = n.backend === 'local-dev' ? ' _(local keyring, dev only: not Vault)_' : '';
  return `\`${esc(n.keyRef)}\`${dev} version ${n.latestVersion}, created ${n.latestCreatedAt.toISOString().slice(0, 10)}`;
}

/** The rotation watch's one message of a pass, in the platform channel. */
export function renderKeyRotation(
  soon: readonly KeyRotationNotice[],
  opened: readonly KeyRotationNotice[],
  now: Date,
): string {
  const parts: string[] = [];
  if (opened.length > 0)
    parts.push(
      `:key: *Tenant key rotation due* — rotation run opened:\n${opened
        .map(
          (n) =>
            `• *${esc(n.tenant)}* — ${keyText(n)}; due ${n.dueAt.toISOString().slice(0, 10)} → RB-${n.run ?? '?'}`,
        )
        .join('\n')}`,
    );
  if (soon.length > 0)
    parts.push(
      `:warning: *Tenant key rotation due soon*:\n${soon
        .map((n) => {
          const days = Math.max(0, Math.ceil((n.dueAt.getTime() - now.getTime()) / DAY));
          return `• *${esc(n.tenant)}* — ${keyText(n)}; due ${n.dueAt.toISOString().slice(0, 10)} (in ${days} day${days === 1 ? '' : 's'})`;
        })
        .join(
          '\n',
        )}\nRotate now with \`/runbook run tenant-key-rotate &lt;tenant&gt;\`, or the watch opens a run when due.`,
    );
  return parts.join('\n\n');
}
