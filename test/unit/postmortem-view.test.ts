import { buildPostmortemFacts } from '../../src/domain/postmortems/postmortem-view';
import type { PostmortemRecord } from '../../src/domain/postmortems/postmortem-record';
import { parsePeopleSections, peopleBlock } from '../../src/domain/postmortems/people';
import { summarizeFacts, whatsNew } from '../../src/domain/postmortems/facts-summary';

const t = (iso: string) => new Date(iso);

/** A P1 for acme and globex: acme's first response breached, globex answered in time. */
function record(overrides: Partial<PostmortemRecord> = {}): PostmortemRecord {
  return {
    incident: {
      number: 7,
      title: 'Checkout caído para Globex y Acme, avisar a soporte@acme.es',
      severity: 'P1',
      state: 'resolved',
      tenants: ['acme', 'globex'],
      security: false,
      securityAwareAt: null,
      channelId: 'C0INC7',
      threadTs: null,
      cardTs: null,
      declaredBy: 'U0ALICE',
      declaredAt: t('2026-11-27T09:00:00Z'),
      acknowledgedAt: t('2026-11-27T09:05:00Z'),
      mitigatedAt: t('2026-11-27T10:00:00Z'),
      resolvedAt: t('2026-11-27T11:00:00Z'),
      summary: 'Rollback del despliegue; cliente llamó al +34 612 345 678',
      roles: { commander: 'U0ALICE' },
    },
    tenants: [
      { id: 'acme', name: 'Acme Corp', plan: 'enterprise', addedAt: t('2026-11-27T09:00:00Z') },
      { id: 'globex', name: 'Globex', plan: 'business', addedAt: t('2026-11-27T09:00:00Z') },
    ],
    timeline: [
      {
        id: 1,
        at: t('2026-11-27T09:00:00Z'),
        actor: 'U0ALICE',
        kind: 'declared',
        text: 'INC-7 declared as P1 for acme, globex',
        tenants: ['acme', 'globex'],
      },
      {
        id: 2,
        at: t('2026-11-27T09:10:00Z'),
        actor: 'U0ALICE',
        kind: 'update',
        text: 'Update (globex): El cliente jane.doe@globex.com reporta errores 500',
        tenants: ['globex'],
      },
      {
        id: 3,
        at: t('2026-11-27T09:15:00Z'),
        actor: null,
        kind: 'sla_breach',
        text: 'SLA breach: first customer response for acme',
        tenants: ['acme'],
      },
      {
        id: 4,
        at: t('2026-11-27T09:40:00Z'),
        actor: 'U0CAROL',
        kind: 'update',
        text: 'Update (acme): card 4111 1111 1111 1111 declined, IBAN ES91 2100 0418 4502 0005 1332',
        tenants: ['acme'],
      },
      {
        id: 5,
        at: t('2026-11-27T09:50:00Z'),
        actor: 'U0ALICE',
        kind: 'severity_changed',
        text: 'Severity P2 → P1',
        tenants: ['acme', 'globex'],
      },
    ],
    clocks: [
      {
        tenant: 'acme',
        kind: 'first_response',
        status: 'met',
        startedAt: t('2026-11-27T09:00:00Z'),
        dueAt: t('2026-11-27T09:15:00Z'),
        breachedAt: t('2026-11-27T09:15:00Z'),
        metAt: t('2026-11-27T09:40:00Z'),
        stoppedAt: null,
      },
      {
        tenant: 'globex',
        kind: 'first_response',
        status: 'met',
        startedAt: t('2026-11-27T09:00:00Z'),
        dueAt: t('2026-11-27T09:20:00Z'),
        breachedAt: null,
        metAt: t('2026-11-27T09:10:00Z'),
        stoppedAt: null,
      },
    ],
    breaches: [
      {
        tenant: 'acme',
        kind: 'first_response',
        dueAt: t('2026-11-27T09:15:00Z'),
        firedAt: t('2026-11-27T09:15:01Z'),
      },
    ],
    alerts: [
      {
        source: 'alertmanager',
        name: 'TenantErrorRateHigh',
        tenant: 'globex',
        status: 'resolved',
        summary: '5xx > 1%',
        firstAt: t('2026-11-27T08:58:00Z'),
        lastAt: t('2026-11-27T10:30:00Z'),
        deliveries: 3,
      },
    ],
    messages: [
      {
        id: 1,
        tenant: 'acme',
        kind: 'update',
        status: 'sent',
        createdAt: t('2026-11-27T09:40:00Z'),
        sentAt: t('2026-11-27T09:45:00Z'),
        sentBy: 'U0CAROL',
      },
    ],
    runbookRuns: [],
    ...overrides,
  };
}

const names = new Map([
  ['acme', 'Acme Corp'],
  ['globex', 'Globex'],
]);

describe('post-mortem facts', () => {
  it('records a breached first response with its due, fired and answered times, and the late update', () => {
    const facts = buildPostmortemFacts(record(), { audience: '*', dueAt: null });
    const acme = facts.sla.find((s) => s.tenant === 'acme');
    expect(acme?.firstResponse).toEqual({
      targetMs: 15 * 60_000,
      dueAt: t('2026-11-27T09:15:00Z'),
      actualAt: t('2026-11-27T09:40:00Z'),
      met: false,
    });
    expect(acme?.breaches).toEqual([
      {
        clock: 'first response',
        dueAt: t('2026-11-27T09:15:00Z'),
        firedAt: t('2026-11-27T09:15:01Z'),
        answeredAt: t('2026-11-27T09:40:00Z'),
      },
    ]);
    expect(acme?.updates).toEqual({ total: 1, late: 1, onTime: 0 });
    expect(acme?.sent).toEqual([{ kind: 'update', at: t('2026-11-27T09:45:00Z'), by: 'U0CAROL' }]);
    const globex = facts.sla.find((s) => s.tenant === 'globex');
    expect(globex?.firstResponse?.met).toBe(true);
    expect(globex?.breaches).toEqual([]);
    expect(facts.severityChanges).toEqual([
      { at: t('2026-11-27T09:50:00Z'), from: 'P2', to: 'P1' },
    ]);
    expect(facts.phases.map((p) => p.name)).toEqual([
      'Declared to acknowledged',
      'Acknowledged to mitigated',
      'Mitigated to resolved',
    ]);
  });

  it('masks emails, phones, cards and IBANs in a Spanish and English timeline, title and summary', () => {
    const facts = buildPostmortemFacts(record(), { audience: '*', dueAt: null });
    const text = JSON.stringify(facts);
    for (const secret of [
      'soporte@acme.es',
      'jane.doe@globex.com',
      '612 345 678',
      '4111 1111 1111 1111',
      'ES91 2100 0418 4502 0005 1332',
    ])
      expect(text).not.toContain(secret);
    expect(facts.title).toContain('s***@acme.es');
    expect(facts.summary).toContain('***-**78');
    expect(facts.timeline[3]?.text).toContain('**** **** **** 1111');
  });

  it("gives a tenant's version only its SLA record, its timeline and alerts, and no other tenant's name", () => {
    const facts = buildPostmortemFacts(record(), {
      audience: ['acme'],
      dueAt: null,
      tenantNames: names,
    });
    expect(facts.partial).toBe(true);
    expect(facts.sla.map((s) => s.tenant)).toEqual(['acme']);
    expect(facts.alerts).toEqual([]);
    expect(facts.timeline.map((e) => e.kind)).toEqual([
      'declared',
      'sla_breach',
      'update',
      'severity_changed',
    ]);
    expect(JSON.stringify(facts).toLowerCase()).not.toContain('globex');
    expect(facts.title).toContain('another tenant');
  });

  it('says what is new between two versions', () => {
    const before = summarizeFacts(buildPostmortemFacts(record(), { audience: '*', dueAt: null }));
    const later = record();
    later.timeline.push({
      id: 6,
      at: t('2026-11-27T12:00:00Z'),
      actor: 'U0ALICE',
      kind: 'note',
      text: 'x',
      tenants: ['acme'],
    });
    later.alerts.push({ ...later.alerts[0]!, name: 'TenantLatencyP99High' });
    const now = summarizeFacts(buildPostmortemFacts(later, { audience: '*', dueAt: null }));
    expect(whatsNew(before, now)).toEqual([
      '1 new timeline event.',
      '1 new alert: alertmanager/TenantLatencyP99High/globex.',
    ]);
    expect(whatsNew(before, before)).toEqual([]);
  });
});

describe("people's sections", () => {
  it('reads back what people wrote between the markers, and treats the placeholder as empty', () => {
    const doc = [
      peopleBlock('root_cause', 'A missing index on **orders**'),
      peopleBlock('went_well', undefined),
      '<!-- people:action_items -->\n- [ ] Add index — owner: @U0ALICE\n<!-- /people:action_items -->',
    ].join('\n\n');
    expect(parsePeopleSections(doc)).toEqual({
      root_cause: 'A missing index on **orders**',
      went_well: '',
      action_items: '- [ ] Add index — owner: @U0ALICE',
    });
  });
});
