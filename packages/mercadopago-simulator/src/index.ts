// The package's public face: create a simulator (an Express router to mount) or start one on a
// port of its own, and the types its API, events and controls are written in.

export {
  createSimulator,
  startSimulatorServer,
  type Simulator,
  type SimulatorOptions,
  type SimulatorServer,
  type SimulatorServerOptions,
} from "./simulator.ts";
export type { Accounts } from "./accounts.ts";
export { axiosDeliver, type DeliverFn } from "./notifier.ts";
export { clearLedgerFaults, ledgerFaultsOf, type LedgerFaults } from "./payments-search.ts";
export type { NotificationControls } from "./notification-controls.ts";
export { DEFAULT_ORDERS_WEBHOOK_SECRET, signOrderNotification } from "./notification-messages.ts";
export {
  DEFAULT_SELLERS,
  type OAuthServer,
  type OAuthServerOptions,
  type SimulatedSeller,
} from "./oauth/oauth-server.ts";
export { FAULT_ENDPOINTS, type FaultEndpoint, type FaultRule } from "./faults.ts";
export type * from "./state/types.ts";
