// The web side of queued slash commands (commands/slash-queue.ts), the worker's processor
// (jobs/slash-command.ts) and the response_url client (src/adapters/slack/response-url.ts),
// the last against a real local HTTP server answering as Slack's response_url does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import type { RespondFn, SlashCommand } from '@slack/bolt';
import {
  queued,
  runQueued,
  runsInWeb,
  type CommandArgs,
  type QueuedCommand,
} from '../../commands/slash-queue';
import { slashCommandProcessor } from '../../jobs/slash-command';
import {
  isResponseUrl,
  responseUrlRespond,
  ResponseUrlError,
} from '../../src/adapters/slack/response-url';

function command(text: string, name = '/incident'): SlashCommand {
  return {
    token: 'verification-token-secret',
    command: name,
    text,
    response_url: 'https://hooks.slack.com/commands/T0/1/secret',
    trigger_id: 'trig1',
    user_id: 'U0ALICE',
    user_name: 'alice',
    team_id: 'T0',
    team_domain: 'acme',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    api_app_id: 'A0',
  };
}

function recorder() {
  const events: string[] = [];
  const respond: RespondFn = () => Promise.resolve(new Response('ok'));
  const args = (c: SlashCommand): CommandArgs => ({
    command: c,
    ack: () => {
      events.push('ack');
      return Promise.resolve();
    },
    respond,
  });
  const listener = (args: CommandArgs) => {
    events.push(`ran ${args.command.text}`);
    return args.ack();
  };
  return { events, args, listener };
}

describe('queued slash commands in web', () => {
  it('acks, then queues the command without its verification token and runs nothing here', async () => {
    const r = recorder();
    const jobs: QueuedCommand[] = [];
    const wrapped = queued(r.listener, {
      enqueue: (job) => {
        r.events.push('queued');
        jobs.push(job);
        return Promise.resolve();
      },
      onRunHere: () => r.events.push('ran here'),
    });
    await wrapped(r.args(command('status INC-1')));
    expect(r.events).toEqual(['ack', 'queued']);
    expect(jobs[0]?.command.text).toBe('status INC-1');
    expect(jobs[0]?.command.user_id).toBe('U0ALICE');
    expect(JSON.stringify(jobs)).not.toContain('verification-token-secret');
  });

  it('runs a command that opens a modal here (its trigger_id lasts 3 s)', async () => {
    const r = recorder();
    const wrapped = queued(r.listener, {
      enqueue: () => Promise.reject(new Error('must not queue')),
      onRunHere: () => r.events.push('fallback'),
    });
    await wrapped(r.args(command('declare')));
    // The listener's own ack is a no-op: Slack's was sent once, before anything else.
    expect(r.events).toEqual(['ack', 'ran declare']);
    expect(runsInWeb(command(''))).toBe(false);
    expect(runsInWeb(command('declare'))).toBe(true);
    expect(runsInWeb(command('declare P1 acme Down'))).toBe(false);
    expect(runsInWeb(command('declare', '/tenant'))).toBe(false);
  });

  it('runs the command here when the queue refuses it, and says why', async () => {
    const r = recorder();
    const why: unknown[] = [];
    const wrapped = queued(r.listener, {
      enqueue: () => Promise.reject(new Error('Connection is closed.')),
      onRunHere: (err) => why.push(err),
    });
    await wrapped(r.args(command('status INC-1')));
    expect(r.events).toEqual(['ack', 'ran status INC-1']);
    expect(String(why[0])).toContain('Connection is closed');
  });
});

describe('the slash-commands job', () => {
  const job = (data: unknown) => ({ id: 'j1', data }) as unknown as Job<QueuedCommand>;

  it('runs the listener of the command with a respond bound to its response_url', async () => {
    const ran: string[] = [];
    const urls: string[] = [];
    const process = slashCommandProcessor(
      (c, respond) =>
        runQueued(
          {
            '/incident': async (a) => {
              ran.push(`incident ${a.command.text}`);
              await a.respond('hi');
            },
          },
          (a) => {
            ran.push(`unserved ${a.command.command}`);
            return Promise.resolve();
          },
          c,
          respond,
        ),
      (url) => () => {
        urls.push(url);
        return Promise.resolve(new Response('ok'));
      },
      isResponseUrl,
    );
    await process(job({ command: command('status INC-1'), receivedAt: 1 }));
    await process(job({ command: command('x', '/deploy'), receivedAt: 1 }));
    expect(ran).toEqual(['incident status INC-1', 'unserved /deploy']);
    expect(urls).toEqual(['https://hooks.slack.com/commands/T0/1/secret']);
  });

  it.each([
    ['no command', {}],
    ['no user', { command: { ...command('status'), user_id: undefined } }],
    [
      'a response_url that is not http(s)',
      { command: { ...command('status'), response_url: 'file:///etc/passwd' } },
    ],
    ['null', null],
  ])('refuses a malformed job (%s) for good, running nothing', async (_what, data) => {
    const ran: string[] = [];
    const process = slashCommandProcessor(
      () => {
        ran.push('ran');
        return Promise.resolve();
      },
      () => () => Promise.resolve(new Response('ok')),
      isResponseUrl,
    );
    await expect(process(job(data))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(ran).toEqual([]);
  });
});

describe('responseUrlRespond', () => {
  let server: Server;
  let base: string;
  const posts: { type: string | undefined; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const where = new URL(req.url ?? '/', 'http://x').pathname;
        if (where === '/used') {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: 'used_url' }));
          return;
        }
        if (where === '/expired') {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('expired_url');
          return;
        }
        if (where === '/silent') return; // never answers
        if (where === '/down') {
          res.writeHead(503, { 'content-type': 'text/html' });
          res.end('<html>Service Unavailable</html>');
          return;
        }
        posts.push({ type: req.headers['content-type'], body: JSON.parse(body) as unknown });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs the message as JSON (a string becomes its text)', async () => {
    await responseUrlRespond(`${base}/ok`)({ text: 'Declared', response_type: 'ephemeral' });
    await responseUrlRespond(`${base}/ok`)('plain');
    expect(posts).toEqual([
      {
        type: 'application/json; charset=utf-8',
        body: { text: 'Declared', response_type: 'ephemeral' },
      },
      { type: 'application/json; charset=utf-8', body: { text: 'plain' } },
    ]);
  });

  it.each([
    ['/used', 404, 'used_url'],
    ['/expired', 404, 'expired_url'],
    ['/down', 503, ''],
  ])(
    'fails with Slack reason for %s, never the URL (it carries a token)',
    async (p, status, reason) => {
      const err = await responseUrlRespond(`${base}${p}?token=secret-in-url`)('x').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ResponseUrlError);
      expect(err).toMatchObject({ status, reason });
      expect(String((err as Error).message)).not.toContain('secret-in-url');
    },
  );

  it('gives up on a response_url that does not answer, and says so without the URL', async () => {
    const err = await responseUrlRespond(`${base}/silent?token=secret-in-url`, { timeoutMs: 200 })(
      'x',
    ).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe('Slack response_url did not answer within 200 ms');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await responseUrlRespond(`http://127.0.0.1:${port}/x?token=secret-in-url`)(
      'x',
    ).catch((e: unknown) => e);
    expect(String((refused as Error).message)).toBe(
      'Slack response_url unreachable (ECONNREFUSED)',
    );
  });

  it('knows what can be a response_url', () => {
    expect(isResponseUrl('https://hooks.slack.com/commands/T0/1/x')).toBe(true);
    expect(isResponseUrl('javascript:alert(1)')).toBe(false);
    expect(isResponseUrl('not a url')).toBe(false);
    expect(isResponseUrl(42)).toBe(false);
  });
});
