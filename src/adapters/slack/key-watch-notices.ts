import type { ChatOutbox } from '../../ports/chat-outbox';
import type { Clock } from '../../ports/clock';
import type { KeyRotationNotice, KeyWatchNotices } from '../../ports/key-watch';
import { renderKeyRotation } from '../../../templates/key-rotation';

/** The rotation watch's messages, in the platform channel (none configured: nothing posted). */
export class ChatKeyWatchNotices implements KeyWatchNotices {
  constructor(
    private readonly outbox: ChatOutbox,
    private readonly platformChannel: string | undefined,
    private readonly clock: Clock,
  ) {}

  async keyRotation(n: { soon: KeyRotationNotice[]; opened: KeyRotationNotice[] }): Promise<void> {
    if (!this.platformChannel) return;
    await this.outbox.send({
      channel: this.platformChannel,
      text: renderKeyRotation(n.soon, n.opened, this.clock.now()),
    });
  }
}
