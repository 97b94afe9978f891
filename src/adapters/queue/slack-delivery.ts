import type { ChatPort } from '../../ports/chat';
import type { Logger } from '../logging/logger';
import type { Database } from '../postgres/database';
import { PgSlackDeliveryStore } from '../postgres/pg-slack-delivery-store';
import type { AppQueue, AppQueueEvents, QueueFactory } from './queue-backend';
import { LiveRegistry } from './slack-delivery-calls';
import { QueuedChat } from './slack-delivery-chat';
import { DeliveryExecutor } from './slack-delivery-executor';
import {
  SLACK_DELIVERY_QUEUE,
  SLACK_POST_RATE,
  type DeliveryJob,
  type LaneRate,
} from './slack-delivery-jobs';
import { DeliveryProducer } from './slack-delivery-producer';

/** The delivery pipeline of one runtime: the queue, its lanes, the chat in front, the client behind. */
export class SlackDelivery {
  readonly queue: AppQueue<DeliveryJob>;
  readonly store: PgSlackDeliveryStore;
  readonly live = new LiveRegistry();
  readonly chat: QueuedChat;
  private events?: AppQueueEvents;

  constructor(
    readonly direct: ChatPort,
    queues: QueueFactory,
    db: Database,
    readonly rate: LaneRate = SLACK_POST_RATE,
  ) {
    this.queue = queues.createQueue<DeliveryJob>(SLACK_DELIVERY_QUEUE);
    this.store = new PgSlackDeliveryStore(db);
    const producer = new DeliveryProducer({
      queue: this.queue,
      events: () => (this.events ??= queues.createQueueEvents(SLACK_DELIVERY_QUEUE)),
      store: this.store,
      rate,
    });
    this.chat = new QueuedChat(producer, this.live);
    deliveries.set(this.chat, this);
  }

  executor(log: Logger, onRateLimited?: (method: string) => void): DeliveryExecutor {
    return new DeliveryExecutor({
      direct: this.direct,
      store: this.store,
      live: this.live,
      queue: this.queue,
      rate: this.rate,
      log,
      onRateLimited,
    });
  }
}

const deliveries = new WeakMap<ChatPort, SlackDelivery>();

/** The pipeline behind a runtime's chat, when it has one (not in console mode). */
export function deliveryOf(chat: ChatPort): SlackDelivery | undefined {
  return deliveries.get(chat);
}
