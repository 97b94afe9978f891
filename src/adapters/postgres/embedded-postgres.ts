import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedPostgresOptions {
  /** Folder that holds `pgdata/` (created if missing) and the lock file. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Socket connections accepted at once; all share PGlite's single session. Default 100. */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres?sslmode=disable` (user, password, db ignored). */
  connectionString: string;
  /** Closes the socket server, then the database. End pools and BullMQ instances first. */
  stop(): Promise<void>;
}

/**
 * BullMQ's pg backend pins `search_path` with a startup option, which PGlite ignores, and the
 * app pins its own per transaction; so the one shared session looks in `bullmq` first.
 */
export const EMBEDDED_SEARCH_PATH = 'bullmq, public';

const LOCK_FILE = 'pgdata.lock';
const locksHeldHere = new Set<string>();

type FromThread = { port: number } | { error: string } | { stopped: true };

/**
 * PGlite (Postgres in WASM) under `<dataDir>/pgdata`, served over TCP on a random local port.
 * It runs in a worker thread: WASM queries are synchronous and would otherwise stall this event
 * loop, and PGlite's start-up import()s fail inside jest's module sandbox.
 */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const pgdata = path.join(dataDir, 'pgdata');
  await mkdir(pgdata, { recursive: true });
  const lockPath = await acquireLock(dataDir, log);
  const started = Date.now();
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      pglite: require.resolve('@electric-sql/pglite'),
      socket: require.resolve('@electric-sql/pglite-socket'),
      pgdata,
      maxConnections: opts.maxConnections ?? 100,
      setupSql: `ALTER DATABASE postgres SET search_path TO ${EMBEDDED_SEARCH_PATH};
        SET search_path TO ${EMBEDDED_SEARCH_PATH};`,
    },
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      thread.once('message', (msg: FromThread) => {
        if ('port' in msg) resolve(msg.port);
        else reject(new Error('error' in msg ? msg.error : 'embedded Postgres stopped'));
      });
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`embedded Postgres exited (${code})`)));
    });
  } catch (err) {
    await thread.terminate();
    await releaseLock(lockPath);
    throw await openError(pgdata, err);
  }
  let stopping: Promise<void> | undefined;
  thread.removeAllListeners();
  thread.on('error', (err) => log(`embedded Postgres failed: ${err.message}`));
  thread.on('exit', (code) => {
    if (!stopping) log(`embedded Postgres exited unexpectedly (${code})`);
  });
  log(`embedded Postgres ready at 127.0.0.1:${port} (${pgdata}, ${Date.now() - started} ms)`);
  return {
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: () => (stopping ??= shutdown(thread, lockPath, log)),
  };
}

const STOP_TIMEOUT_MS = 10_000;

async function shutdown(thread: Worker, lockPath: string, log: (msg: string) => void) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve) => {
      thread.once('message', () => resolve());
      thread.once('exit', () => resolve());
      // Committed data is already on disk (PGlite writes through), so a stuck close can be cut.
      timer = setTimeout(() => {
        log(`embedded Postgres did not close within ${STOP_TIMEOUT_MS} ms; terminating it`);
        resolve();
      }, STOP_TIMEOUT_MS);
      thread.postMessage('stop');
    });
  } finally {
    clearTimeout(timer);
    await thread.terminate();
    await releaseLock(lockPath);
  }
}

async function openError(pgdata: string, err: unknown): Promise<Error> {
  const version = await readFile(path.join(pgdata, 'PG_VERSION'), 'utf8').catch(() => '');
  const made = version ? ` (it was created by PostgreSQL ${version.trim()})` : '';
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(`could not open the embedded database in ${pgdata}${made}: ${reason}`, {
    cause: err,
  });
}

/**
 * PGlite takes no lock, and two processes on one data dir silently lose writes, so hold a lock
 * file; a lock whose process is gone (crash, SIGKILL) is stale and replaced.
 */
async function acquireLock(dataDir: string, log: (msg: string) => void): Promise<string> {
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(lockPath, 'wx');
      const owner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
      await file.writeFile(JSON.stringify(owner));
      await file.close();
      locksHeldHere.add(lockPath);
      return lockPath;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLockHolder(lockPath);
    if (holder && isAlive(holder, lockPath)) {
      throw new Error(
        `embedded database ${dataDir} is in use by process ${holder.pid} on ${holder.hostname} ` +
          `(${lockPath}); stop that process, or delete the lock file if it is not running`,
      );
    }
    log(`removing stale lock ${lockPath} left by process ${holder?.pid ?? 'unknown'}`);
    await unlink(lockPath).catch(() => undefined);
  }
  throw new Error(`could not lock embedded database ${dataDir} (${lockPath})`);
}

interface LockHolder {
  pid: number;
  hostname: string;
}

async function readLockHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return undefined;
    return { pid: parsed.pid, hostname: parsed.hostname };
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder, lockPath: string): boolean {
  // Another host's process cannot be probed: assume it is alive rather than share the files.
  if (holder.hostname !== hostname()) return true;
  // Same pid as ours: alive only if this process took it (a restarted container reuses pid 1).
  if (holder.pid === process.pid) return locksHeldHere.has(lockPath);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseLock(lockPath: string): Promise<void> {
  locksHeldHere.delete(lockPath);
  await unlink(lockPath).catch(() => undefined);
}

/*
 * The worker thread (plain JS: it runs outside any TS loader). keepBatchesTogether: pglite-socket
 * queues each wire message on its own and keeps one client's messages together only while
 * isInTransaction(). A Parse..Sync batch split across TCP reads (large parameters) then interleaves
 * with another client's Parse and its Bind hits the wrong statement. So report "in transaction"
 * from Parse/Bind/Describe/Execute/Close/Flush until a reply ends in ReadyForQuery ('Z', len 5);
 * a COPY IN answers its Query without one and stays grouped until CopyDone. A disconnecting
 * client's batch ends with the ROLLBACK the socket server sends through exec().
 * stop: server.stop() detaches clients without awaiting, so yield once before db.close().
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const { PGLiteSocketServer } = require(workerData.socket);

function keepBatchesTogether(db) {
  const opensBatch = new Set([...'PBDECH'].map((c) => c.charCodeAt(0)));
  let inBatch = false;
  const overrides = {
    isInTransaction: () => inBatch || db.isInTransaction(),
    exec: (query, options) => { inBatch = false; return db.exec(query, options); },
    async execProtocolRawStream(message, options) {
      let tail = Buffer.alloc(0);
      const onRawData = (data) => {
        tail = Buffer.concat([tail, data.subarray(-6)]).subarray(-6);
        options.onRawData(data);
      };
      try {
        await db.execProtocolRawStream(message, { ...options, onRawData });
      } finally {
        const type = message[0];
        if (type === 0 || type === 0x58) inBatch = false;
        else if (opensBatch.has(type)) inBatch = true;
        else inBatch = !(tail.length === 6 && tail[0] === 0x5a && tail.readInt32BE(1) === 5);
      }
    },
  };
  return new Proxy(db, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

(async () => {
  const db = await PGlite.create({ dataDir: workerData.pgdata });
  await db.exec(workerData.setupSql);
  const server = new PGLiteSocketServer({
    db: keepBatchesTogether(db),
    host: '127.0.0.1',
    port: 0,
    maxConnections: workerData.maxConnections,
  });
  await server.start();
  parentPort.once('message', async () => {
    await server.stop();
    await new Promise((resolve) => setImmediate(resolve));
    await db.close();
    parentPort.postMessage({ stopped: true });
  });
  parentPort.postMessage({ port: Number(server.getServerConn().split(':').pop()) });
})().catch((err) => parentPort.postMessage({ error: (err && err.message) || String(err) }));
`;
