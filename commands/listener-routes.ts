import type {
  AllMiddlewareArgs,
  App,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { CommandListener } from './slash-queue';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Which listener answers each name: a key ending in `:` answers every name it begins. */
export type Routes<L> = Readonly<Record<string, L>>;

export interface ListenerRoutes {
  /** By slash command name (`/incident`). */
  commands: Routes<CommandListener>;
  /** Any other slash command. */
  otherCommand: CommandListener;
  /** Buttons, by action_id. */
  buttons: Routes<(args: ButtonArgs) => Promise<void>>;
  /** Modal submissions, by the view's callback_id. */
  views: Routes<(args: ViewArgs) => Promise<void>>;
}

/** The listener for `name`: its own key, else the prefix up to and with its first `:`. */
export function routeOf<L>(routes: Routes<L>, name: string): L | undefined {
  const own = (key: string) =>
    Object.prototype.hasOwnProperty.call(routes, key) ? routes[key] : undefined;
  const exact = own(name);
  if (exact !== undefined) return exact;
  const colon = name.indexOf(':');
  return colon > 0 ? own(name.slice(0, colon + 1)) : undefined;
}

/**
 * One Bolt listener per kind of request (slash command, button, modal submission), choosing by
 * name from a table. Bolt runs every registered listener's matchers on every request (a chain of
 * middleware and promises each): with twenty listeners a slash command's ack allocated ~47 KB
 * and ran twenty chains. A name no route answers is left unacknowledged, as Bolt leaves a
 * request no listener matched.
 */
export function registerRoutes(app: App, routes: ListenerRoutes): void {
  app.command(/^/, (args) =>
    (routeOf(routes.commands, args.command.command) ?? routes.otherCommand)(args),
  );
  app.action<BlockButtonAction>({ type: 'block_actions' }, async (args) => {
    await routeOf(routes.buttons, args.action.action_id)?.(args);
  });
  app.view<ViewSubmitAction>({ type: 'view_submission' }, async (args) => {
    await routeOf(routes.views, args.view.callback_id)?.(args);
  });
}
