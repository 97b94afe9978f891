import { mkdtemp, writeFile, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { freshDatabase, exited, runEntry, waitForHttp, ROOT } from './bench-support';
import { postJson, stormPayloads, tenantId } from './alerts-storm';
import { EMULATOR_TOKEN, SlackEmulator } from '../test/support/slack-emulator';
const PORT = 3919;
async function main() {
  const emulator = new SlackEmulator({ tokens: [EMULATOR_TOKEN] });
  const apiUrl = await emulator.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'prof-'));
  const tenants = Array.from({ length: 500 }, (_, i) => `  - { id: ${tenantId(i)}, name: T${i}, plan: default }`);
  await writeFile(path.join(dir, 't.yaml'), `tenants:\n${tenants.join('\n')}\nincidentChannel: C0INCIDENTS\n`);
  const db = await freshDatabase('postgres://postgres@127.0.0.1:5432/postgres', 'prof_ingest');
  const env = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379/7', PORT: String(PORT), TENANTOPS_CONFIG: path.join(dir, 't.yaml'), SLACK_BOT_TOKEN: EMULATOR_TOKEN, SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789', SLACK_API_URL: apiUrl, ALERT_WEBHOOK_TOKEN: 'bench-alert-token-0123456789abcdef', LOG_LEVEL: 'warn' };
  if ((await exited(runEntry('migrate', env))) !== 0) throw new Error('migrate');
  const { Redis } = await import('ioredis'); const r = new Redis('redis://127.0.0.1:6379/7'); await r.flushdb(); await r.quit();
  const prof = (role: string) => (process.env.PROF === role ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);
  const web = spawn(process.execPath, [...prof('web'), path.join(ROOT, 'dist/src/main/web.js')], { env: { ...process.env, ...env }, stdio: 'inherit' });
  const worker = process.env.NOWORKER ? undefined : spawn(process.execPath, [...prof('worker'), path.join(ROOT, 'dist/src/main/worker.js')], { env: { ...process.env, ...env }, stdio: 'inherit' });
  await waitForHttp(`http://127.0.0.1:${PORT}/readyz`, 30000);
  const payloads = stormPayloads(500, 10000, 20, 0.1);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let next = 0; let n = 0;
  const t = Date.now();
  await Promise.all(Array.from({ length: Number(process.env.C ?? 32) }, async () => { while (next < payloads.length) { const p = payloads[next++]!; const s = await postJson(agent, PORT, '/alerts/alertmanager', 'bench-alert-token-0123456789abcdef', p.body); if (s === 202) n += p.alerts; } }));
  console.log('ingest', n, 'alerts', Date.now() - t, 'ms', (n / (Date.now() - t) * 1000).toFixed(0), '/s');
  agent.destroy();
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT ?? 3000)));
  web.kill('SIGTERM'); worker?.kill('SIGTERM'); await exited(web); if (worker) await exited(worker);
  await emulator.stop();
  await db.drop();
  for (const f of await readdir(dir)) if (f.endsWith('.cpuprofile')) summarize(JSON.parse(await readFile(path.join(dir, f), 'utf8')));
}
function summarize(p: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] }) {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const node of p.nodes) {
    const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.replace(/.*node_modules\//, '').replace(/.*dist\//, '')}:${node.callFrame.lineNumber}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  console.log('total ms', (total / 1000).toFixed(0));
  [...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 35).forEach(([k, v]) => console.log((v / 1000).toFixed(0).padStart(6), k));
}
main();
