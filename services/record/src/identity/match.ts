import {
  MAX_CANDIDATES,
  type Person,
  REVIEW_THRESHOLD,
  type Score,
  STRONG_THRESHOLD,
  scorePair,
} from './scoring.ts';
import { isLinkableUpn, type SourceRecord } from './validate.ts';

/** A child the blocking query found for a source record (by date of birth or an identifier). */
export interface CandidateChild extends Person {
  id: string;
}

export interface ScoredCandidate extends Score {
  childId: string;
}

export type MatchStatus = 'linked' | 'pending_review' | 'conflict';

export interface MatchDecision {
  status: MatchStatus;
  childId: string | null;
  /** Best first; the children shown to the council (for a link: empty, the decision is made). */
  candidates: ScoredCandidate[];
  reason: string;
  /** For a conflict: an identifier contradicts the data, or another child matches strongly. */
  conflict?: 'identifier' | 'rival';
}

export function sourcePerson(r: SourceRecord): Person {
  return {
    givenName: r.givenName,
    familyName: r.familyName,
    dateOfBirth: r.dateOfBirth,
    sex: r.sex,
    postcode: r.postcode,
    nhsNumber: r.nhsNumber,
    nhsNumberVerified: r.nhsNumberVerified,
    upn: r.upn,
    laChildId: r.laChildId,
  };
}

/** Best first; ties by child id, so the same input always gives the same order. */
export function scoreCandidates(source: Person, children: readonly CandidateChild[]): ScoredCandidate[] {
  const seen = new Set<string>();
  const scored: ScoredCandidate[] = [];
  for (const child of children) {
    if (seen.has(child.id)) continue;
    seen.add(child.id);
    scored.push({ childId: child.id, ...scorePair(source, child) });
  }
  return scored.sort(
    (a, b) => b.score - a.score || (a.childId < b.childId ? -1 : a.childId > b.childId ? 1 : 0),
  );
}

/**
 * The matching rules (the contract in /tmp/notes and README "Identity matching"):
 * 1. A verified NHS number, or a permanent UPN, held by a child whose date of birth is the
 *    same → linked, unless another child matches the demographics strongly (then conflict).
 * 2. Such an identifier held by a child with a DIFFERENT date of birth → conflict; the NHS
 *    number and the UPN naming two different children → conflict. Never linked.
 * 3. Otherwise → pending_review, with every child scoring REVIEW_THRESHOLD or more as
 *    candidates (none: the council decides whether this is a child new to the hub).
 * Nothing here ever links on the score.
 */
export function decide(record: SourceRecord, children: readonly CandidateChild[]): MatchDecision {
  const scored = scoreCandidates(sourcePerson(record), children);
  const byNhs =
    record.nhsNumber && record.nhsNumberVerified
      ? children.find((c) => c.nhsNumber === record.nhsNumber)
      : undefined;
  const byUpn = isLinkableUpn(record.upn) ? children.find((c) => c.upn === record.upn) : undefined;
  const shown = (...ids: string[]) =>
    scored.filter((s) => s.score >= REVIEW_THRESHOLD || ids.includes(s.childId)).slice(0, MAX_CANDIDATES);

  if (byNhs && byNhs.dateOfBirth !== record.dateOfBirth) {
    return {
      status: 'conflict',
      conflict: 'identifier',
      childId: null,
      candidates: shown(byNhs.id),
      reason: 'The verified NHS number belongs to a child in the hub with a different date of birth.',
    };
  }
  if (byUpn && byUpn.dateOfBirth !== record.dateOfBirth) {
    return {
      status: 'conflict',
      conflict: 'identifier',
      childId: null,
      candidates: shown(byUpn.id),
      reason: 'The UPN belongs to a child in the hub with a different date of birth.',
    };
  }
  if (byNhs && byUpn && byNhs.id !== byUpn.id) {
    return {
      status: 'conflict',
      conflict: 'identifier',
      childId: null,
      candidates: shown(byNhs.id, byUpn.id),
      reason: 'The NHS number and the UPN belong to two different children in the hub.',
    };
  }
  const target = byNhs ?? byUpn;
  if (target) {
    const rival = scored.find((s) => s.childId !== target.id && s.score >= STRONG_THRESHOLD);
    if (rival) {
      return {
        status: 'conflict',
        conflict: 'rival',
        childId: null,
        candidates: shown(target.id, rival.childId),
        reason: `The ${byNhs ? 'NHS number' : 'UPN'} names one child, but the name and date of birth match another child strongly.`,
      };
    }
    return {
      status: 'linked',
      childId: target.id,
      candidates: [],
      reason: byNhs
        ? 'Verified NHS number and date of birth agree.'
        : 'Unique Pupil Number and date of birth agree.',
    };
  }
  const candidates = shown();
  return {
    status: 'pending_review',
    childId: null,
    candidates,
    reason:
      candidates.length > 0
        ? `No identifier links it automatically; ${candidates.length === 1 ? 'one child matches' : `${candidates.length} children match`} in part. The council decides.`
        : 'No child in the hub matches. The council decides whether this is a child new to the hub.',
  };
}
