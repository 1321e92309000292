/*
 * The offboarding receipt is a domain type (the store keeps it, the console and explain show it): it lives in
 * src/domain/offboarding-receipt.ts and is re-exported here for the code that still imports it from lifecycle/.
 */
export {
  accessRemoved,
  type OffboardingOutcome,
  type OffboardingReceipt,
} from '../domain/offboarding-receipt.ts';
