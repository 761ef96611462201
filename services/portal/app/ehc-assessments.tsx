import type { EhcAssessment } from './child-record.ts';
import { formatDate } from './text.ts';

/** The record's EHC section: assessments, their statutory milestones and advice requests. */

export const MILESTONE: Record<string, string> = {
  decision_to_assess: 'Decision whether to assess (6 weeks)',
  draft_plan: 'Draft plan (target)',
  final_plan: 'Final EHC plan (20 weeks)',
  'advice:health': 'Health advice (6 weeks from request)',
  'advice:social_care': 'Social care advice (6 weeks from request)',
  'advice:educational_psychology': 'Educational psychology advice (6 weeks from request)',
  'advice:education': 'Education advice (6 weeks from request)',
};

export const MILESTONE_STATUS: Record<string, string> = {
  not_due: 'Not due yet',
  due_soon: 'Due within 7 days',
  overdue: 'Late',
  met: 'Done on time',
  missed: 'Done late',
};

export function statusTag(status: string): string {
  return status === 'overdue' || status === 'missed'
    ? 'tag tag-red'
    : status === 'met'
      ? 'tag tag-green'
      : 'tag tag-grey';
}

/** EHC needs assessments with their legal deadlines (SEND Regulations 2014). */
export function EhcAssessments({ assessments }: { assessments: EhcAssessment[] }) {
  return (
    <section aria-labelledby="ehc-heading" className="section" data-section="ehc">
      <h2 id="ehc-heading">EHC needs assessment</h2>
      {assessments.length === 0 ? (
        <p>No EHC (education, health and care) needs assessment has been requested.</p>
      ) : (
        assessments.map((a) => (
          <table className="table" key={a.id}>
            <caption className="table-caption">
              Requested on {formatDate(a.requestDate)}
              {a.active ? '' : ' (finished)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {a.milestones.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{MILESTONE[m.name] ?? m.name}</th>
                  <td>{formatDate(m.dueDate)}</td>
                  <td>
                    <strong className={statusTag(m.status)}>{MILESTONE_STATUS[m.status] ?? m.status}</strong>
                    {m.status === 'overdue' && m.daysLate != null && ` ${m.daysLate} days late`}
                    {(m.status === 'not_due' || m.status === 'due_soon') &&
                      m.daysRemaining != null &&
                      ` ${m.daysRemaining} days left`}
                    {m.completedDate && ` – done ${formatDate(m.completedDate)}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))
      )}
    </section>
  );
}
