// Slack for bench:ack, in a process of its own: the Web API emulator that receives the web's
// and worker's Slack calls and the commands' response_url answers. Kept out of the process that
// times the acks, so its work (200 answers a second) and its garbage don't skew the timings.
// Talks to bench/ack.ts over IPC: sends { apiUrl, responseUrl } once listening, then answers
// { id, q: 'answers', ids } with each id's first response_url post time (or null),
// { id, q: 'postMessages' } with a count, and { id, q: 'stop' }.
import { EMULATOR_TOKEN, SlackEmulator } from '../test/support/slack-emulator';

type Ask = { id: number; q: 'answers'; ids: string[] } | { id: number; q: 'postMessages' | 'stop' };

const emulator = new SlackEmulator({
  tokens: [EMULATOR_TOKEN],
  rateLimit: process.env.BENCH_SLACK_RATE_LIMIT === 'off' ? false : undefined,
});
const send = (m: unknown) => process.send?.(m);

process.on('message', (ask: Ask) => {
  if (ask.q === 'answers')
    send({ id: ask.id, times: ask.ids.map((i) => emulator.responsesTo(i)[0]?.time ?? null) });
  else if (ask.q === 'postMessages')
    send({ id: ask.id, count: emulator.callsTo('chat.postMessage').length });
  else void emulator.stop().then(() => send({ id: ask.id }));
});
process.on('disconnect', () => process.exit(0));

void emulator
  .start()
  .then((apiUrl) => send({ apiUrl, responseUrl: emulator.responseUrl('__ID__') }));
