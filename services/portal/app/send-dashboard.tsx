import { useEffect, useState } from 'react';
import { gql, readErrors } from './api.ts';
import { ErrorSummary } from './fields.tsx';

interface Plans {
  label: string;
  issued: number;
  within20Weeks: number;
  percentWithin20Weeks: number | null;
  exceptionCases: number;
  percentWithin20WeeksExcludingExceptions: number | null;
}
interface Rate {
  due: number;
  onTime: number;
  percent: number | null;
}
interface Waits {
  count: number;
  medianWeeks: number | null;
  p90Weeks: number | null;
  percentPastStandard: number | null;
}
interface SendDashboard {
  asAt: string;
  targets: { plansWithin20Weeks: number };
  plansCalendarYear: Plans;
  plansPreviousCalendarYear: Plans;
  plansRolling12Months: Plans;
  weeksToIssue: { label: string; plans: number }[];
  annualReviewsRolling12Months: Rate;
  reviewDecisionsRolling12Months: Rate;
  adviceRolling12Months: (Rate & { agency: string })[];
  trend: { month: string; plans: Plans; meetsPlanTarget: boolean | null }[];
  familyInformationConfirmations: {
    confirmations: number;
    adviceReusedWithConsent: number | null;
    adviceReuseModelled: boolean;
  };
  pathways: {
    pathway: string;
    standardWeeks: number;
    current: Waits & { offeredSupport: number };
    completed: Waits;
  }[];
  familyInformationViews: { views: number; children: number; organisations: number };
}

const PLANS =
  'label issued within20Weeks percentWithin20Weeks exceptionCases percentWithin20WeeksExcludingExceptions';
const QUERY = /* GraphQL */ `
  query SendDashboard {
    sendDashboard {
      asAt
      targets { plansWithin20Weeks }
      plansCalendarYear { ${PLANS} }
      plansPreviousCalendarYear { ${PLANS} }
      plansRolling12Months { ${PLANS} }
      weeksToIssue { label plans }
      annualReviewsRolling12Months { due onTime percent }
      reviewDecisionsRolling12Months { due onTime percent }
      adviceRolling12Months { agency due onTime percent }
      trend { month plans { ${PLANS} } meetsPlanTarget }
      familyInformationConfirmations { confirmations adviceReusedWithConsent adviceReuseModelled }
      pathways {
        pathway standardWeeks
        current { count medianWeeks p90Weeks percentPastStandard offeredSupport }
        completed { count medianWeeks p90Weeks percentPastStandard }
      }
      familyInformationViews { views children organisations }
    }
  }
`;

const AGENCY: Record<string, string> = {
  health: 'Health advice (NHS)',
  social_care: "Social care advice (children's social care)",
  educational_psychology: 'Educational psychology advice',
  education: 'Education advice (school)',
};
const PATHWAY: Record<string, string> = {
  NEURODEVELOPMENTAL: 'Neurodevelopmental (including autism)',
  SPEECH_AND_LANGUAGE: 'Speech and language therapy',
};

const pct = (p: number | null) => (p === null ? 'None due' : `${p}%`);
const planPct = (p: number | null) => (p === null ? 'No plans' : `${p}%`);
const weeks = (w: number | null) => (w === null ? 'Nobody' : `${w} weeks`);
const rate = (r: Rate) => (r.due === 0 ? 'None due' : `${r.percent}% (${r.onTime} of ${r.due})`);
const monthName = (month: string) =>
  new Date(`${month}-01T12:00:00Z`).toLocaleDateString('en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

/**
 * The national measures (SEN2) and the council's trends, under the existing KPIs: tables with
 * captions and header cells, so a screen reader user hears what each number is.
 */
export function SendDashboardPanel() {
  const [state, setState] = useState<'loading' | 'unavailable' | SendDashboard>('loading');
  const [errors, setErrors] = useState<string[]>([]);

  useEffect(() => {
    void (async () => {
      const r = await gql<{ sendDashboard: SendDashboard }>(QUERY);
      setErrors(readErrors(r));
      setState(r.data?.sendDashboard ?? 'unavailable');
    })();
  }, []);

  if (state === 'loading' || state === 'unavailable')
    return errors.length > 0 ? <ErrorSummary messages={errors} /> : null;
  const d = state;
  return (
    <div data-testid="national-measures">
      <ErrorSummary messages={errors} />
      <h2>National measures</h2>
      <table className="table">
        <caption className="table-caption">New EHC plans issued within 20 weeks of the request</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Plans issued</th>
            <th scope="col">Within 20 weeks</th>
            <th scope="col">Excluding exception cases</th>
          </tr>
        </thead>
        <tbody>
          {[d.plansCalendarYear, d.plansPreviousCalendarYear, d.plansRolling12Months].map((p) => (
            <tr key={p.label}>
              <th scope="row">{p.label === '12 months' ? 'Last 12 months' : p.label}</th>
              <td>{p.issued}</td>
              <td>
                {p.issued === 0
                  ? 'No plans issued'
                  : `${planPct(p.percentWithin20Weeks)} (${p.within20Weeks})`}
              </td>
              <td>
                {planPct(p.percentWithin20WeeksExcludingExceptions)}
                {p.exceptionCases > 0 ? ` (${p.exceptionCases} left out)` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <table className="table">
        <caption className="table-caption">Weeks from request to final plan, last 12 months</caption>
        <thead>
          <tr>
            <th scope="col">Weeks taken</th>
            <th scope="col">Plans</th>
          </tr>
        </thead>
        <tbody>
          {d.weeksToIssue.map((b) => (
            <tr key={b.label}>
              <th scope="row">{b.label}</th>
              <td>{b.plans}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <table className="table">
        <caption className="table-caption">Done on time, last 12 months</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">On time</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Annual reviews held within 12 months</th>
            <td>{rate(d.annualReviewsRolling12Months)}</td>
          </tr>
          <tr>
            <th scope="row">Review decisions within 4 weeks</th>
            <td>{rate(d.reviewDecisionsRolling12Months)}</td>
          </tr>
          {d.adviceRolling12Months.map((a) => (
            <tr key={a.agency}>
              <th scope="row">{AGENCY[a.agency] ?? a.agency} within 6 weeks</th>
              <td>{rate(a)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <table className="table">
        <caption className="table-caption">
          Plans within 20 weeks by month (excluding exception cases), against the target of{' '}
          {d.targets.plansWithin20Weeks}%
        </caption>
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col">Plans issued</th>
            <th scope="col">Within 20 weeks</th>
            <th scope="col">Target met</th>
          </tr>
        </thead>
        <tbody>
          {d.trend.map((m) => (
            <tr key={m.month}>
              <th scope="row">{monthName(m.month)}</th>
              <td>{m.plans.issued}</td>
              <td>{planPct(m.plans.percentWithin20WeeksExcludingExceptions)}</td>
              <td>{m.meetsPlanTarget === null ? 'No plans' : m.meetsPlanTarget ? 'Yes' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Waiting for a specialist assessment</h2>
      <table className="table">
        <caption className="table-caption">
          Waits from referral, against a standard of {d.pathways[0]?.standardWeeks ?? 13} weeks (NICE: start
          an autism assessment within 3 months of referral)
        </caption>
        <thead>
          <tr>
            <th scope="col">Pathway</th>
            <th scope="col">Waiting now</th>
            <th scope="col">Middle wait (median)</th>
            <th scope="col">Longest 1 in 10 wait at least</th>
            <th scope="col">Waiting longer than the standard</th>
            <th scope="col">Offered support while waiting</th>
            <th scope="col">Seen in the last 12 months: median wait</th>
          </tr>
        </thead>
        <tbody>
          {d.pathways.map((p) => (
            <tr key={p.pathway}>
              <th scope="row">{PATHWAY[p.pathway] ?? p.pathway}</th>
              <td>{p.current.count}</td>
              <td>{weeks(p.current.medianWeeks)}</td>
              <td>{weeks(p.current.p90Weeks)}</td>
              <td>{pct(p.current.percentPastStandard)}</td>
              <td>{p.current.offeredSupport}</td>
              <td>
                {weeks(p.completed.medianWeeks)} ({p.completed.count} seen)
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Families repeat themselves less</h2>
      <dl className="summary-list">
        {[
          [
            'Times a partner read what a family told us once (last 12 months)',
            `${d.familyInformationViews.views} (${d.familyInformationViews.children} children, ${d.familyInformationViews.organisations} organisations)`,
          ],
          [
            'Family information confirmed by a partner',
            String(d.familyInformationConfirmations.confirmations),
          ],
          [
            'Existing advice reused with the family’s agreement instead of asked for again (last 12 months)',
            d.familyInformationConfirmations.adviceReuseModelled
              ? String(d.familyInformationConfirmations.adviceReusedWithConsent ?? 0)
              : 'Not recorded in the hub yet',
          ],
        ].map(([label, value]) => (
          <div className="summary-row" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
