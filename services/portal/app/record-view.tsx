import type { GqlError } from './api.ts';
import type { ChildRecord } from './child-record.ts';
import { EhcAssessments } from './ehc-assessments.tsx';
import { CONTACT_METHOD_LABEL } from './family-details.tsx';
import { formatDate, refusalText, SEN_STATUS, SOCIAL_CARE_STATUS } from './text.ts';

export const PATHWAY: Record<string, string> = {
  NEURODEVELOPMENTAL: 'Neurodevelopmental (for example autism or ADHD) assessment',
  SPEECH_AND_LANGUAGE: 'Speech and language therapy',
};

/** The refusal for a field, if the hub refused it (errors name the field in extensions). */
export function refusalFor(errors: GqlError[], field: string): GqlError | undefined {
  return errors.find(
    (e) => e.extensions?.field === field || (e.path && e.path[e.path.length - 1] === field.split('.')[1]),
  );
}

export function Refused({ error, role, purpose }: { error: GqlError; role: string; purpose: string }) {
  return (
    <div className="refused">
      <p>
        <strong>Not shown.</strong> {refusalText(error.extensions, role, purpose)}
      </p>
    </div>
  );
}

export function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function RecordView({
  child,
  errors,
  role,
  purpose,
}: {
  child: ChildRecord;
  errors: GqlError[];
  role: string;
  purpose: string;
}) {
  const field = (name: keyof ChildRecord, label: string, value: string | null) => {
    const refused = refusalFor(errors, `Child.${String(name)}`);
    return <Row label={label} value={refused ? 'Not shown to you' : (value ?? 'Not recorded')} />;
  };
  const edu = refusalFor(errors, 'Child.education');
  const health = refusalFor(errors, 'Child.health');
  const social = refusalFor(errors, 'Child.socialCare');
  return (
    <>
      <h2>About the child</h2>
      <dl className="summary-list">
        {field('dateOfBirth', 'Date of birth', child.dateOfBirth ? formatDate(child.dateOfBirth) : null)}
        {field('nhsNumber', 'NHS number', child.nhsNumber)}
        {field('upn', 'Unique pupil number (UPN)', child.upn)}
      </dl>

      {child.familyInformation && (
        <section aria-labelledby="family-info-heading" className="section" data-section="family-information">
          <h2 id="family-info-heading">What the family told us</h2>
          <p className="hint">
            Written by the{' '}
            {child.familyInformation.updatedByRole === 'young_person' ? 'young person' : 'family'} so they
            only have to say it once. Last changed {formatDate(child.familyInformation.updatedAt)}.
          </p>
          <dl className="summary-list">
            <Row
              label="What matters to me"
              value={child.familyInformation.aboutMe.whatMattersToMe ?? 'Not given'}
            />
            <Row label="What helps me" value={child.familyInformation.aboutMe.whatHelps ?? 'Not given'} />
            <Row
              label="How I communicate"
              value={child.familyInformation.aboutMe.communicationNeeds ?? 'Not given'}
            />
            <Row
              label="How to contact the family"
              value={
                [
                  CONTACT_METHOD_LABEL[child.familyInformation.contactPreferences.preferredMethod ?? ''] ??
                    child.familyInformation.contactPreferences.preferredMethod,
                  child.familyInformation.contactPreferences.bestTimeToContact,
                  child.familyInformation.contactPreferences.language,
                  child.familyInformation.contactPreferences.interpreterNeeded
                    ? 'needs an interpreter'
                    : null,
                ]
                  .filter(Boolean)
                  .join(', ') || 'Not given'
              }
            />
            <Row
              label="Key history"
              value={
                child.familyInformation.keyEvents
                  ?.map((e) => (e.date ? `${formatDate(e.date)}: ${e.description}` : e.description))
                  .join('; ') || 'Nothing told yet'
              }
            />
          </dl>
        </section>
      )}
      {child.ehcAssessments && <EhcAssessments assessments={child.ehcAssessments} />}

      <section aria-labelledby="education-heading" className="section" data-section="education">
        <h2 id="education-heading">Education (from the school)</h2>
        {edu ? (
          <Refused error={edu} role={role} purpose={purpose} />
        ) : child.education ? (
          <dl className="summary-list">
            <Row label="School" value={child.education.school?.name ?? 'Not recorded'} />
            <Row
              label="Special educational needs"
              value={SEN_STATUS[child.education.senStatus ?? ''] ?? 'Not recorded'}
            />
            <Row
              label="Attendance this school year"
              value={
                child.education.attendancePercent == null
                  ? 'Not recorded'
                  : `${child.education.attendancePercent}%`
              }
            />
            <Row
              label="Extra help in place"
              value={
                child.education.provisions
                  ?.map(
                    (p) =>
                      p.description +
                      (p.hoursPerWeek
                        ? ` (${p.hoursPerWeek} ${p.hoursPerWeek === 1 ? 'hour' : 'hours'} a week)`
                        : ''),
                  )
                  .join('; ') || 'None recorded'
              }
            />
            {child.education.sencoNotes != null && (
              <Row label="Notes from the SENCO" value={child.education.sencoNotes} />
            )}
          </dl>
        ) : (
          <p>The school has not recorded anything.</p>
        )}
      </section>

      <section aria-labelledby="health-heading" className="section" data-section="health">
        <h2 id="health-heading">Health (from the NHS)</h2>
        {health ? (
          <Refused error={health} role={role} purpose={purpose} />
        ) : child.health ? (
          <dl className="summary-list">
            <Row
              label="Health services involved"
              value={
                child.health.involvements
                  ?.filter((i) => i.active)
                  .map((i) => i.service)
                  .join(', ') || 'None at the moment'
              }
            />
            <Row
              label="Waiting for"
              value={
                child.health.pathwayWaits
                  ?.map(
                    (w) =>
                      `${PATHWAY[w.pathway] ?? w.pathway}: ${w.seenDate ? `seen on ${formatDate(w.seenDate)}` : `waiting ${w.weeksWaited} weeks`}`,
                  )
                  .join('; ') || 'Nothing'
              }
            />
            {child.health.diagnoses != null && (
              <Row
                label="Diagnoses"
                value={child.health.diagnoses.map((d) => d.description).join(', ') || 'None recorded'}
              />
            )}
          </dl>
        ) : (
          <p>No health service holds anything.</p>
        )}
      </section>

      <section aria-labelledby="social-heading" className="section" data-section="socialCare">
        <h2 id="social-heading">Social care (from children's social care)</h2>
        {social ? (
          <Refused error={social} role={role} purpose={purpose} />
        ) : child.socialCare ? (
          <dl className="summary-list">
            {child.socialCare.status != null && (
              <Row
                label="Involvement"
                value={SOCIAL_CARE_STATUS[child.socialCare.status] ?? child.socialCare.status}
              />
            )}
            <Row
              label="Social worker"
              value={
                child.socialCare.allocatedWorker
                  ? `${child.socialCare.allocatedWorker.name}${child.socialCare.allocatedWorker.team ? `, ${child.socialCare.allocatedWorker.team}` : ''}`
                  : 'None allocated'
              }
            />
            <Row
              label="Short breaks"
              value={
                child.socialCare.shortBreaks
                  ?.map((b) => b.description + (b.nightsPerYear ? ` (${b.nightsPerYear} nights a year)` : ''))
                  .join('; ') || 'None'
              }
            />
          </dl>
        ) : (
          <p>Children's social care does not hold anything.</p>
        )}
      </section>
    </>
  );
}
