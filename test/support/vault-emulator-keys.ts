import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';

/** Key types the emulator creates, with what Vault's `formatKeyPolicy` reports for each. */
export const KEY_TYPES = {
  'aes128-gcm96': { symmetric: true, bytes: 16, enc: true, sign: false, derive: true },
  'aes256-gcm96': { symmetric: true, bytes: 32, enc: true, sign: false, derive: true },
  'chacha20-poly1305': { symmetric: true, bytes: 32, enc: true, sign: false, derive: true },
  ed25519: { symmetric: false, bytes: 0, enc: false, sign: true, derive: true },
  'ecdsa-p256': { symmetric: false, bytes: 0, enc: false, sign: true, derive: false },
  'ecdsa-p384': { symmetric: false, bytes: 0, enc: false, sign: true, derive: false },
  'ecdsa-p521': { symmetric: false, bytes: 0, enc: false, sign: true, derive: false },
  'rsa-2048': { symmetric: false, bytes: 0, enc: true, sign: true, derive: false },
  'rsa-3072': { symmetric: false, bytes: 0, enc: true, sign: true, derive: false },
  'rsa-4096': { symmetric: false, bytes: 0, enc: true, sign: true, derive: false },
} as const;

export type KeyType = keyof typeof KEY_TYPES;

export function isKeyType(t: string): t is KeyType {
  return Object.prototype.hasOwnProperty.call(KEY_TYPES, t);
}

export interface KeyVersionRecord {
  createdAt: Date;
  /** Symmetric key bytes (encrypt/decrypt); empty for asymmetric types. */
  material: Buffer;
  /** Asymmetric public key as Vault shows it (base64 for ed25519, PEM otherwise). */
  publicKey: string;
}

export interface TransitKey {
  name: string;
  type: KeyType;
  derived: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  deletionAllowed: boolean;
  autoRotatePeriod: number;
  minDecryptionVersion: number;
  minEncryptionVersion: number;
  /** versions[i] is version i + 1. */
  versions: KeyVersionRecord[];
}

export function newVersion(type: KeyType, createdAt: Date): KeyVersionRecord {
  const spec = KEY_TYPES[type];
  if (spec.symmetric) return { createdAt, material: randomBytes(spec.bytes), publicKey: '' };
  return { createdAt, material: Buffer.alloc(0), publicKey: publicKeyFor(type) };
}

function publicKeyFor(type: KeyType): string {
  if (type === 'ed25519') {
    const { publicKey } = generateKeyPairSync('ed25519');
    return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  }
  if (type.startsWith('rsa-')) {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: Number(type.slice(4)) });
    return publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }
  const curve = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' }[
    type as 'ecdsa-p256'
  ];
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed). */
export function goTime(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : 'Z'));
}

// Vault shows symmetric keys' versions as Unix seconds and asymmetric ones as objects with an
// RFC 3339 `creation_time` (builtin/logical/transit/path_keys.go, formatKeyPolicy).
function versionsView(key: TransitKey): Record<string, unknown> {
  const curveName: Partial<Record<KeyType, string>> = {
    'ecdsa-p256': 'P-256',
    'ecdsa-p384': 'P-384',
    'ecdsa-p521': 'P-521',
    ed25519: 'ed25519',
    'rsa-2048': 'rsa-2048',
    'rsa-3072': 'rsa-3072',
    'rsa-4096': 'rsa-4096',
  };
  const out: Record<string, unknown> = {};
  key.versions.forEach((v, i) => {
    const version = i + 1;
    // Versions below min_decryption_version are archived: Vault leaves them out of `keys`.
    if (version < key.minDecryptionVersion) return;
    out[String(version)] = KEY_TYPES[key.type].symmetric
      ? Math.floor(v.createdAt.getTime() / 1000)
      : {
          name: curveName[key.type] ?? key.type,
          public_key: v.publicKey,
          certificate_chain: '',
          creation_time: goTime(v.createdAt),
        };
  });
  return out;
}

/** The `data` of `GET <mount>/keys/:name`. */
export function keyView(key: TransitKey): Record<string, unknown> {
  const spec = KEY_TYPES[key.type];
  return {
    name: key.name,
    type: key.type,
    derived: key.derived,
    deletion_allowed: key.deletionAllowed,
    min_available_version: 0,
    min_decryption_version: key.minDecryptionVersion,
    min_encryption_version: key.minEncryptionVersion,
    latest_version: key.versions.length,
    exportable: key.exportable,
    allow_plaintext_backup: key.allowPlaintextBackup,
    supports_encryption: spec.enc,
    supports_decryption: spec.enc,
    supports_signing: spec.sign,
    supports_derivation: spec.derive,
    auto_rotate_period: key.autoRotatePeriod,
    imported_key: false,
    keys: versionsView(key),
    ...(key.derived ? { kdf: 'hkdf_sha256', convergent_encryption: false } : {}),
  };
}

const NONCE = 12;
const TAG = 16;

function cipherFor(type: KeyType, material: Buffer, nonce: Buffer) {
  const opts = { authTagLength: TAG };
  if (type === 'chacha20-poly1305')
    return createCipheriv('chacha20-poly1305', material, nonce, opts);
  const name = type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm';
  return createCipheriv(name, material, nonce, opts);
}

function decipherFor(type: KeyType, material: Buffer, nonce: Buffer) {
  const opts = { authTagLength: TAG };
  if (type === 'chacha20-poly1305') {
    return createDecipheriv('chacha20-poly1305', material, nonce, opts);
  }
  const name = type === 'aes128-gcm96' ? 'aes-128-gcm' : 'aes-256-gcm';
  return createDecipheriv(name, material, nonce, opts);
}

/** nonce ‖ ciphertext ‖ tag, as Vault lays out its AEAD output before base64. */
export function seal(type: KeyType, material: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = cipherFor(type, material, nonce);
  if (aad.length > 0) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the tag does not verify. */
export function open(
  type: KeyType,
  material: Buffer,
  sealed: Buffer,
  aad: Buffer,
): Buffer | undefined {
  if (sealed.length < NONCE + TAG) return undefined;
  const nonce = sealed.subarray(0, NONCE);
  const body = sealed.subarray(NONCE, sealed.length - TAG);
  const decipher = decipherFor(type, material, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  if (aad.length > 0) decipher.setAAD(aad, { plaintextLength: body.length });
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
