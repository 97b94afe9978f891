import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SlackEmulator } from './slack-emulator';

interface Envelope {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * Slack's Socket Mode server side, from api.slack.com/apis/socket-mode: `apps.connections.open`
 * (app-level token only) hands out a WebSocket URL; the server says `hello`, then sends
 * envelopes which the app must acknowledge with their `envelope_id` within 3 seconds.
 */
export class SocketModeEmulator {
  private server?: WebSocketServer;
  private socket?: WebSocket;
  private connected?: () => void;
  readonly ready = new Promise<void>((resolve) => (this.connected = resolve));
  private readonly acks = new Map<string, (e: Envelope) => void>();

  constructor(
    private readonly emulator: SlackEmulator,
    private readonly appToken: string,
  ) {}

  async start(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`;
    this.emulator.addMethod('apps.connections.open', ({ token }) =>
      token === this.appToken ? { ok: true, url } : { ok: false, error: 'not_allowed_token_type' },
    );
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data: Buffer) => {
        const envelope = JSON.parse(data.toString()) as Envelope;
        this.acks.get(envelope.envelope_id)?.(envelope);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: 'A0TENANTOPS' },
        }),
      );
      this.connected?.();
    });
  }

  /** Delivers a slash command; resolves with the app's acknowledgement (or rejects after 3 s). */
  slashCommand(fields: Record<string, string>): Promise<Envelope> {
    const envelopeId = randomUUID();
    const acked = new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not acknowledged within 3 s')), 3000);
      this.acks.set(envelopeId, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
    this.socket?.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: fields,
      }),
    );
    return acked;
  }

  async stop(): Promise<void> {
    for (const client of this.server?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
