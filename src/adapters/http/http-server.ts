import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => void | Promise<void>;

export interface Route {
  method: string;
  /** Exact path, or a RegExp whose named groups become params. */
  path: string | RegExp;
  name: string;
  handler: RouteHandler;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The one HTTP server of `web`: Slack's endpoint (Bolt's receiver), alerts, health and metrics.
 * Unknown paths get a JSON 404; thrown errors a JSON 500 without details.
 */
export class HttpServer {
  private server?: Server;
  private accepting = true;

  constructor(
    private readonly routes: Route[],
    private readonly metrics: Metrics,
    private readonly onError: (err: unknown, route: string) => void,
  ) {}

  readonly listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = this.match(req.method ?? 'GET', url.pathname);
    if (!match) {
      this.count('unmatched', 404);
      return sendJson(res, 404, {
        error: 'not_found',
        message: `No route for ${req.method ?? ''} ${url.pathname}`,
      });
    }
    res.on('finish', () => this.count(match.route.name, res.statusCode));
    if (!this.accepting && match.route.name !== 'healthz') {
      res.setHeader('connection', 'close');
      return sendJson(res, 503, {
        error: 'shutting_down',
        message: 'This instance is shutting down; retry.',
      });
    }
    Promise.resolve(match.route.handler(req, res, match.params)).catch((err: unknown) => {
      this.onError(err, match.route.name);
      if (!res.headersSent)
        sendJson(res, 500, { error: 'internal', message: 'Internal error; it has been logged.' });
      else res.end();
    });
  };

  private count(route: string, status: number): void {
    this.metrics.httpRequests.inc({ route, status: String(status) });
  }

  private match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      if (typeof route.path === 'string') {
        if (route.path === path) return { route, params: {} };
      } else {
        const m = route.path.exec(path);
        if (m) return { route, params: { ...(m.groups ?? {}) } };
      }
    }
    return undefined;
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer(this.listener);
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops taking new requests; in-flight requests finish. */
  async close(): Promise<void> {
    this.accepting = false;
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}

/** Reads a request body up to `limit` bytes; rejects with `TooLarge` beyond it. */
export class TooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new TooLarge(`body of ${declared} bytes exceeds ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TooLarge(`body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
