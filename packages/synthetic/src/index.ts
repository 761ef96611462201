export {
  buildSyntheticDataset,
  DEFAULT_CHILD_COUNT,
  DEFAULT_SEED,
  DEMO_USERS,
  MAX_CHILD_COUNT,
  REFERENCE_DATE,
} from './dataset.ts';
export { ageOn, isIsoDate } from './dates.ts';
export { mulberry32 } from './prng.ts';
export {
  type AdviceAgency,
  buildSendWorkflow,
  type SyntheticAdviceRequest,
  type SyntheticAnnualReview,
  type SyntheticEhcAssessment,
  type SyntheticFamilyInformation,
  type SyntheticSendWorkflow,
  type SyntheticSupportWhileWaiting,
} from './send-workflow.ts';
export type {
  DemoUser,
  Pathway,
  SenStatus,
  SocialCareStatus,
  SyntheticChild,
  SyntheticDataset,
  SyntheticOrg,
} from './types.ts';
