import type { TenantKeyVersion } from '../../ports/tenant-keys';

export interface VaultKeyInfo {
  latestVersion: number;
  minDecryptionVersion: number;
  versions: TenantKeyVersion[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Symmetric keys list each version's creation as Unix seconds; asymmetric keys (ed25519, ecdsa,
// rsa) as an object with an RFC 3339 `creation_time` (transit's formatKeyPolicy).
function creationTime(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (isRecord(value) && typeof value.creation_time === 'string') {
    const d = new Date(value.creation_time);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/**
 * The versions and their creation times from `GET <mount>/keys/<name>`'s body, or the reason it
 * cannot be read (a key type whose versions carry no times, such as `hmac`, or a body that is
 * not Vault's).
 */
export function parseKeyInfo(body: unknown): VaultKeyInfo | string {
  const data = isRecord(body) ? body.data : undefined;
  if (!isRecord(data)) return 'the answer has no "data" object';
  if (!isRecord(data.keys)) {
    return `key type "${String(data.type)}" reports no version creation times`;
  }
  const versions: TenantKeyVersion[] = [];
  for (const [k, v] of Object.entries(data.keys)) {
    const version = Number(k);
    const createdAt = creationTime(v);
    if (!Number.isInteger(version) || version < 1 || !createdAt) {
      return `version "${k}" has no readable creation time`;
    }
    versions.push({ version, createdAt });
  }
  versions.sort((a, b) => a.version - b.version);
  const newest = versions.at(-1)?.version ?? 0;
  // latest_version is absent from old Vaults' answers; the newest listed version is the latest.
  const latestVersion = typeof data.latest_version === 'number' ? data.latest_version : newest;
  const minDec = data.min_decryption_version;
  const minDecryptionVersion = typeof minDec === 'number' && minDec > 0 ? minDec : 1;
  if (latestVersion < 1 || newest !== latestVersion) {
    return `latest_version ${latestVersion} is not among the listed versions`;
  }
  return { latestVersion, minDecryptionVersion, versions };
}
