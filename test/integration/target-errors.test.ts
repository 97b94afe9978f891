import { open, readdir, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { BackupRecord } from '../../src/domain/backups/backup';
import { LocalBackupStorage } from '../../src/adapters/target/local-backup-storage';
import { openTargetSystem } from '../../src/adapters/target/open-target';
import { PgTargetSystem } from '../../src/adapters/target/pg-target-system';
import {
  fingerprint,
  openTargetFixture,
  PATTERN,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`bad input and broken backups (${k.title})`, () => {
    let f: TargetFixture;
    let acme: BackupRecord;
    let globex: BackupRecord;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      acme = await f.target.backup({ tenant: 'acme', kind: 'full' });
      globex = await f.target.backup({ tenant: 'globex', kind: 'full' });
    });

    afterAll(async () => {
      await f?.close();
    });

    /** The path of one table's file of a backup. */
    async function fileOf(b: BackupRecord, table: string): Promise<string> {
      const key = b.tables.find((t) => t.name === table)!.file.key;
      const dir = path.join(f.storageDir, ...key.split('/').slice(0, -1));
      expect(await readdir(dir)).toContain(key.split('/').at(-1));
      return path.join(f.storageDir, ...key.split('/'));
    }

    it("does not find another tenant's backup", async () => {
      await expect(f.target.chainFor('acme', { backupId: globex.id })).rejects.toThrow(
        `no backup ${globex.id} of tenant acme in the catalog`,
      );
      expect(await f.catalog.get('acme', globex.id)).toBeUndefined();
    });

    it('refuses unknown tenants, tenants without a schema and bad names', async () => {
      await expect(f.target.backup({ tenant: 'Not A Tenant', kind: 'full' })).rejects.toThrow(
        /is not a tenant id/,
      );
      await expect(f.target.schemaOf('hooli')).rejects.toThrow(
        'tenant hooli has no schema on the target: target.schemaPattern gives "tenant_hooli", which does not exist',
      );
      await expect(
        f.target.restoreInto('acme', [acme], 'Robert"); DROP TABLE x;--'),
      ).rejects.toThrow(/not a usable schema name/);
      await expect(f.target.backup({ tenant: 'acme', kind: 'full', id: 'BAD ID' })).rejects.toThrow(
        /not a backup id/,
      );
    });

    it('refuses a table without a primary key, naming it, and records the backup as failed', async () => {
      await f.sql(`CREATE TABLE tenant_initech.audit_trail (at timestamptz, what text)`);
      await expect(f.target.backup({ tenant: 'initech', kind: 'full' })).rejects.toThrow(
        /tables without a primary key.*: audit_trail/,
      );
      const [failed] = await f.catalog.listOf('initech');
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed?.error).toMatch(/audit_trail/);
      await f.sql(`DROP TABLE tenant_initech.audit_trail`);
    });

    it('says which file is corrupt before anything is paused, and a restore of it changes nothing live', async () => {
      const live = await fingerprint(f, 'tenant_acme');
      const file = await fileOf(acme, 'orders');
      const handle = await open(file, 'r+');
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, 100);
      await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
      await handle.close();
      const chain = await f.target.chainFor('acme', { backupId: acme.id });
      const named = new RegExp(
        `backup file ${acme.tables.find((t) => t.name === 'orders')!.file.key} of ${acme.id} is corrupt`,
      );
      await expect(f.target.verifyReadable(chain)).rejects.toThrow(named);
      await expect(f.target.verifyReadable(chain)).rejects.toThrow(/checksum mismatch/);
      await expect(f.target.restoreInto('acme', chain, 'acme_from_corrupt')).rejects.toThrow(named);
      expect(await fingerprint(f, 'tenant_acme')).toEqual(live);
      expect(await f.target.schemaOf('acme')).toBe('tenant_acme');
      expect((await f.target.writesPaused('acme')).paused).toBe(false);
    });

    it('says a file is truncated', async () => {
      const file = await fileOf(globex, 'customers');
      const size = globex.tables.find((t) => t.name === 'customers')!.file.bytes;
      await truncate(file, Math.floor(size / 2));
      const chain = await f.target.chainFor('globex', 'latest');
      await expect(f.target.verifyReadable(chain)).rejects.toThrow(
        new RegExp(`${Math.floor(size / 2)} bytes where ${size} were written`),
      );
      await expect(f.target.restoreInto('globex', chain, 'globex_from_cut')).rejects.toThrow(
        /is corrupt: .*truncated/,
      );
    });

    it('names the host that wrote a file this worker cannot read', async () => {
      const elsewhere = new PgTargetSystem({
        url: f.url,
        appRole: f.appRole,
        schemaPattern: PATTERN,
        catalog: f.catalog,
        storage: new LocalBackupStorage(path.join(f.storageDir, '..', 'not-shared')),
      });
      try {
        const fromB = { ...acme, host: 'worker-b.internal' };
        await expect(elsewhere.verifyReadable([fromB])).rejects.toThrow(
          /cannot be read from local:.*not-shared: no such file; it was written on host worker-b\.internal.*shared/,
        );
      } finally {
        await elsewhere.close();
      }
    });

    it('refuses to run without TARGET_DATABASE_URL where the demo target is not allowed', async () => {
      await expect(
        openTargetSystem({
          dataDir: f.storageDir,
          allowDemo: false,
          schemaPattern: PATTERN,
          appRole: f.appRole,
          catalog: f.catalog,
        }),
      ).rejects.toThrow(/TARGET_DATABASE_URL is not set/);
    });

    it('says the target is unreachable and records nothing', async () => {
      const down = new PgTargetSystem({
        url: 'postgres://postgres:secret@127.0.0.1:1/saas',
        appRole: f.appRole,
        schemaPattern: PATTERN,
        catalog: f.catalog,
        storage: f.storage,
      });
      try {
        const before = (await f.catalog.listOf('acme')).length;
        const err = (await down
          .backup({ tenant: 'acme', kind: 'full' })
          .catch((e: unknown) => e)) as Error;
        expect(err.message).toMatch(/^the target database 127\.0\.0\.1:1\/saas is unreachable/);
        expect(err.message).not.toContain('secret');
        await expect(down.pauseWrites('acme')).rejects.toThrow(/unreachable/);
        expect(await f.catalog.listOf('acme')).toHaveLength(before);
      } finally {
        await down.close();
      }
    });
  });
}
