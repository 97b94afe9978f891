import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const ZONE = 'Europe/Madrid';

/** `YYYY-MM-DD` of an instant in Madrid, and its weekday (0 = Sunday). */
function madridDay(ms: number): { date: string; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { date: `${get('year')}-${get('month')}-${get('day')}`, weekday };
}

/** Business days after `fromMs`'s Madrid date, skipping weekends and `holidays`, counted by hand. */
function businessDaysAfter(fromMs: number, count: number, holidays: string[]): string[] {
  const days: string[] = [];
  for (let ms = fromMs + 86_400_000; days.length < count; ms += 86_400_000) {
    const d = madridDay(ms);
    if (d.weekday !== 0 && d.weekday !== 6 && !holidays.includes(d.date)) days.push(d.date);
  }
  return days;
}

describe('a P1 worked through console mode', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tenantops-pm-console-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ends with a draft: the breach with its times, due in 5 business days past a weekend and a holiday, nothing personal', async () => {
    // The holiday is the second business day from today, so the 5 days cross it and a weekend.
    const holiday = businessDaysAfter(Date.now(), 2, [])[1] as string;
    const config = path.join(dir, 'tenantops.yaml');
    await writeFile(
      config,
      `tenants:
  - { id: acme, name: Acme Corp, plan: enterprise, commsChannel: C0ACMECOMM }
slaPolicies:
  default:
    P1: { firstResponse: PT2S, updateEvery: PT2S }
postmortem: { dueBusinessDays: 5, holidays: ['${holiday}'], timezone: ${ZONE} }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: acme, role: commander }
  - { user: U0CAROL, tenant: acme, role: comms }
`,
    );
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(ROOT, 'src/main/start.ts')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TENANTOPS_DATA_DIR: path.join(dir, 'data'),
          TENANTOPS_CONFIG: config,
          PORT: '0',
        },
      },
    );
    let out = '';
    let err = '';
    const seen: { pattern: RegExp; resolve: () => void }[] = [];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      for (const w of seen.filter((x) => x.pattern.test(out))) w.resolve();
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) =>
        pattern.test(out) ? resolve() : seen.push({ pattern, resolve }),
      );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    child.stdin.write(
      '/incident declare P1 acme Pagos con tarjeta fallan; llamar a Ana al +34 612 345 678\n',
    );
    await waitFor(/SLA breach/);
    child.stdin.write(
      [
        '/incident ack INC-1',
        ':as U0CAROL',
        '/incident update INC-1 Cliente ana.garcia@example.es ve errores 500; failing over',
        ':as U0ALICE',
        '/incident resolve INC-1 Failed over; card 4111 1111 1111 1111 was never stored',
        '/incident postmortem INC-1',
        '',
      ].join('\n'),
    );
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(err).not.toMatch(/"level":(50|60)/);

    const start = out.indexOf('----- inc-1-postmortem-v1.md -----');
    expect(start).toBeGreaterThan(0);
    const draft = out.slice(start, out.indexOf('----- end of inc-1-postmortem-v1.md -----'));
    expect(draft).toMatch(/First response: target 2s, due .*, actual .* — \*\*BREACHED\*\*/);
    expect(draft).toMatch(
      /\| first response \| \d{4}-\d\d-\d\d [\d:]+ \+0[12]:00 \| \d{4}-\d\d-\d\d [\d:]+ \+0[12]:00 \| \d{4}-\d\d-\d\d [\d:]+ \+0[12]:00 \|/,
    );
    expect(draft).toContain('### Acme Corp');
    for (const secret of ['612 345 678', 'ana.garcia@example.es', '4111 1111 1111 1111'])
      expect(draft).not.toContain(secret);

    const resolved = /\| Resolved \| (\d{4}-\d\d-\d\d) (\d\d:\d\d):\d\d/.exec(draft);
    expect(resolved).not.toBeNull();
    const resolvedMs = Date.parse(`${resolved?.[1]}T12:00:00Z`);
    const expectedDay = businessDaysAfter(resolvedMs, 5, [holiday])[4];
    const due = /Post-mortem due \| (\w+) (\d{4}-\d\d-\d\d) (\d\d:\d\d)/.exec(draft);
    expect(due?.[2]).toBe(expectedDay);
    expect(due?.[3]).toBe(resolved?.[2]);
    // Five business days always span a weekend; the holiday pushed the due date one day further.
    expect(businessDaysAfter(resolvedMs, 5, [])[4]).not.toBe(expectedDay);
    expect(businessDaysAfter(resolvedMs, 5, [])).toContain(holiday);
    expect(out).toContain('[#acme-comms] tenantops:');
  });
});
