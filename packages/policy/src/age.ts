/** The age at which a young person makes their own decisions (Children and Families Act 2014). */
export const DECISION_AGE = 16;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Age in whole years on the UTC calendar date of `now`.
 *
 * Someone born on 29 February reaches a new age on 1 March in non-leap years: comparing
 * (month, day) pairs gives exactly that, because 28 Feb < 29 Feb < 1 Mar.
 *
 * Throws RangeError for anything but a real YYYY-MM-DD date: a broken date of birth must not
 * silently make a child look 16+ (or under 16) and change who decides.
 */
export function ageOn(dateOfBirth: string, now: Date): number {
  const match = ISO_DATE.exec(dateOfBirth);
  if (!match) throw new RangeError(`dateOfBirth must be YYYY-MM-DD, got ${JSON.stringify(dateOfBirth)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
    throw new RangeError(`dateOfBirth is not a calendar date: ${dateOfBirth}`);
  }
  if (Number.isNaN(now.getTime())) throw new RangeError('now is an invalid Date');

  const nowMonth = now.getUTCMonth() + 1;
  const nowDay = now.getUTCDate();
  const hadBirthdayThisYear = nowMonth > month || (nowMonth === month && nowDay >= day);
  return now.getUTCFullYear() - year - (hadBirthdayThisYear ? 0 : 1);
}

/** 16 or over: the young person, not the parent carer, makes the decisions. */
export function isDecisionMaker(dateOfBirth: string, now: Date): boolean {
  return ageOn(dateOfBirth, now) >= DECISION_AGE;
}
