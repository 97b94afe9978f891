import type { BackupRecord } from '../../src/domain/backups/backup';
import { isBackupId, newBackupId } from '../../src/domain/backups/backup';
import { selectChain } from '../../src/domain/backups/backup-chain';

function backup(
  id: string,
  at: string,
  parentId: string | null,
  status: BackupRecord['status'] = 'complete',
): BackupRecord {
  return {
    id,
    tenantId: 'acme',
    kind: parentId ? 'incremental' : 'full',
    parentId,
    status,
    sourceSchema: 'tenant_acme',
    schemaVersion: 0,
    host: 'h',
    storage: 'local:/x',
    snapshotAt: new Date(at),
    startedAt: new Date(at),
    finishedAt: new Date(at),
    bytes: 1,
    tables: [],
    structure: null,
    structureSha256: null,
    note: null,
    error: null,
  };
}

const catalog = [
  backup('f1', '2026-03-01T03:00:00Z', null),
  backup('i1', '2026-03-02T03:00:00Z', 'f1'),
  backup('i2', '2026-03-03T03:00:00Z', 'i1'),
  backup('f2', '2026-03-08T03:00:00Z', null),
  backup('i3', '2026-03-09T03:00:00Z', 'f2', 'failed'),
  backup('i4', '2026-03-10T03:00:00Z', 'f2'),
];
const ids = (chain: readonly BackupRecord[]) => chain.map((b) => b.id);

describe('selectChain', () => {
  it('walks parents back to the full backup', () => {
    expect(ids(selectChain('acme', catalog, { backupId: 'i2' }))).toEqual(['f1', 'i1', 'i2']);
    expect(ids(selectChain('acme', catalog, 'latest'))).toEqual(['f2', 'i4']);
  });

  it('picks the newest complete backup at or before at=', () => {
    expect(ids(selectChain('acme', catalog, { at: new Date('2026-03-03T03:00:00Z') }))).toEqual([
      'f1',
      'i1',
      'i2',
    ]);
    expect(ids(selectChain('acme', catalog, { at: new Date('2026-03-09T12:00:00Z') }))).toEqual([
      'f2',
    ]);
    expect(ids(selectChain('acme', catalog, { at: new Date('2026-03-02T02:59:59Z') }))).toEqual([
      'f1',
    ]);
  });

  it('says when at= is before the oldest backup, or there is none', () => {
    expect(() => selectChain('acme', catalog, { at: new Date('2026-02-28T00:00:00Z') })).toThrow(
      'at=2026-02-28T00:00:00.000Z is before the oldest backup of acme (f1, taken 2026-03-01T03:00:00.000Z)',
    );
    expect(() => selectChain('acme', [], 'latest')).toThrow('tenant acme has no complete backup');
  });

  it("refuses unknown ids, another tenant's, incomplete ones and broken chains", () => {
    expect(() => selectChain('acme', catalog, { backupId: 'nope' })).toThrow(
      'no backup nope of tenant acme',
    );
    const other = { ...backup('g1', '2026-03-01T03:00:00Z', null), tenantId: 'globex' };
    expect(() => selectChain('acme', [...catalog, other], { backupId: 'g1' })).toThrow(
      'no backup g1 of tenant acme',
    );
    expect(() => selectChain('acme', catalog, { backupId: 'i3' })).toThrow(
      'backup i3 of acme is failed',
    );
    const orphan = [backup('i9', '2026-03-11T03:00:00Z', 'i3'), ...catalog];
    expect(() => selectChain('acme', orphan, { backupId: 'i9' })).toThrow(
      /needs its parent i3, which is failed/,
    );
  });
});

describe('backup ids', () => {
  it('names tenant, time and kind', () => {
    const id = newBackupId('acme', 'incremental', new Date('2026-07-14T03:00:05Z'), 'a1b2');
    expect(id).toBe('acme-20260714-030005-ia1b');
    expect(isBackupId(id)).toBe(true);
    expect(isBackupId('../etc')).toBe(false);
  });
});
