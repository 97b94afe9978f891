import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parse } from 'yaml';
import type { App } from '@slack/bolt';
import { register, type CommandDeps } from '../../commands';
import { incidentCommand } from '../../commands/incident-command';
import { registerRoutes } from '../../commands/listener-routes';
import { PRODUCT_COMMANDS, unservedCommand } from '../../commands/unserved-command';
import { ConsoleChat } from '../../src/adapters/console/console-chat';
import { ConsoleReceiver } from '../../src/adapters/console/console-receiver';
import { createLogger } from '../../src/adapters/logging/logger';
import { createBoltApp } from '../../src/adapters/slack/bolt-app';
import type { IncidentDeps } from '../../src/app/incident-deps';

const manifest = parse(
  readFileSync(path.resolve(__dirname, '../../slack-app-manifest.yml'), 'utf8'),
) as { features: { slash_commands: { command: string }[] } };
const MANIFEST_COMMANDS = manifest.features.slash_commands.map((c) => c.command);

/**
 * The real listeners on a real Bolt app, driven through the console receiver: each typed line
 * and what the bot answered to it. Commands that only parse and answer need no storage.
 */
async function session(
  lines: string[],
  wire: (app: App, deps: CommandDeps) => void = register,
): Promise<Map<string, string[]>> {
  const out: string[] = [];
  const write = (line: string) => out.push(line);
  const chat = new ConsoleChat(write, { C0CONSOLE: 'console' });
  const input = new PassThrough();
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const receiver = new ConsoleReceiver({
    input,
    write,
    chat,
    user: 'U0ALICE',
    channel: 'C0CONSOLE',
    onEnd: () => Promise.resolve(ended()),
  });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const { app } = createBoltApp(
    { mode: 'console', receiver },
    createLogger({ level: 'warn', destination: sink }),
  );
  const deps: CommandDeps = {
    incidents: {} as IncidentDeps,
    chat,
    statusSections: [],
    tenantSections: [],
  };
  wire(app, deps);
  await app.start();
  input.end(lines.map((l) => `${l}\n`).join(''));
  await done;
  const answers = new Map<string, string[]>();
  let current = '';
  for (const line of out) {
    if (line.startsWith('U0ALICE> ')) answers.set((current = line.slice(9)), []);
    else if (current && line.includes('(only visible to U0ALICE)'))
      answers.get(current)?.push(line);
  }
  return answers;
}

describe('every slash command answers', () => {
  it('each command of the Slack manifest has exactly one listener answering it', async () => {
    expect(MANIFEST_COMMANDS.length).toBeGreaterThan(0);
    const lines = MANIFEST_COMMANDS.map((c) => `${c} help`);
    const answers = await session(lines);
    for (const line of lines) {
      expect({ line, answers: answers.get(line)?.length }).toEqual({ line, answers: 1 });
    }
  });

  it('the manifest registers only product commands', () => {
    for (const command of MANIFEST_COMMANDS)
      expect(Object.keys(PRODUCT_COMMANDS)).toContain(command);
  });

  it('an unknown command says it is not a tenantops command, once, and what to try', async () => {
    const answers = await session(['/foo bar']);
    expect(answers.get('/foo bar')).toEqual([
      expect.stringContaining("/foo isn't a tenantops command; try /incident help, /tenant list"),
    ]);
  });
});

describe('the fallback listener', () => {
  // Only /incident served, as in a build where /runbook is in the manifest but not built.
  const onlyIncident = (app: App, deps: CommandDeps) => {
    registerRoutes(app, {
      commands: { '/incident': incidentCommand(deps) },
      otherCommand: unservedCommand(deps, ['/incident']),
      buttons: {},
      views: {},
    });
  };

  it('answers a product command this build lacks with "not available in this build"', async () => {
    const answers = await session(['/runbook list'], onlyIncident);
    expect(answers.get('/runbook list')).toEqual([
      expect.stringContaining(
        '/runbook is not available in this build of tenantops; try /incident help.',
      ),
    ]);
  });

  it('stays silent for a served command (one answer, from its own listener)', async () => {
    const answers = await session(['/incident help', '/foo'], onlyIncident);
    expect(answers.get('/incident help')).toEqual([
      expect.stringContaining('tenantops incident commands'),
    ]);
    expect(answers.get('/foo')).toEqual([
      expect.stringContaining("/foo isn't a tenantops command; try /incident help."),
    ]);
  });
});
