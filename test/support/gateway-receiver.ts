import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers: as a healthy gateway, a failing one (5xx), one that refuses, or one that hangs. */
export type GatewayMode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hang' };

export interface ReceivedControl {
  body: Record<string, unknown>;
  raw: string;
  timestamp: string;
  signature: string;
}

/**
 * A gateway that receives tenantops' control changes as the README tells a SaaS to: checks
 * `X-Tenantops-Signature` (`sha256=` HMAC-SHA256 of `<timestamp>.<body>` with the shared secret)
 * and refuses a bad signature or a timestamp more than 5 minutes off with 401, records what it
 * accepted. Written from the contract, not from tenantops' signing code.
 */
export class GatewayReceiver {
  readonly accepted: ReceivedControl[] = [];
  /** Requests refused for their signature or timestamp (401). */
  rejected = 0;
  mode: GatewayMode = { kind: 'ok' };
  private server?: Server;
  private readonly hung: ServerResponse[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(private readonly secret: string) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/tenantops/controls`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Resolves once `n` changes in total have been accepted. */
  waitForAccepted(n: number): Promise<void> {
    if (this.accepted.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.mode.kind === 'hang') {
      this.hung.push(res);
      return;
    }
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json')
      return reply(res, 400, { error: 'expected a JSON POST' });
    const timestamp = String(req.headers['x-tenantops-timestamp'] ?? '');
    const signature = String(req.headers['x-tenantops-signature'] ?? '');
    if (!this.verify(timestamp, signature, raw)) {
      this.rejected++;
      return reply(res, 401, { error: 'bad signature or stale timestamp' });
    }
    if (this.mode.kind === 'status') return reply(res, this.mode.status, { error: 'emulated' });
    this.accepted.push({ body: JSON.parse(raw), raw, timestamp, signature });
    this.waiters = this.waiters.filter((w) => {
      if (this.accepted.length < w.n) return true;
      w.resolve();
      return false;
    });
    reply(res, 204);
  }

  private verify(timestamp: string, signature: string, raw: string): boolean {
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300)
      return false;
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${raw}`).digest('hex')}`,
    );
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
