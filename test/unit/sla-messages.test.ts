import { firingEntry, groupEvents, recipients, slaMessage } from '../../src/app/sla-messages';
import type { Incident } from '../../src/domain/incidents/incident';
import type { SlaClock } from '../../src/domain/sla/sla-clock';
import type { SlaEvent } from '../../src/ports/sla-store';
import { renderSlaStatus } from '../../templates/sla-status';

const due = new Date('2026-03-10T10:30:00Z');
const incident: Incident = {
  number: 4,
  title: 'Checkout down',
  severity: 'P1',
  state: 'declared',
  tenants: ['acme', 'globex'],
  security: false,
  channelId: 'C0INC4',
  threadTs: null,
  cardTs: '1.1',
  declaredBy: 'U0ALICE',
  declaredAt: new Date('2026-03-10T10:00:00Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  summary: null,
  roles: {},
};
const holders = [
  { user: 'U0CAROL', tenant: 'acme', role: 'comms' as const },
  { user: 'U0GINA', tenant: 'globex', role: 'comms' as const },
  { user: 'U0ALICE', tenant: 'acme', role: 'commander' as const },
];

function event(tenant: string, step: string, over: Partial<SlaEvent> = {}): SlaEvent {
  return {
    id: Math.floor(Math.random() * 1e6),
    incident: 4,
    tenant,
    clockId: 1,
    clockKind: 'first_response',
    generation: 1,
    step,
    dueAt: due,
    scheduledAt: due,
    firedAt: due,
    ...over,
  };
}

describe('SLA messages', () => {
  it('groups firings of the same clock kind, step and due time into one message', () => {
    const groups = groupEvents([
      event('acme', 'due'),
      event('globex', 'due'),
      event('acme', 'warn-1', { dueAt: new Date(0) }),
    ]);
    expect(groups.map((g) => [g.cls, g.tenants])).toEqual([
      ['breach', ['acme', 'globex']],
      ['warning', ['acme']],
    ]);
  });

  it('addresses a breach to the comms holders of the tenants, names the tenants and says SLA', () => {
    const [group] = groupEvents([event('globex', 'due')]);
    const text = slaMessage(incident, group!, recipients(incident, group!, holders), due);
    expect(text).toContain('SLA breach');
    expect(text).toContain('*globex*');
    expect(text).toContain('<@U0GINA>');
    expect(text).not.toContain('U0CAROL');
    expect(text).toContain('/incident update INC-4 tenant=globex');
  });

  it("prefers the incident's assigned comms, and adds the commander for security clocks", () => {
    const [group] = groupEvents([event('acme', 'warn-1', { clockKind: 'security_notify' })]);
    const assigned = { ...incident, roles: { comms: 'U0ZOE' } };
    expect(recipients(assigned, group!, holders)).toEqual(['U0ALICE', 'U0ZOE']);
  });

  it('says who should act when nobody holds the role', () => {
    const [group] = groupEvents([event('initech', 'due')]);
    expect(slaMessage(incident, group!, [], due)).toContain(
      'nobody holds the comms role for initech',
    );
  });

  it('numbers repeat reminders', () => {
    const [group] = groupEvents([event('acme', 'repeat-2')]);
    expect(
      slaMessage(incident, group!, ['U0CAROL'], new Date(due.getTime() + 2 * 3600_000)),
    ).toMatch(/SLA still breached\* \(reminder 2\).*2h ago/);
  });

  it('writes the due and actual time of a firing on the timeline', () => {
    const clock = { id: 9, tenant: 'acme', kind: 'update', dueAt: due, generation: 3 } as SlaClock;
    const entry = firingEntry(clock, 'due', due, new Date(due.getTime() + 1500));
    expect(entry).toMatchObject({ kind: 'sla_breach', tenants: ['acme'] });
    expect(entry.text).toBe(
      'SLA breach: customer update for acme due 2026-03-10T10:30:00.000Z, fired 2026-03-10T10:30:01.500Z, 1s past due',
    );
  });
});

describe('renderSlaStatus', () => {
  const base = {
    id: 1,
    incident: 4,
    startedAt: new Date(0),
    warnTimes: [],
    warningsSent: 0,
    warnedAt: null,
    repeatEveryMs: null,
    breachedAt: null,
    lastReminderN: 0,
    metAt: null,
    stoppedAt: null,
    generation: 1,
  };
  const now = new Date(due.getTime() - 120_000);

  it('shows each tenant’s next due time and state, and tenants without a clock', () => {
    const [text] = renderSlaStatus({
      tenants: ['acme', 'globex', 'initech'],
      now,
      lines: [
        {
          tenant: 'acme',
          state: 'due_soon',
          clock: { ...base, tenant: 'acme', kind: 'first_response', status: 'pending', dueAt: due },
        },
        {
          tenant: 'globex',
          state: 'breached',
          clock: {
            ...base,
            tenant: 'globex',
            kind: 'update',
            status: 'breached',
            dueAt: new Date(now.getTime() - 60_000),
          },
        },
        {
          tenant: '*',
          state: 'on_time',
          clock: { ...base, tenant: '*', kind: 'postmortem', status: 'pending', dueAt: due },
        },
      ],
    });
    expect(text).toContain('*SLA clocks*');
    expect(text).toMatch(
      /• \*acme\* — first customer response due <!date\^\d+\^[^>]+> \(in 2m\) · :large_yellow_circle: due soon/,
    );
    expect(text).toMatch(
      /• \*globex\* — customer update was due .* \(1m ago\) · :red_circle: breached/,
    );
    expect(text).toContain('• *initech* — no SLA clock');
    expect(text).toMatch(/• post-mortem due .* · :large_green_circle: on time/);
  });
});
