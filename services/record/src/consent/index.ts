/**
 * Who may see and decide: consents, break-glass, parent carer access, capacity representatives
 * and the consents an open EHC needs assessment is waiting for.
 */
export { childIdsRepresentedBy } from './capacity.ts';
export { capacityResolvers } from './capacity-resolvers.ts';
export {
  confirmConsent,
  type GrantInput,
  getParentCarerAccess,
  grantConsent,
  listConsents,
  myActiveBreakGlass,
  openBreakGlass,
  setParentCarerAccess,
  withdrawConsent,
} from './consents.ts';
export { consentRequests, consentRequestsFrom } from './requests.ts';
