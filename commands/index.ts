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
import { CHECKLIST_CONFIRM_ACTION } from '../templates/checklist-message';

export type { CommandDeps, StatusSection, TenantSection } from './command-support';

/** Registers every listener on the Bolt app. */
export function register(app: App, deps: CommandDeps): void {
  // Add a command here (not with a bare app.command) so the fallback below leaves it alone.
  const commands: Record<string, ReturnType<typeof incidentCommand>> = {
    '/incident': incidentCommand(deps),
    '/tenant': tenantCommand(deps),
    '/runbook': runbookCommand(deps),
  };
  for (const [name, listener] of Object.entries(commands)) app.command(name, listener);
  const served = Object.keys(commands);
  app.command(notServed(served), unservedCommand(deps, served));
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
