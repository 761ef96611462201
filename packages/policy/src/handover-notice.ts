import { decisionHandoverDate, endOfCompulsorySchoolAge, englandDate } from './age.ts';
import { type DecisionStage, decisionMakers } from './decision-maker.ts';
import type { ChildAccessFacts } from './facts.ts';

/** How long before the handover the family is told (and how long after it the notice stays up). */
export const NOTICE_MONTHS_BEFORE = 3;
export const NOTICE_MONTHS_AFTER = 3;

export interface HandoverNotice {
  /** YYYY-MM-DD: the last day the parent carer decides (the last Friday in June). */
  lastDayParentCarerDecides: string;
  /** YYYY-MM-DD: the first day the young person decides. */
  handoverDate: string;
  /** YYYY-MM-DD: from this day the notices are shown (3 months before the handover). */
  noticeFrom: string;
  /** Who decides today. */
  stage: DecisionStage;
  /** For the parent carers; null outside the notice window. */
  parentCarerNotice: string | null;
  /** For the young person ("what it means"); null outside the notice window. */
  youngPersonNotice: string | null;
}

function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  // Handover days are 25 June – 1 July, so the day exists in every month reached (no overflow).
  return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "Saturday 26 June 2027": the date as people write it in England. */
export function longDate(isoDate: string): string {
  return LONG_DATE.format(new Date(`${isoDate}T00:00:00Z`)).replace(',', '');
}

/**
 * Telling the family ahead: from 3 months before the handover the parent carers are told that
 * decisions will pass to the young person, and the young person is told what that means; for 3
 * months after it, the same notices in the past tense. `name` is the child's given name (or a
 * neutral phrase when the caller may not see it).
 */
export function handoverNotice(facts: ChildAccessFacts, now: Date, name = 'your child'): HandoverNotice {
  const handoverDate = decisionHandoverDate(facts.dateOfBirth);
  const lastDay = endOfCompulsorySchoolAge(facts.dateOfBirth);
  const noticeFrom = addMonths(handoverDate, -NOTICE_MONTHS_BEFORE);
  const noticeUntil = addMonths(handoverDate, NOTICE_MONTHS_AFTER);
  const today = englandDate(now);
  const { stage } = decisionMakers(facts, now);
  const base = { lastDayParentCarerDecides: lastDay, handoverDate, noticeFrom, stage };
  if (today < noticeFrom || today >= noticeUntil) {
    return { ...base, parentCarerNotice: null, youngPersonNotice: null };
  }
  const when = longDate(handoverDate);
  const lastFriday = longDate(lastDay);
  const before = today < handoverDate;
  const parentCarerNotice = before
    ? `From ${when}, decisions about ${name}'s information pass from you to ${name}. ${lastFriday} is the end of the school year in which they turn 16 (the last Friday in June), when the law treats them as a young person. From then on ${name} decides who their information is shared with and whether you can keep seeing their record. Sharing you agreed to stops unless ${name} confirms it. If ${name} may not be able to make these decisions themselves, ask the council's SEND team about recording someone to act for them.`
    : `Since ${when}, ${name} makes the decisions about their own information (or, if recorded by the council, someone acting for them). You can keep seeing their record only if they agree.`;
  const youngPersonNotice = before
    ? `From ${when}, you decide about your own information in this record. This is because the school year in which you turn 16 ends on ${lastFriday}. It means: you choose which organisations share your information and why; you decide whether your parents or carers can keep seeing your record; sharing they agreed to stops unless you confirm it. You can change your mind at any time, and you can ask someone you trust, or the council's SEND team, to help you.`
    : `Since ${when}, you decide about your own information in this record: who it is shared with, and whether your parents or carers can see it. You can change your mind at any time.`;
  return { ...base, parentCarerNotice, youngPersonNotice };
}
