import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../templates/incident-card';
import { DECLARE_CALLBACK_ID } from '../templates/declare-modal';
import type { CommandDeps } from './command-support';
import { acknowledgeButton, modalButton } from './incident-buttons';
import { incidentCommand } from './incident-command';
import { declareSubmission, updateSubmission } from './modal-submissions';
import { pinReaction } from './pin-reaction';
import {
  approveCustomerButton,
  customerEditSubmission,
  editCustomerButton,
  editPeopleButton,
  peopleSubmission,
} from './postmortem-buttons';
import { POSTMORTEM_EDIT_ACTION, POSTMORTEM_PEOPLE_CALLBACK } from '../templates/postmortem-slack';
import {
  CUSTOMER_APPROVE_ACTION,
  CUSTOMER_EDIT_ACTION,
  CUSTOMER_EDIT_CALLBACK,
} from '../templates/customer-draft';
import { tenantCommand } from './tenant-command';
import { restoreOfferButton, runbookButton, runbookCommand } from './runbook-command';
import { RESTORE_OFFER_ACTION } from '../templates/runbook-offers';
import { RUNBOOK_ACTIONS } from '../templates/runbook-message';
import { unservedCommand } from './unserved-command';
import { registerRoutes } from './listener-routes';
import { checklistConfirmButton } from './tenant-checklist';
import type { CommandListener } from './slash-queue';
import { CHECKLIST_CONFIRM_ACTION } from '../templates/checklist-message';

export type { CommandDeps, StatusSection, TenantSection } from './command-support';
export { queued, runQueued, type CommandListener, type QueuedCommand } from './slash-queue';

export interface SlashCommands {
  /** The served commands' listeners, by command name. */
  served: Record<string, CommandListener>;
  /** The answer to any other command. */
  unserved: CommandListener;
}

/** The slash commands' listeners, as `web` registers them and a worker runs queued ones. */
export function slashCommands(deps: CommandDeps): SlashCommands {
  // Add a command here (not with a bare app.command) so the fallback leaves it alone.
  const served: Record<string, CommandListener> = {
    '/incident': incidentCommand(deps),
    '/tenant': tenantCommand(deps),
    '/runbook': runbookCommand(deps),
  };
  return { served, unserved: unservedCommand(deps, Object.keys(served)) };
}

/**
 * Registers every listener on the Bolt app, one per kind of request (see registerRoutes).
 * `wrap` (web next to workers: `queued`) decides where a slash command runs.
 */
export function register(
  app: App,
  deps: CommandDeps,
  wrap: (listener: CommandListener) => CommandListener = (l) => l,
): void {
  const slash = slashCommands(deps);
  registerRoutes(app, {
    commands: Object.fromEntries(Object.entries(slash.served).map(([n, l]) => [n, wrap(l)])),
    otherCommand: wrap(slash.unserved),
    buttons: {
      [ACTION_IDS.acknowledge]: acknowledgeButton(deps),
      [ACTION_IDS.postUpdate]: modalButton(deps, 'update'),
      [ACTION_IDS.resolve]: modalButton(deps, 'resolve'),
      [RUNBOOK_ACTIONS.approve]: runbookButton(deps, 'approve'),
      [RUNBOOK_ACTIONS.cancel]: runbookButton(deps, 'cancel'),
      [RESTORE_OFFER_ACTION]: restoreOfferButton(deps),
      [POSTMORTEM_EDIT_ACTION]: editPeopleButton(deps),
      [CUSTOMER_APPROVE_ACTION]: approveCustomerButton(deps),
      [CUSTOMER_EDIT_ACTION]: editCustomerButton(deps),
      // One per checklist item: `checklist_confirm:<item>`.
      [`${CHECKLIST_CONFIRM_ACTION}:`]: checklistConfirmButton(deps),
    },
    views: {
      [DECLARE_CALLBACK_ID]: declareSubmission(deps),
      incident_update_modal: updateSubmission(deps, 'update'),
      incident_resolve_modal: updateSubmission(deps, 'resolve'),
      [POSTMORTEM_PEOPLE_CALLBACK]: peopleSubmission(deps),
      [CUSTOMER_EDIT_CALLBACK]: customerEditSubmission(deps),
    },
  });
  app.event('reaction_added', pinReaction(deps));
}
