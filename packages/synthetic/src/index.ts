export {
  buildAgencyFiles,
  buildCouncilCin,
  buildSchoolCtf,
  CIN_YEAR,
  CTF_VERSION,
  laCodeOf,
  schoolDfeNumber,
  syntheticSex,
} from './agency-files.ts';
export {
  buildSyntheticDataset,
  DEFAULT_CHILD_COUNT,
  DEFAULT_SEED,
  DEMO_USERS,
  MAX_CHILD_COUNT,
  ORGANISATION_NAMES,
  TEST_REFERENCE_DATE,
} from './dataset.ts';
export { ageOn, isIsoDate, todayInEngland } from './dates.ts';
export { mulberry32 } from './prng.ts';
export {
  type AdviceAgency,
  buildSendWorkflow,
  type SyntheticAdviceRequest,
  type SyntheticAdviceReuse,
  type SyntheticAnnualReview,
  type SyntheticCapacityRepresentative,
  type SyntheticEhcAppeal,
  type SyntheticEhcAssessment,
  type SyntheticEhcException,
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
