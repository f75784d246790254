/**
 * `sbackup/testing`: tools for testing an app's backup code, not for production: synthetic
 * accounts (realistic, seeded, valid under libsignal's rules) and a storage wrapper that injects
 * faults (crashes and errors at any operation) to prove a local backup survives them.
 */

export {
  type ExtendSyntheticOptions,
  extendSyntheticAccount,
  generateSyntheticAccount,
  type SyntheticAccount,
  type SyntheticAccountOptions,
  type SyntheticAttachment,
} from './synthetic.js';
export { type FaultOptions, type FaultyStorage, withFaults } from './faults.js';
