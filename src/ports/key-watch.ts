import type { KeyBackend } from './tenant-keys';

/** A tenant key the rotation watch looked at and found due soon, or due (a run opened). */
export interface KeyRotationNotice {
  tenant: string;
  keyRef: string;
  backend: KeyBackend;
  latestVersion: number;
  latestCreatedAt: Date;
  dueAt: Date;
  /** The rotation run the watch opened (due keys). */
  run?: number;
}

/** What the rotation watch says in chat (the platform channel), rendered by the chat adapter. */
export interface KeyWatchNotices {
  /** One message per pass: keys to rotate soon, and keys due whose rotation run was opened. */
  keyRotation(notices: { soon: KeyRotationNotice[]; opened: KeyRotationNotice[] }): Promise<void>;
}

/** Remembers which key versions were already warned about, so each is warned once. */
export interface KeyWatchLedger {
  /** True the first time it is called for this tenant's key version (false ever after). */
  firstWarning(tenant: string, keyRef: string, version: number, at: Date): Promise<boolean>;
}
