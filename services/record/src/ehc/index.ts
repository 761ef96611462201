/**
 * The EHC workflow (SEND Regulations 2014): needs assessments, advice, plans, annual reviews,
 * exceptions, appeals, advice reuse and phase transfers. Its resolvers and loaders also serve
 * the child's family information fields (family-information/ holds that part's store).
 */
export { adviceReusedInWindow } from './advice-reuse.ts';
export { ADVICE_AGENCY_OF_ROLE, childrenAwaitingAdvice, markAdviceReceived } from './agency-advice.ts';
export { ehcExceptionSource } from './exceptions.ts';
export { ehcKpis } from './kpis.ts';
export { ehcAdviceReuse, ehcAppeal, ehcException } from './lifecycle-tables.ts';
export { sendLoaders, sendResolvers } from './resolvers.ts';
export {
  ADVICE_AGENCIES,
  type AdviceAgency,
  type AssessmentView,
  assessmentsFor,
  todayInEngland,
} from './workflow.ts';
export { activeAssessments } from './writes.ts';
