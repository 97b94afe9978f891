import type { Capability } from './vault-emulator-auth';
import {
  dataReply,
  errorReply,
  intField,
  multiError,
  type VaultReply,
  type VaultRequest,
} from './vault-emulator-http';
import {
  isKeyType,
  KEY_TYPES,
  keyView,
  newVersion,
  open,
  seal,
  type KeyType,
  type TransitKey,
} from './vault-emulator-keys';

export interface TransitRoute {
  capability: Capability;
  handle(): VaultReply;
}

// framework.GenericNameRegex: a word character at each end, word characters, '-', '.', '@' inside.
const NAME = String.raw`(\w(?:[\w.@-]*\w)?)`;
const ROUTES = [
  { kind: 'rotate', re: new RegExp(`^keys/${NAME}/rotate$`) },
  { kind: 'config', re: new RegExp(`^keys/${NAME}/config$`) },
  { kind: 'key', re: new RegExp(`^keys/${NAME}$`) },
  { kind: 'encrypt', re: new RegExp(`^encrypt/${NAME}$`) },
  { kind: 'decrypt', re: new RegExp(`^decrypt/${NAME}$`) },
] as const;

const unsupported = (): VaultReply => errorReply(405, multiError('unsupported operation'));

/** One transit secrets engine mount: named keys with versions, and the endpoints tenantops uses. */
export class TransitEngine {
  readonly keys = new Map<string, TransitKey>();

  constructor(private readonly now: () => number) {}

  createKey(
    name: string,
    type: KeyType,
    createdAt: Date,
    opts: Partial<TransitKey> = {},
  ): TransitKey {
    const key: TransitKey = {
      name,
      type,
      derived: false,
      exportable: false,
      allowPlaintextBackup: false,
      deletionAllowed: false,
      autoRotatePeriod: 0,
      minDecryptionVersion: 1,
      minEncryptionVersion: 0,
      versions: [newVersion(type, createdAt)],
      ...opts,
    };
    this.keys.set(name, key);
    return key;
  }

  /** The route for `rest` (the path after the mount), or undefined for Vault's unsupported-path 404. */
  route(req: VaultRequest, rest: string): TransitRoute | undefined {
    for (const { kind, re } of ROUTES) {
      const m = re.exec(rest);
      if (!m?.[1]) continue;
      const name = m[1];
      const write = req.method === 'POST' || req.method === 'PUT';
      if (kind === 'key' && req.method === 'GET')
        return { capability: 'read', handle: () => this.read(name) };
      if (!write)
        return { capability: req.method === 'GET' ? 'read' : 'delete', handle: unsupported };
      switch (kind) {
        case 'key':
          return { capability: 'update', handle: () => this.create(name, req.body) };
        case 'rotate':
          return { capability: 'update', handle: () => this.rotate(name) };
        case 'config':
          return { capability: 'update', handle: () => this.config(name, req.body) };
        case 'encrypt':
          // Encrypt has an existence check: writing to a missing key is a `create` (an upsert).
          return {
            capability: this.keys.has(name) ? 'update' : 'create',
            handle: () => this.encrypt(name, req.body),
          };
        case 'decrypt':
          return { capability: 'update', handle: () => this.decrypt(name, req.body) };
      }
    }
    return undefined;
  }

  private reply(key: TransitKey, warnings: string[] = []): VaultReply {
    return dataReply(keyView(key), { mountType: 'transit', warnings });
  }

  private read(name: string): VaultReply {
    const key = this.keys.get(name);
    // A read of nothing is a 404 with an empty error list.
    return key ? this.reply(key) : errorReply(404);
  }

  private create(name: string, body: Record<string, unknown>): VaultReply {
    const existing = this.keys.get(name);
    if (existing) return this.reply(existing, [`key ${name} already existed`]);
    const type = typeof body.type === 'string' ? body.type : 'aes256-gcm96';
    if (!isKeyType(type)) return errorReply(400, `unknown key type ${type}`);
    const derived = body.derived === true;
    if (body.convergent_encryption === true && !derived) {
      return errorReply(400, 'convergent encryption requires derivation to be enabled');
    }
    const key = this.createKey(name, type, new Date(this.now()), {
      derived,
      exportable: body.exportable === true,
      allowPlaintextBackup: body.allow_plaintext_backup === true,
    });
    return this.reply(key);
  }

  private rotate(name: string): VaultReply {
    const key = this.keys.get(name);
    if (!key) return errorReply(400, 'key not found');
    key.versions.push(newVersion(key.type, new Date(this.now())));
    return this.reply(key);
  }

  // Validation and messages as in builtin/logical/transit/path_keys_config.go.
  private config(name: string, body: Record<string, unknown>): VaultReply {
    const key = this.keys.get(name);
    if (!key) return errorReply(400, `no existing key named ${name} could be found`);
    const latest = key.versions.length;
    const warnings: string[] = [];
    let minDec = key.minDecryptionVersion;
    let minEnc = key.minEncryptionVersion;
    const dec = intField(body, 'min_decryption_version');
    if (dec === null) return errorReply(400, 'min_decryption_version must be an integer');
    if (dec !== undefined) {
      if (dec < 0) return errorReply(400, 'min decryption version cannot be negative');
      minDec = dec === 0 ? 1 : dec;
      if (dec === 0) {
        warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
      }
      if (minDec > latest) {
        return errorReply(
          400,
          `cannot set min decryption version of ${minDec}, latest key version is ${latest}`,
        );
      }
    }
    const enc = intField(body, 'min_encryption_version');
    if (enc === null) return errorReply(400, 'min_encryption_version must be an integer');
    if (enc !== undefined) {
      if (enc < 0) return errorReply(400, 'min encryption version cannot be negative');
      if (enc > latest) {
        return errorReply(
          400,
          `cannot set min encryption version of ${enc}, latest key version is ${latest}`,
        );
      }
      minEnc = enc;
    }
    if (minEnc > 0 && minEnc < minDec) {
      return errorReply(
        400,
        `cannot set min encryption/decryption values; min encryption version of ${minEnc} must be greater than or equal to min decryption version of ${minDec}`,
      );
    }
    key.minDecryptionVersion = minDec;
    key.minEncryptionVersion = minEnc;
    if (typeof body.deletion_allowed === 'boolean') key.deletionAllowed = body.deletion_allowed;
    if (body.exportable === true) key.exportable = true;
    if (body.allow_plaintext_backup === true) key.allowPlaintextBackup = true;
    return this.reply(key, warnings);
  }

  private encrypt(name: string, body: Record<string, unknown>): VaultReply {
    if (typeof body.plaintext !== 'string') return errorReply(400, 'missing plaintext to encrypt');
    const plaintext = decodeBase64(body.plaintext);
    if (!plaintext) return errorReply(400, 'failed to base64-decode plaintext');
    const aad = decodeBase64(typeof body.associated_data === 'string' ? body.associated_data : '');
    if (!aad) return errorReply(400, 'failed to base64-decode associated_data');
    let key = this.keys.get(name);
    if (!key) {
      const type = typeof body.type === 'string' ? body.type : 'aes256-gcm96';
      if (!isKeyType(type)) return errorReply(400, `unknown key type ${type}`);
      key = this.createKey(name, type, new Date(this.now()));
    }
    if (!KEY_TYPES[key.type].symmetric) {
      return errorReply(
        400,
        `message encryption not supported for key type ${key.type} (emulator)`,
      );
    }
    const latest = key.versions.length;
    const asked = intField(body, 'key_version');
    if (asked === null) return errorReply(400, 'key_version must be an integer');
    const version = asked === undefined || asked === 0 ? latest : asked;
    if (version > latest || version < Math.max(1, key.minEncryptionVersion)) {
      return errorReply(400, 'requested version for encryption is not within the allowed range');
    }
    const material = key.versions[version - 1]!.material;
    const sealed = seal(key.type, material, plaintext, aad);
    const ciphertext = `vault:v${version}:${sealed.toString('base64')}`;
    return dataReply({ ciphertext, key_version: version }, { mountType: 'transit' });
  }

  // Checks and messages in the order of sdk/helper/keysutil/policy.go (Decrypt).
  private decrypt(name: string, body: Record<string, unknown>): VaultReply {
    const key = this.keys.get(name);
    if (typeof body.ciphertext !== 'string' || body.ciphertext === '') {
      return errorReply(400, 'missing ciphertext to decrypt');
    }
    if (!key) return errorReply(400, 'encryption key not found');
    const value = body.ciphertext;
    if (!value.startsWith('vault:v')) return errorReply(400, 'invalid ciphertext: no prefix');
    const [verText, payload] = splitOnce(value.slice('vault:v'.length), ':');
    if (payload === undefined) return errorReply(400, 'invalid ciphertext: wrong number of fields');
    if (!/^\d+$/.test(verText)) {
      return errorReply(400, 'invalid ciphertext: version number could not be decoded');
    }
    const version = Math.max(1, Number(verText));
    if (version > key.versions.length)
      return errorReply(400, 'invalid ciphertext: version is too new');
    if (version < key.minDecryptionVersion) {
      return errorReply(400, 'ciphertext or signature version is disallowed by policy (too old)');
    }
    const sealed = decodeBase64(payload);
    if (!sealed) return errorReply(400, 'invalid ciphertext: could not decode base64');
    const aad = decodeBase64(typeof body.associated_data === 'string' ? body.associated_data : '');
    if (!aad) return errorReply(400, 'failed to base64-decode associated_data');
    const plain = open(key.type, key.versions[version - 1]!.material, sealed, aad);
    if (!plain) return errorReply(400, 'cipher: message authentication failed');
    return dataReply({ plaintext: plain.toString('base64') }, { mountType: 'transit' });
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function decodeBase64(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64');
}
