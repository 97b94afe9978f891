// The floor of bench:ack: a bare Bolt app whose only listener acks `/incident`, with the same
// receiver (HTTPReceiver, as createBoltApp builds it), signing secret, Web API client and
// logger as `web`, on a plain node:http server. Run by bench/ack.ts; env: PORT,
// SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL.
import { createServer } from 'node:http';
import { createLogger } from '../src/adapters/logging/logger';
import { createBoltApp } from '../src/adapters/slack/bolt-app';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const log = createLogger({ level: 'warn' });
const { app, httpReceiver } = createBoltApp(
  {
    mode: 'http',
    botToken: env('SLACK_BOT_TOKEN'),
    signingSecret: env('SLACK_SIGNING_SECRET'),
    slackApiUrl: env('SLACK_API_URL'),
  },
  log,
);
app.command('/incident', async ({ ack }) => {
  await ack();
});
const receiver = httpReceiver;
if (!receiver) throw new Error('no HTTP receiver');
const server = createServer((req, res) => {
  if (req.url === '/readyz') {
    res.end('ok');
    return;
  }
  receiver.requestListener(req, res);
});
server.listen(Number(env('PORT')), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
