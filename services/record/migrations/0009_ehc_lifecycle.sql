-- The EHC lifecycle beyond the 20-week clock (SEND Regulations 2014, SI 2014/1530).

-- Reg 10(1): after the assessment the LA may decide not to issue a plan (notice within 16 weeks).
-- A plan, once issued, may cease (CFA 2014 s.45; regs 29-31).
alter table record.ehc_assessment
  add column plan_decision text check (plan_decision in ('issue', 'not_issue')),
  add column plan_decision_date date,
  add column plan_ceased_date date,
  add column plan_cease_reason text check (plan_cease_reason is null or length(btrim(plan_cease_reason)) between 10 and 2000),
  add constraint ehc_assessment_plan_decision_pair check ((plan_decision is null) = (plan_decision_date is null)),
  add constraint ehc_assessment_plan_decision_after_request check (plan_decision_date is null or plan_decision_date >= request_date),
  add constraint ehc_assessment_not_issue_no_plan check (
    plan_decision is distinct from 'not_issue' or (draft_plan_sent_date is null and final_plan_issued_date is null)),
  add constraint ehc_assessment_cease_needs_plan check (
    plan_ceased_date is null or (final_plan_issued_date is not null and plan_ceased_date >= final_plan_issued_date)),
  add constraint ehc_assessment_cease_pair check ((plan_ceased_date is null) = (plan_cease_reason is null));

-- An assessment ended by a decision not to issue is no longer in progress.
drop index record.ehc_assessment_active_idx;
create unique index ehc_assessment_active_idx on record.ehc_assessment (child_id)
  where final_plan_issued_date is null and decision is distinct from 'not_assess'
    and plan_decision is distinct from 'not_issue';

-- Exceptions to the time limits (regs 5(4), 8(2), 10(4), 13(3)): the facts, recorded once by the
-- LA SEND officer with evidence; which limits they excuse is worked out by @hub/ehc-clock.
create table record.ehc_exception (
  id uuid primary key,
  assessment_id uuid not null references record.ehc_assessment (id),
  child_id uuid not null references record.child (id),
  kind text not null check (kind in ('school_closure', 'early_years_closure', 'personal_circumstances',
                                     'absence_from_area', 'missed_appointment')),
  from_date date not null,
  to_date date,
  advice_request_id uuid references record.ehc_advice_request (id),
  evidence text not null check (length(btrim(evidence)) between 10 and 2000),
  recorded_by_sub text not null,
  recorded_at timestamptz not null default now(),
  ended_by_sub text,
  ended_at timestamptz,
  check (to_date is null or to_date >= from_date),
  check ((kind = 'missed_appointment') = (advice_request_id is not null)),
  check ((ended_at is null) = (ended_by_sub is null))
);
create index ehc_exception_assessment_idx on record.ehc_exception (assessment_id);

-- Only an open-ended exception can be ended, once: its facts are evidence.
create function record.ehc_exception_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then raise exception 'EHC exceptions are kept: rows cannot be deleted'; end if;
  if old.to_date is not null or new.to_date is null
     or new.id <> old.id or new.assessment_id <> old.assessment_id or new.child_id <> old.child_id
     or new.kind <> old.kind or new.from_date <> old.from_date or new.evidence <> old.evidence
     or new.advice_request_id is distinct from old.advice_request_id
     or new.recorded_by_sub <> old.recorded_by_sub or new.recorded_at <> old.recorded_at then
    raise exception 'an EHC exception can only be ended (its end date set), once';
  end if;
  return new;
end $$;
create trigger ehc_exception_guard before update or delete on record.ehc_exception
  for each row execute function record.ehc_exception_guard();

-- Mediation and appeals to the First-tier Tribunal (SEND) against a decision on this assessment
-- or plan (CFA 2014 s.51; regs 32-42 mediation; regs 43-44 tribunal powers and compliance).
create table record.ehc_appeal (
  id uuid primary key,
  assessment_id uuid not null references record.ehc_assessment (id),
  child_id uuid not null references record.child (id),
  route text not null check (route in ('mediation', 'tribunal')),
  subject text not null check (subject in ('refusal_to_assess', 'refusal_to_issue', 'plan_contents',
                                           'placement', 'cease')),
  lodged_date date not null,
  -- Mediation: agreed / not_agreed / withdrawn. Tribunal: the order (reg 43(2)) or withdrawn.
  outcome text check (outcome in ('agreed', 'not_agreed', 'withdrawn', 'dismissed', 'assess',
    'make_and_maintain_plan', 'amend_plan', 'amend_placement', 'continue_to_maintain',
    'continue_and_amend', 'dismiss_cease_appeal')),
  outcome_date date,
  not_to_issue boolean not null default false,
  first_step_date date,
  final_step_date date,
  recorded_by_sub text not null,
  recorded_at timestamptz not null default now(),
  check ((outcome is null) = (outcome_date is null)),
  check (outcome_date is null or outcome_date >= lodged_date),
  check (route = 'tribunal' or outcome is null or outcome in ('agreed', 'not_agreed', 'withdrawn')),
  check (route = 'mediation' or outcome is null or outcome not in ('agreed', 'not_agreed')),
  check (first_step_date is null or (outcome_date is not null and first_step_date >= outcome_date)),
  check (final_step_date is null or (outcome_date is not null and final_step_date >= outcome_date))
);
create index ehc_appeal_assessment_idx on record.ehc_appeal (assessment_id, lodged_date);

-- Annual review to amendment (regs 20-22): report, outcome, proposals and the amended plan.
alter table record.annual_review
  add column report_sent_date date,
  add column outcome text check (outcome in ('no_change', 'amend', 'cease')),
  add column amendment_proposed_date date,
  add column amended_plan_issued_date date,
  add constraint annual_review_report_after_meeting check (report_sent_date is null or report_sent_date >= meeting_date),
  add constraint annual_review_outcome_with_decision check (outcome is null or decision_date is not null),
  add constraint annual_review_proposals_for_amend check (
    amendment_proposed_date is null or (outcome = 'amend' and amendment_proposed_date >= meeting_date)),
  add constraint annual_review_amended_after_proposals check (
    amended_plan_issued_date is null or (amendment_proposed_date is not null and amended_plan_issued_date >= amendment_proposed_date));

-- The service role (0004_db_role): exceptions are recorded and ended (never deleted); appeals
-- recorded and updated as they progress.
do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'hub_record') then
    grant select, insert on record.ehc_exception to hub_record;
    grant update (to_date, ended_by_sub, ended_at) on record.ehc_exception to hub_record;
    grant select, insert, update on record.ehc_appeal to hub_record;
  end if;
end $$;
