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
import { notServed, unservedCommand } from './unserved-command';
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
 * Registers every listener on the Bolt app. `wrap` (web next to workers: `queued`) decides
 * where a slash command runs.
 */
export function register(
  app: App,
  deps: CommandDeps,
  wrap: (listener: CommandListener) => CommandListener = (l) => l,
): void {
  const slash = slashCommands(deps);
  for (const [name, listener] of Object.entries(slash.served)) app.command(name, wrap(listener));
  app.command(notServed(Object.keys(slash.served)), wrap(slash.unserved));
  app.action(ACTION_IDS.acknowledge, acknowledgeButton(deps));
  app.action(ACTION_IDS.postUpdate, modalButton(deps, 'update'));
  app.action(ACTION_IDS.resolve, modalButton(deps, 'resolve'));
  app.view(DECLARE_CALLBACK_ID, declareSubmission(deps));
  app.view('incident_update_modal', updateSubmission(deps, 'update'));
  app.view('incident_resolve_modal', updateSubmission(deps, 'resolve'));
  app.event('reaction_added', pinReaction(deps));
  app.action(RUNBOOK_ACTIONS.approve, runbookButton(deps, 'approve'));
  app.action(RUNBOOK_ACTIONS.cancel, runbookButton(deps, 'cancel'));
  app.action(RESTORE_OFFER_ACTION, restoreOfferButton(deps));
  app.action(POSTMORTEM_EDIT_ACTION, editPeopleButton(deps));
  app.view(POSTMORTEM_PEOPLE_CALLBACK, peopleSubmission(deps));
  app.action(CUSTOMER_APPROVE_ACTION, approveCustomerButton(deps));
  app.action(CUSTOMER_EDIT_ACTION, editCustomerButton(deps));
  app.view(CUSTOMER_EDIT_CALLBACK, customerEditSubmission(deps));
  app.action(new RegExp(`^${CHECKLIST_CONFIRM_ACTION}:`), checklistConfirmButton(deps));
}
