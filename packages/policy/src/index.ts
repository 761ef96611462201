export {
  assessChildAccess,
  type ChildAccessAssessment,
  type ChildAccessDecision,
  canWrite,
  type DenialReason,
  decideChildAccess,
  decideWrite,
  decisionFor,
  defineAbilityFor,
  type HubAbility,
  type PolicyAction,
  type PolicyOptions,
  type PolicySubject,
  type SubjectDecision,
} from './ability.ts';
export {
  ageOn,
  decisionHandoverDate,
  endOfCompulsorySchoolAge,
  englandDate,
  HANDOVER_RULE_TEXT,
  isOverCompulsorySchoolAge,
  schoolLeavingDate,
} from './age.ts';
export {
  activeConsents,
  type ConsentAction,
  type ConsentManagementDecision,
  canManageConsent,
  isConsentActive,
} from './consent.ts';
export { type ConsentKind, consentKindsConsulted, isOfKind } from './consent-kinds.ts';
export { councilOf } from './council.ts';
export {
  activeRepresentatives,
  type DecisionMakers,
  type DecisionStage,
  decisionMakers,
  isActiveRepresentative,
  isRepresentativeActive,
} from './decision-maker.ts';
export type * from './facts.ts';
export { type HandoverNotice, handoverNotice, longDate } from './handover-notice.ts';
export { POLICY_TABLE, type RolePolicy } from './policy-table.ts';
export * from './principal.ts';
export {
  activeBreakGlass,
  BREAK_GLASS_MAX_HOURS,
  BREAK_GLASS_MIN_REASON_LENGTH,
  BREAK_GLASS_REASON_MAX_LENGTH,
  type BreakGlassRequest,
  breakGlassInputProblems,
  hasRelationship,
  normaliseFreeText,
  roleMatchesOrgType,
  validateBreakGlassRequest,
  visibleLength,
} from './relationship.ts';
export {
  type ActionDecision,
  type AdviceDomain,
  adviceWriterRole,
  canConfirmFamilyItem,
  canEditFamilyInformation,
  canManageEhcWorkflow,
  canReadAdvice,
  canReadAdviceDraft,
  canReadHealthAdvice,
  canReadHealthAdviceDraft,
  canSeeEhcWorkflow,
  canSeeFamilyInformation,
  canSeeKpis,
  canWriteAdvice,
  canWriteHealthAdvice,
  PARTNER_ROLES,
} from './send-workflow.ts';
export * from './subjects.ts';
export * from './vocabulary.ts';
export {
  ADVICE_SUBJECT,
  isRefusalCode,
  REFUSALS,
  type RefusalAudit,
  type RefusalCode,
  refusal,
  WRITE_CHECKS,
  WRITES,
  WRITES_WITHOUT_CHILD,
  type WriteAction,
  type WriteCheck,
  type WriteDecision,
  type WriteSubject,
} from './writes.ts';
