import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the emulated Prometheus answers, beside normal evaluation. */
export type PrometheusMode =
  | 'ok'
  /** 503 errorType "timeout": the query ran past its timeout inside Prometheus. */
  | 'query_timeout'
  /** 503 errorType "unavailable" (the server is starting, or overloaded). */
  | 'unavailable'
  /** 422 errorType "execution": the expression can't be executed. */
  | 'execution_error'
  /** 502 text/html from a proxy in front of Prometheus (before the API is reached). */
  | 'proxy_502'
  /** Accepts the request and never answers. */
  | 'hang';

/**
 * Prometheus' HTTP API for instant queries (`GET|POST /api/v1/query`), written from the API
 * documentation: the `{status, data: {resultType, result}}` envelope, vectors of
 * `{metric, value: [<unix seconds>, "<value>"]}`, a query that matches nothing is an empty
 * vector, errors as `{status: "error", errorType, error}` with 400 (bad_data), 422, 503.
 * It does not evaluate PromQL: each query's samples are set per query text.
 */
export class PrometheusEmulator {
  mode: PrometheusMode = 'ok';
  /** Query text → the values of its vector's samples (one per series). */
  readonly answers = new Map<string, number[]>();
  /** Every query received, as decoded. */
  readonly queries: string[] = [];
  private server?: Server;
  private readonly hung: ServerResponse[] = [];

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/prometheus`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let params = url.searchParams;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    }
    if (url.pathname !== '/prometheus/api/v1/query') return send(res, 404, '404 page not found\n');
    if (this.mode === 'hang') {
      this.hung.push(res);
      return;
    }
    if (this.mode === 'proxy_502')
      return send(res, 502, '<html><body>502 Bad Gateway</body></html>', 'text/html');
    const query = params.get('query');
    if (query === null || query === '')
      return error(
        res,
        400,
        'bad_data',
        'invalid parameter "query": unknown position: parse error: no expression found in input',
      );
    this.queries.push(query);
    const problem = syntaxProblem(query);
    if (problem) return error(res, 400, 'bad_data', `invalid parameter "query": ${problem}`);
    if (this.mode === 'query_timeout')
      return error(res, 503, 'timeout', 'query timed out in expression evaluation');
    if (this.mode === 'unavailable') return error(res, 503, 'unavailable', 'Service Unavailable');
    if (this.mode === 'execution_error')
      return error(
        res,
        422,
        'execution',
        'query processing would load too many samples into memory in query execution',
      );
    const now = Date.now() / 1000;
    const result = (this.answers.get(query) ?? []).map((v, i) => ({
      metric: { instance: `pod-${i}` },
      value: [now, String(v)],
    }));
    send(res, 200, JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  }
}

/** Unbalanced brackets or quotes: what Prometheus' parser refuses first. */
function syntaxProblem(q: string): string | null {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  let quote: string | null = null;
  for (const [i, ch] of [...q].entries()) {
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if ('({['.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch])
      return `1:${i + 1}: parse error: unexpected "${ch}"`;
  }
  if (quote) return `1:${q.length}: parse error: unterminated quoted string`;
  if (stack.length) return `1:${q.length}: parse error: unclosed "${stack.at(-1)}"`;
  return null;
}

function error(res: ServerResponse, status: number, errorType: string, message: string): void {
  send(res, status, JSON.stringify({ status: 'error', errorType, error: message }));
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type }).end(body);
}
