import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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

/** PGlite (Postgres in WASM) under `<dataDir>/pgdata`, served over TCP on a random local port. */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const pgdata = path.join(path.resolve(opts.dataDir), 'pgdata');
  await mkdir(pgdata, { recursive: true });
  const lockPath = await acquireLock(path.resolve(opts.dataDir), log);
  let db: PGlite | undefined;
  try {
    const started = Date.now();
    db = await openPglite(pgdata);
    await db.exec(
      `ALTER DATABASE postgres SET search_path TO ${EMBEDDED_SEARCH_PATH};
       SET search_path TO ${EMBEDDED_SEARCH_PATH};`,
    );
    const server = new PGLiteSocketServer({
      db: keepBatchesTogether(db),
      host: '127.0.0.1',
      port: 0,
      maxConnections: opts.maxConnections ?? 100,
    });
    await server.start();
    const port = server.getServerConn().split(':').pop() ?? '';
    log(`embedded Postgres ready at 127.0.0.1:${port} (${pgdata}, ${Date.now() - started} ms)`);
    const opened = db;
    let stopping: Promise<void> | undefined;
    return {
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
      stop: () => (stopping ??= shutdown(server, opened, lockPath)),
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await releaseLock(lockPath);
    throw err;
  }
}

async function shutdown(server: PGLiteSocketServer, db: PGlite, lockPath: string): Promise<void> {
  try {
    await server.stop();
    // stop() detaches handlers without awaiting; a detach may still queue a ROLLBACK on the db.
    await new Promise((resolve) => setImmediate(resolve));
    await db.close();
  } finally {
    await releaseLock(lockPath);
  }
}

async function openPglite(pgdata: string): Promise<PGlite> {
  try {
    return await PGlite.create({ dataDir: pgdata });
  } catch (err) {
    const version = await readFile(path.join(pgdata, 'PG_VERSION'), 'utf8').catch(() => '');
    const made = version ? ` (it was created by PostgreSQL ${version.trim()})` : '';
    const reason = err instanceof Error && err.message ? err.message : String(err);
    throw new Error(`could not open the embedded database in ${pgdata}${made}: ${reason}`, {
      cause: err,
    });
  }
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

// Frontend messages that leave an extended-protocol batch open until Sync:
// Parse, Bind, Describe, Execute, Close, Flush.
const BATCH_MESSAGES = new Set([...'PBDECH'].map((c) => c.charCodeAt(0)));
const READY_FOR_QUERY = 'Z'.charCodeAt(0);
const TERMINATE = 'X'.charCodeAt(0);

/**
 * pglite-socket queues every wire message on its own and keeps one client's messages together
 * only while `isInTransaction()`. A Parse..Sync batch split across TCP reads (large parameters)
 * then interleaves with another client's Parse, and its Bind hits the wrong statement. Report
 * "in transaction" until the backend is ready for a new query, so the queue keeps it together.
 */
function keepBatchesTogether(db: PGlite): PGlite {
  let inBatch = false;
  const execProtocolRawStream: PGlite['execProtocolRawStream'] = async (message, options) => {
    let tail = Buffer.alloc(0);
    const onRawData = (data: Uint8Array): void => {
      tail = Buffer.concat([tail, data.subarray(-6)]).subarray(-6);
      options.onRawData(data);
    };
    try {
      await db.execProtocolRawStream(message, { ...options, onRawData });
    } finally {
      const type = message[0];
      if (type === undefined || type === 0 || type === TERMINATE) inBatch = false;
      else if (BATCH_MESSAGES.has(type)) inBatch = true;
      // COPY IN answers a Query with no ReadyForQuery: the client's CopyData must follow.
      else
        inBatch = !(tail.length === 6 && tail[0] === READY_FOR_QUERY && tail.readInt32BE(1) === 5);
    }
  };
  const overrides: Partial<PGlite> = {
    execProtocolRawStream,
    isInTransaction: () => inBatch || db.isInTransaction(),
    // Only called to roll back a disconnected client's transaction, which also ends its batch.
    exec: (query, options) => {
      inBatch = false;
      return db.exec(query, options);
    },
  };
  return new Proxy(db, {
    get(target, prop): unknown {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) {
        return overrides[prop as keyof PGlite];
      }
      const value: unknown = Reflect.get(target, prop, target);
      // Bind to the real instance: PGlite's methods use #private fields a proxy lacks.
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
