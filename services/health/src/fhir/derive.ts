import { createHash } from 'node:crypto';
import type {
  CareTeam,
  Condition,
  Encounter,
  EpisodeOfCare,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import {
  dateOf,
  isSupportWhileWaiting,
  type PathwayCode,
  pathwayOf,
  referenceTo,
  textOf,
} from './uk-core.ts';

/** A stable row id from the row's source: the same resource always lands on the same row. */
export function rowId(source: string): string {
  const h = createHash('sha256').update(source).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface DerivedRows {
  involvements: {
    id: string;
    organisationId: string;
    service: string;
    startDate: string;
    endDate: string | null;
    source: string;
  }[];
  pathwayWaits: {
    id: string;
    pathway: PathwayCode;
    referralDate: string;
    seenDate: string | null;
    source: string;
  }[];
  diagnoses: { id: string; description: string; diagnosedOn: string | null; source: string }[];
  supportWhileWaiting: {
    id: string;
    pathwayWaitId: string;
    description: string;
    offeredBy: string;
    offeredOn: string;
    source: string;
  }[];
}

const NO_MAP = new Map<string, string>();
/**
 * Encounters that are the first appointment: held or booked (`planned`: a booked appointment; its
 * date ends the wait once reached, as the section's seen date always has, see weeksWaited).
 * Cancelled, entered in error and unknown ones do not count.
 */
const SEEN_ENCOUNTER = new Set(['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished']);
/** Encounters that happened (an involvement); a booked one is not yet one. */
const HELD_ENCOUNTER = new Set(['arrived', 'triaged', 'in-progress', 'onleave', 'finished']);
const earliest = (a: string | null, b: string | undefined) => (b && (!a || b < a) ? b : a);

/**
 * The health section rows one patient's resources (from one sender) amount to. Pure: the whole
 * set is recomputed whenever any of them changes, so resources may arrive in any order (an
 * Encounter before the referral it ends).
 *
 * - Condition (SNOMED CT coded, not refuted or entered in error) → a diagnosis.
 * - ServiceRequest on a pathway (not revoked or entered in error) → a pathway wait from authoredOn;
 *   EpisodeOfCare on a pathway without a referralRequest → a wait from its waitlist start.
 * - The wait ends on the first appointment: the earliest Encounter (booked or held) basedOn the
 *   referral or in its episode, or the episode becoming active.
 * - CareTeam, and an Encounter that is not an appointment of a referral → an involvement.
 */
export function deriveRows(orgId: string, resources: Resource[]): DerivedRows {
  const rows: DerivedRows = { involvements: [], pathwayWaits: [], diagnoses: [], supportWhileWaiting: [] };
  const source = (r: Resource) => `fhir:${orgId}/${r.resourceType}/${r.id}`;
  const allRequests = resources.filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
  const supports = allRequests.filter((r) => isSupportWhileWaiting(r.category ?? []));
  const requests = allRequests.filter((r) => !supports.includes(r));
  const episodes = resources.filter((r): r is EpisodeOfCare => r.resourceType === 'EpisodeOfCare');
  const encounters = resources.filter((r): r is Encounter => r.resourceType === 'Encounter');

  const episodeActive = (e: EpisodeOfCare): string | undefined => {
    const history = (e.statusHistory ?? []).filter((h) => h.status === 'active' || h.status === 'finished');
    const fromHistory = history
      .map((h) => dateOf(h.period?.start))
      .filter((d): d is string => !!d)
      .sort()[0];
    if (fromHistory) return fromHistory;
    return e.status === 'active' || e.status === 'finished' ? dateOf(e.period?.start) : undefined;
  };
  const encounterSeen = (e: Encounter) =>
    e.status && SEEN_ENCOUNTER.has(e.status) ? dateOf(e.period?.start) : undefined;
  const referralEncounters = new Set<string>();

  for (const request of requests) {
    if (request.status === 'revoked' || request.status === 'entered-in-error') continue;
    const pathway = pathwayOf([request.code, ...(request.category ?? [])]);
    const referralDate = dateOf(request.authoredOn);
    if (!pathway || !referralDate) continue;
    let seen: string | null = null;
    for (const e of encounters)
      if ((e.basedOn ?? []).some((b) => referenceTo(b, 'ServiceRequest', NO_MAP) === request.id)) {
        referralEncounters.add(e.id as string);
        seen = earliest(seen, encounterSeen(e));
      }
    for (const episode of episodes)
      if (
        (episode.referralRequest ?? []).some((b) => referenceTo(b, 'ServiceRequest', NO_MAP) === request.id)
      ) {
        seen = earliest(seen, episodeActive(episode));
        for (const e of encounters)
          if ((e.episodeOfCare ?? []).some((b) => referenceTo(b, 'EpisodeOfCare', NO_MAP) === episode.id)) {
            referralEncounters.add(e.id as string);
            seen = earliest(seen, encounterSeen(e));
          }
      }
    const s = source(request);
    rows.pathwayWaits.push({
      id: rowId(s),
      pathway,
      referralDate,
      seenDate: seen && seen >= referralDate ? seen : null,
      source: s,
    });
  }

  // Support while waiting: a ServiceRequest of the hub's SUPPORT_WHILE_WAITING category, basedOn
  // a referral that is a wait here (a wait that is not one, or is gone, takes its support along).
  const waitOf = new Map(
    rows.pathwayWaits.map((w) => [w.source.slice(`fhir:${orgId}/ServiceRequest/`.length), w.id]),
  );
  for (const support of supports) {
    if (support.status === 'revoked' || support.status === 'entered-in-error') continue;
    const offeredOn = dateOf(support.authoredOn);
    const description = textOf(support.code);
    const referral = (support.basedOn ?? [])
      .map((b) => referenceTo(b, 'ServiceRequest', NO_MAP))
      .find((id) => id && waitOf.has(id));
    if (!offeredOn || !description || !referral) continue;
    const s = source(support);
    rows.supportWhileWaiting.push({
      id: rowId(s),
      pathwayWaitId: waitOf.get(referral) as string,
      description,
      offeredBy: support.performer?.[0]?.display ?? orgId,
      offeredOn,
      source: s,
    });
  }

  for (const episode of episodes) {
    if (episode.status === 'entered-in-error' || episode.status === 'cancelled') continue;
    if ((episode.referralRequest ?? []).length > 0) continue;
    const pathway = pathwayOf(episode.type ?? []);
    const waitFrom = (episode.statusHistory ?? [])
      .filter((h) => h.status === 'waitlist' || h.status === 'planned')
      .map((h) => dateOf(h.period?.start))
      .filter((d): d is string => !!d)
      .sort()[0];
    const referralDate = waitFrom ?? dateOf(episode.period?.start);
    if (!pathway || !referralDate) continue;
    let seen: string | null = episodeActive(episode) ?? null;
    for (const e of encounters)
      if ((e.episodeOfCare ?? []).some((b) => referenceTo(b, 'EpisodeOfCare', NO_MAP) === episode.id)) {
        referralEncounters.add(e.id as string);
        seen = earliest(seen, encounterSeen(e));
      }
    const s = source(episode);
    rows.pathwayWaits.push({
      id: rowId(s),
      pathway,
      referralDate,
      seenDate: seen && seen >= referralDate ? seen : null,
      source: s,
    });
  }

  for (const condition of resources.filter((r): r is Condition => r.resourceType === 'Condition')) {
    const verification = condition.verificationStatus?.coding?.[0]?.code;
    if (verification === 'refuted' || verification === 'entered-in-error') continue;
    const description = textOf(condition.code);
    if (!description) continue;
    const s = source(condition);
    rows.diagnoses.push({
      id: rowId(s),
      description,
      diagnosedOn: dateOf(condition.onsetDateTime) ?? dateOf(condition.recordedDate) ?? null,
      source: s,
    });
  }

  for (const team of resources.filter((r): r is CareTeam => r.resourceType === 'CareTeam')) {
    if (team.status === 'entered-in-error' || team.status === 'proposed') continue;
    const startDate = dateOf(team.period?.start);
    if (!startDate) continue;
    const end = dateOf(team.period?.end);
    const s = source(team);
    rows.involvements.push({
      id: rowId(s),
      organisationId: orgId,
      service: team.name ?? textOf(team.category?.[0]) ?? 'Care team',
      startDate,
      endDate: end && end >= startDate ? end : team.status === 'inactive' ? startDate : null,
      source: s,
    });
  }

  for (const encounter of encounters) {
    if (referralEncounters.has(encounter.id as string)) continue;
    if (!encounter.status || !HELD_ENCOUNTER.has(encounter.status)) continue;
    const startDate = dateOf(encounter.period?.start);
    if (!startDate) continue;
    const end = dateOf(encounter.period?.end);
    const s = source(encounter);
    rows.involvements.push({
      id: rowId(s),
      organisationId: orgId,
      service:
        textOf(encounter.serviceType) ??
        textOf(encounter.type?.[0]) ??
        encounter.class?.display ??
        'Appointment',
      startDate,
      endDate: end && end >= startDate ? end : encounter.status === 'finished' ? startDate : null,
      source: s,
    });
  }
  return rows;
}
