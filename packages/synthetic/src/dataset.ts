import { syntheticNhsNumber, syntheticUpn } from '@hub/identifiers';
import { fromDay, isIsoDate, timestampOn, toDay, todayInEngland, yearsBefore } from './dates.ts';
import { chance, intBetween, mixSeed, mulberry32, pick, pickDistinct, type Rng, weighted } from './prng.ts';
import type {
  DemoUser,
  Pathway,
  SenStatus,
  SocialCareStatus,
  SyntheticChild,
  SyntheticDataset,
  SyntheticOrg,
} from './types.ts';

/**
 * The date tests pin (`buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE })`) so their
 * figures stay reproducible whatever day they run. `pnpm start` uses today in England instead.
 */
export const TEST_REFERENCE_DATE = '2026-09-01';
export const DEFAULT_SEED = 20_260_901;
export const DEFAULT_CHILD_COUNT = 240;
/** Bounded by the 6-digit LA-SYN id and the 8-digit child field inside synthetic UUIDs. */
export const MAX_CHILD_COUNT = 99_999;

/** How many councils the synthetic deployment serves by default (tenancy: issue 14). */
export const DEFAULT_COUNCIL_COUNT = 2;

// Two councils on one deployment. The first keeps the id every older fixture names.
const COUNCILS: SyntheticOrg[] = [
  {
    id: 'la-1',
    name: 'Synthetic Borough Council (LA code 998)',
    type: 'local_authority',
    councilIds: ['la-1'],
  },
  {
    id: 'la-2',
    name: 'Synthetic Testshire County Council (LA code 999)',
    type: 'local_authority',
    councilIds: ['la-2'],
  },
];

// Which councils each organisation works for (with two councils). Mainstream schools belong to
// one council; the special school takes placements from both, and the NHS bodies and the
// children's social care trust serve both, as a trust typically serves several councils.
const SCHOOLS: SyntheticOrg[] = [
  { id: 'school-1', name: 'Synthetic Primary School 1', type: 'school', councilIds: ['la-1'] },
  { id: 'school-2', name: 'Synthetic Primary School 2', type: 'school', councilIds: ['la-2'] },
  { id: 'school-3', name: 'Synthetic Secondary School 3', type: 'school', councilIds: ['la-1'] },
  { id: 'school-4', name: 'Synthetic Secondary School 4', type: 'school', councilIds: ['la-2'] },
  { id: 'school-5', name: 'Synthetic Special School 5', type: 'school', councilIds: ['la-1', 'la-2'] },
];
const HEALTH_ORGS: SyntheticOrg[] = [
  { id: 'icb-1', name: 'Synthetic Integrated Care Board 1', type: 'health', councilIds: ['la-1', 'la-2'] },
  {
    id: 'trust-1',
    name: 'Synthetic Community Health Trust 1',
    type: 'health',
    councilIds: ['la-1', 'la-2'],
  },
];
const SOCIAL_CARE_ORGS: SyntheticOrg[] = [
  {
    id: 'sc-1',
    name: "Synthetic Children's Social Care 1",
    type: 'social_care',
    councilIds: ['la-1', 'la-2'],
  },
];

/**
 * The council of a family: that of its first child's school (a sibling at another council's
 * school is a cross-border placement). The special school works for both councils, so its
 * families alternate by child number. With one council, everyone's is the first.
 */
function councilOfFamily(firstChildNumber: number, firstChildSchool: string, councils: number): string {
  const first = COUNCILS[0] as SyntheticOrg;
  if (councils === 1) return first.id;
  const school = SCHOOLS.find((s) => s.id === firstChildSchool);
  const ids = school?.councilIds ?? [first.id];
  return ids.length === 1 ? (ids[0] as string) : (ids[firstChildNumber % ids.length] as string);
}

/** The organisations as a deployment of `councils` councils sees them. */
function orgsFor(orgs: SyntheticOrg[], councils: number): SyntheticOrg[] {
  const known = new Set(COUNCILS.slice(0, councils).map((c) => c.id));
  return orgs.map((o) => ({
    ...o,
    councilIds: o.councilIds.filter((id) => known.has(id)).length
      ? o.councilIds.filter((id) => known.has(id))
      : [(COUNCILS[0] as SyntheticOrg).id],
  }));
}

// NATO-alphabet given names: pronounceable in a demo, yet with the "Testchild-NNN" family name
// nobody could take a record for a real child's.
const GIVEN_NAMES = [
  'Alfa',
  'Bravo',
  'Charlie',
  'Delta',
  'Echo',
  'Foxtrot',
  'Golf',
  'Hotel',
  'India',
  'Juliett',
  'Kilo',
  'Lima',
  'Mike',
  'November',
  'Oscar',
  'Papa',
  'Quebec',
  'Romeo',
  'Sierra',
  'Tango',
  'Uniform',
  'Victor',
  'Whiskey',
  'Xray',
  'Yankee',
  'Zulu',
] as const;

const SEN_MIX: ReadonlyArray<readonly [SenStatus, number]> = [
  ['SEN_SUPPORT', 55],
  ['EHC_PLAN', 30],
  ['NO_SEN', 15],
];

const PROVISIONS: ReadonlyArray<{
  description: string;
  hours: readonly [number, number] | null;
  provider: string | null;
}> = [
  { description: 'Small-group literacy intervention', hours: [1, 3], provider: 'School-based' },
  {
    description: 'Speech and language therapy programme delivered in class',
    hours: [1, 2],
    provider: 'Synthetic Community Health Trust 1',
  },
  { description: 'One-to-one teaching assistant support', hours: [10, 25], provider: 'School-based' },
  { description: 'Visual timetable and now/next board', hours: null, provider: null },
  { description: 'Sensory breaks and access to a quiet space', hours: [1, 5], provider: 'School-based' },
  {
    description: 'Occupational therapy sensory diet',
    hours: [1, 2],
    provider: 'Synthetic Community Health Trust 1',
  },
  { description: 'Social communication group', hours: [1, 2], provider: 'School-based' },
  {
    description: 'Specialist teacher advice visits',
    hours: null,
    provider: 'Synthetic Local Authority 1 Inclusion Service',
  },
  { description: 'Emotional literacy support sessions', hours: [1, 1], provider: 'School-based' },
  { description: 'Assistive technology (laptop with speech-to-text)', hours: null, provider: null },
];

const SENCO_NOTES = [
  'Synthetic note: settles well with a consistent start to the day.',
  'Synthetic note: benefits from instructions broken into short steps.',
  'Synthetic note: parent carer reports anxiety around transitions.',
  'Synthetic note: progress in reading since starting the intervention.',
  'Synthetic note: awaiting advice from the speech and language therapy team.',
  'Synthetic note: uses a quiet space at lunchtimes by agreement.',
] as const;

const ICB_SERVICES = ['Designated Clinical Officer (SEND)', "Children's continuing care"] as const;
const TRUST_SERVICES = [
  'Community paediatrics',
  'Speech and language therapy',
  'Occupational therapy',
  'Physiotherapy',
  'Child and adolescent mental health service',
  'Audiology',
] as const;

const DIAGNOSES = [
  'Autism (synthetic record)',
  'ADHD (synthetic record)',
  'Speech and language disorder (synthetic record)',
  'Developmental coordination disorder (synthetic record)',
  'Hearing impairment (synthetic record)',
  'Epilepsy (synthetic record)',
] as const;

const SOCIAL_CARE_MIX: ReadonlyArray<readonly [SocialCareStatus, number]> = [
  ['CHILD_IN_NEED', 35],
  ['EARLY_HELP', 30],
  ['NONE', 15],
  ['CHILD_PROTECTION', 10],
  ['LOOKED_AFTER', 10],
];

const TEAM_FOR_STATUS: Record<Exclude<SocialCareStatus, 'NONE'>, string> = {
  EARLY_HELP: 'Synthetic Early Help Team',
  CHILD_IN_NEED: "Synthetic Disabled Children's Team",
  CHILD_PROTECTION: 'Synthetic Safeguarding Team',
  LOOKED_AFTER: 'Synthetic Children in Care Team',
};

const SHORT_BREAKS: ReadonlyArray<{ description: string; overnight: boolean }> = [
  { description: 'Overnight short breaks at a residential unit (synthetic)', overnight: true },
  { description: 'Overnight short breaks with a link family (synthetic)', overnight: true },
  { description: 'After-school activity club (synthetic)', overnight: false },
  { description: 'Saturday activity scheme (synthetic)', overnight: false },
  { description: 'Direct payment for a personal assistant (synthetic)', overnight: false },
];

// Each kind of record gets its own first UUID group so ids never collide across kinds and a
// stray id in a log says what it is: c=child, e=education provision, d1..d3=health records,
// b=short break. The last group is the child number (8 digits) then the item number (4 digits).
const ID_KIND = {
  child: 'c0000000',
  provision: 'e0000000',
  involvement: 'd0000001',
  pathwayWait: 'd0000002',
  diagnosis: 'd0000003',
  shortBreak: 'b0000000',
} as const;

function syntheticId(kind: keyof typeof ID_KIND, child: number, item = 0): string {
  return `${ID_KIND[kind]}-0000-4000-8000-${String(child).padStart(8, '0')}${String(item).padStart(4, '0')}`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A random day in [lo, hi]; collapses to hi if the window is empty, so dates never pass the upper bound. */
function dayBetween(rng: Rng, lo: number, hi: number): number {
  return lo > hi ? hi : intBetween(rng, lo, hi);
}

/** A recent "last updated" moment: 1–120 days before the reference date, during the working day. */
function recentUpdate(rng: Rng, refDay: number): { day: number; at: string } {
  const day = refDay - intBetween(rng, 1, 120);
  return { day, at: timestampOn(day, intBetween(rng, 8 * 60, 18 * 60)) };
}

function schoolFor(rng: Rng, age: number, senStatus: SenStatus): string {
  // A share of EHC plans at the special school makes its SENCO's caseload look plausible.
  if (senStatus === 'EHC_PLAN' && chance(rng, 0.35)) return 'school-5';
  if (age <= 10) return pick(rng, ['school-1', 'school-2']);
  // 16+ are in a sixth form or post-16 provision; the secondaries and the special school stand in for those.
  if (age >= 16) return pick(rng, ['school-3', 'school-4', 'school-5']);
  return pick(rng, ['school-3', 'school-4']);
}

type ChildCore = Omit<SyntheticChild, 'parentCarerSubs' | 'councilId' | 'capacityRepresentative'> & {
  lacksCapacity: boolean;
};

/**
 * Everything about child n except the family link, from the child's own random stream, so
 * adding children to the data set never changes the ones already there.
 */
function buildChild(seed: number, n: number, referenceDate: string): ChildCore {
  const rng = mulberry32(mixSeed(seed, n));
  const refDay = toDay(referenceDate);

  // About 15% are 16+ so there are young people who make their own decisions.
  const age = chance(rng, 0.15) ? intBetween(rng, 16, 24) : intBetween(rng, 2, 15);
  const dobDay = dayBetween(
    rng,
    toDay(yearsBefore(referenceDate, age + 1)) + 1,
    toDay(yearsBefore(referenceDate, age)),
  );
  const dateOfBirth = fromDay(dobDay);
  // Nothing in a record predates the child being a few months old or ~3 years before "today".
  const earliest = Math.max(dobDay + 180, refDay - 3 * 365);

  const senStatus = weighted(rng, SEN_MIX);
  const schoolId = schoolFor(rng, age, senStatus);

  const eduUpdated = recentUpdate(rng, refDay);
  const provisionCount =
    senStatus === 'NO_SEN' ? 0 : senStatus === 'SEN_SUPPORT' ? intBetween(rng, 1, 2) : intBetween(rng, 2, 3);
  const provisions = pickDistinct(rng, PROVISIONS, provisionCount).map((p, i) => ({
    id: syntheticId('provision', n, i + 1),
    description: p.description,
    hoursPerWeek: p.hours ? intBetween(rng, p.hours[0], p.hours[1]) : null,
    startDate: fromDay(dayBetween(rng, earliest, eduUpdated.day)),
    provider: p.provider,
  }));
  const education: SyntheticChild['education'] = {
    senStatus,
    // One decimal place, as attendance is usually reported; most children above 85%.
    attendancePercent: Math.round((chance(rng, 0.2) ? 60 + rng() * 25 : 85 + rng() * 15) * 10) / 10,
    sencoNotes: senStatus !== 'NO_SEN' && chance(rng, 0.8) ? pick(rng, SENCO_NOTES) : null,
    updatedAt: eduUpdated.at,
    provisions,
  };

  let health: SyntheticChild['health'] = null;
  if (chance(rng, 0.6)) {
    const upd = recentUpdate(rng, refDay);
    const involvementCount = intBetween(rng, 1, 2);
    const involvements = Array.from({ length: involvementCount }, (_, i) => {
      const organisationId = chance(rng, 0.35) ? 'icb-1' : 'trust-1';
      const startDay = dayBetween(rng, earliest, upd.day - 30);
      const ended = chance(rng, 0.25);
      return {
        id: syntheticId('involvement', n, i + 1),
        organisationId,
        service: pick(rng, organisationId === 'icb-1' ? ICB_SERVICES : TRUST_SERVICES),
        startDate: fromDay(startDay),
        endDate: ended ? fromDay(dayBetween(rng, startDay + 14, upd.day)) : null,
      };
    });
    const pathwayWaits: NonNullable<SyntheticChild['health']>['pathwayWaits'] = [];
    const pathways: ReadonlyArray<readonly [Pathway, number]> = [
      ['NEURODEVELOPMENTAL', 0.5],
      ['SPEECH_AND_LANGUAGE', 0.4],
    ];
    for (const [pathway, p] of pathways) {
      if (!chance(rng, p)) continue;
      const referralDay = dayBetween(rng, Math.max(earliest, dobDay + 365), upd.day);
      // Long waits are the point of tracking: a wait that would end after the last update is still open.
      const seenDay = referralDay + intBetween(rng, 42, 900);
      pathwayWaits.push({
        id: syntheticId('pathwayWait', n, pathwayWaits.length + 1),
        pathway,
        referralDate: fromDay(referralDay),
        seenDate: seenDay <= upd.day ? fromDay(seenDay) : null,
      });
    }
    const diagnoses = pickDistinct(
      rng,
      DIAGNOSES,
      weighted(rng, [
        [0, 40],
        [1, 45],
        [2, 15],
      ] as const),
    ).map((description, i) => ({
      id: syntheticId('diagnosis', n, i + 1),
      description,
      diagnosedOn: chance(rng, 0.8)
        ? fromDay(dayBetween(rng, Math.max(earliest, dobDay + 365), upd.day))
        : null,
    }));
    health = { updatedAt: upd.at, involvements, pathwayWaits, diagnoses };
  }

  let socialCare: SyntheticChild['socialCare'] = null;
  if (chance(rng, 0.25)) {
    const upd = recentUpdate(rng, refDay);
    const status = weighted(rng, SOCIAL_CARE_MIX);
    const allocatedWorker =
      status === 'NONE' || chance(rng, 0.1)
        ? null
        : {
            name: `Worker Testname-${intBetween(rng, 1, 8)}`,
            team: chance(rng, 0.15) ? null : TEAM_FOR_STATUS[status],
            organisationId: 'sc-1',
          };
    const breakCount = chance(rng, status === 'CHILD_IN_NEED' ? 0.6 : 0.25) ? intBetween(rng, 1, 2) : 0;
    const shortBreaks = pickDistinct(rng, SHORT_BREAKS, breakCount).map((b, i) => ({
      id: syntheticId('shortBreak', n, i + 1),
      description: b.description,
      nightsPerYear: b.overnight ? intBetween(rng, 12, 52) : null,
      startDate: fromDay(dayBetween(rng, earliest, upd.day)),
    }));
    socialCare = { updatedAt: upd.at, status, allocatedWorker, shortBreaks };
  }

  return {
    id: syntheticId('child', n),
    givenName: pick(rng, GIVEN_NAMES),
    familyName: `Testchild-${pad(n, 3)}`,
    dateOfBirth,
    nhsNumber: syntheticNhsNumber(n),
    upn: syntheticUpn(n),
    laId: `LA-SYN-${pad(n, 6)}`,
    schoolId,
    // Every child has a young-person login in the demo identity provider, so that whenever (at
    // any date) they pass the end of compulsory school age someone can decide: the login opens
    // nothing until that handover (@hub/policy), and the demo data never strands a family.
    youngPersonSub: `demo-yp-${n}`,
    // Aged 17+ on the reference date, so over compulsory school age whatever the date is.
    lacksCapacity: lacksCapacity(n, age, senStatus, schoolId),
    education,
    health,
    socialCare,
  };
}

/**
 * Some young people with a plan at the special school lack capacity to make these decisions
 * (Mental Capacity Act 2005; CFA 2014 s.80): every other one aged 17 or more. Decided by the
 * child's number and age alone (no random numbers consumed, so no other field changes), and the
 * age is drawn before the reference date is applied, so the same children lack capacity
 * whatever the reference date: the demo logins never depend on the date.
 */
function lacksCapacity(n: number, age: number, senStatus: SenStatus, schoolId: string): boolean {
  return senStatus === 'EHC_PLAN' && schoolId === 'school-5' && age >= 17 && n % 2 === 1;
}

/**
 * Groups consecutive children into families (about one family in five has two children) and
 * gives each family one or two parent carers, so a parent login can see several children.
 */
function assignParentCarers(seed: number, count: number): string[][] {
  const rng = mulberry32(mixSeed(seed, 0xfa111e5));
  const result: string[][] = [];
  let nextParent = 1;
  while (result.length < count) {
    const siblings = result.length + 1 < count && chance(rng, 0.2) ? 2 : 1;
    const parents = chance(rng, 0.35) ? 2 : 1;
    const subs = Array.from({ length: parents }, () => `demo-parent-${nextParent++}`);
    for (let i = 0; i < siblings; i++) result.push([...subs]);
  }
  return result;
}

function buildDemoUsers(children: SyntheticChild[], councils: SyntheticOrg[]): DemoUser[] {
  const staff: DemoUser[] = [
    ...SCHOOLS.map(
      (s, i): DemoUser => ({
        sub: `demo-senco-${i + 1}`,
        name: `Demo SENCO (School ${i + 1})`,
        role: 'senco',
        orgId: s.id,
        orgType: 'school',
      }),
    ),
    {
      sub: 'demo-health-1',
      name: 'Demo Health Practitioner (ICB 1)',
      role: 'health_practitioner',
      orgId: 'icb-1',
      orgType: 'health',
    },
    {
      sub: 'demo-health-2',
      name: 'Demo Health Practitioner (Trust 1)',
      role: 'health_practitioner',
      orgId: 'trust-1',
      orgType: 'health',
    },
    {
      sub: 'demo-social-1',
      name: 'Demo Social Worker (Social Care 1)',
      role: 'social_worker',
      orgId: 'sc-1',
      orgType: 'social_care',
    },
    // Each council has its own SEND officer and auditor; an auditor's organisation is the
    // council whose audit trail they oversee (see @hub/policy councilOf).
    ...councils.map(
      (c, i): DemoUser => ({
        sub: `demo-la-${i + 1}`,
        name: `Demo LA SEND Officer (LA ${i + 1})`,
        role: 'la_send_officer',
        orgId: c.id,
        orgType: 'local_authority',
      }),
    ),
    ...councils.map(
      (c, i): DemoUser => ({
        sub: `demo-auditor-${i + 1}`,
        name: `Demo Auditor ${i + 1}`,
        role: 'auditor',
        orgId: c.id,
        orgType: 'audit',
      }),
    ),
  ];

  // Map keeps first-seen order, which follows child order, so the list is stable.
  const byParent = new Map<string, string[]>();
  for (const child of children) {
    for (const sub of child.parentCarerSubs) {
      const ids = byParent.get(sub) ?? [];
      ids.push(child.id);
      byParent.set(sub, ids);
    }
  }
  const parents = [...byParent].map(
    ([sub, childIds]): DemoUser => ({
      sub,
      name: `Demo Parent Carer ${sub.slice('demo-parent-'.length)}`,
      role: 'parent_carer',
      orgId: 'family',
      orgType: 'family',
      childIds,
    }),
  );

  // Young people log in as themselves; policy treats their org as 'family' like a parent's.
  const youngPeople = children.flatMap((child): DemoUser[] =>
    child.youngPersonSub
      ? [
          {
            sub: child.youngPersonSub,
            name: `Demo Young Person ${child.youngPersonSub.slice('demo-yp-'.length)}`,
            role: 'young_person',
            orgId: 'family',
            orgType: 'family',
            childIds: [child.id],
          },
        ]
      : [],
  );

  // Deputies (Court of Protection) sign in with the family role, like a parent carer; the login
  // opens the record only while the council's record of them is active (@hub/policy).
  const deputies = children.flatMap((child): DemoUser[] =>
    child.capacityRepresentative?.basis === 'deputy'
      ? [
          {
            sub: child.capacityRepresentative.sub,
            name: `Demo Deputy ${child.capacityRepresentative.sub.slice('demo-deputy-'.length)}`,
            role: 'parent_carer',
            orgId: 'family',
            orgType: 'family',
            childIds: [child.id],
          },
        ]
      : [],
  );

  return [...staff, ...parents, ...youngPeople, ...deputies];
}

/**
 * The whole hub's synthetic data set, as it stands on `referenceDate` (YYYY-MM-DD; default today
 * in England, Europe/London): ages, waits, plans and reviews are all placed relative to it.
 * Deterministic for a given reference date: the same options always give deep-equal output (no
 * other use of the clock, no Math.random), and every call returns fresh objects that the
 * caller may mutate. Tests pin the date (TEST_REFERENCE_DATE) to stay reproducible. Child ids, NHS numbers, UPNs and LA ids depend only on the child's index,
 * so they stay put when the seed or the count changes; the seed varies everything else.
 */
export function buildSyntheticDataset(
  opts: { referenceDate?: string; children?: number; seed?: number; councils?: number } = {},
): SyntheticDataset {
  const referenceDate = opts.referenceDate ?? todayInEngland();
  if (!isIsoDate(referenceDate))
    throw new RangeError(`referenceDate must be YYYY-MM-DD, got ${referenceDate}`);
  const count = opts.children ?? DEFAULT_CHILD_COUNT;
  const seed = opts.seed ?? DEFAULT_SEED;
  const councilCount = opts.councils ?? DEFAULT_COUNCIL_COUNT;
  if (!Number.isSafeInteger(councilCount) || councilCount < 1 || councilCount > COUNCILS.length) {
    throw new RangeError(`councils must be an integer in 1..${COUNCILS.length}`);
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_CHILD_COUNT) {
    throw new RangeError(`children must be an integer in 1..${MAX_CHILD_COUNT}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be an integer');

  const families = assignParentCarers(seed, count);
  const cores = families.map((_, i) => buildChild(seed, i + 1, referenceDate));
  // Siblings (consecutive children with the same parent carers) share their family's council.
  let familyCouncil = '';
  const children: SyntheticChild[] = families.map((parentCarerSubs, i) => {
    const { youngPersonSub, lacksCapacity, education, health, socialCare, ...identity } = cores[
      i
    ] as ChildCore;
    if (i === 0 || parentCarerSubs[0] !== families[i - 1]?.[0]) {
      familyCouncil = councilOfFamily(i + 1, identity.schoolId, councilCount);
    }
    const councilId = familyCouncil;
    // Odd-numbered ones have a deputy appointed by the Court of Protection; the others a parent
    // carer acting for them (the council records either: see send-workflow's representatives).
    const n = i + 1;
    const capacityRepresentative: SyntheticChild['capacityRepresentative'] = !lacksCapacity
      ? null
      : n % 4 === 1
        ? { basis: 'deputy', sub: `demo-deputy-${n}` }
        : { basis: 'parent_acting', sub: parentCarerSubs[0] as string };
    // Spelled out so the property order (and thus JSON output) follows the SyntheticChild type.
    return {
      ...identity,
      councilId,
      parentCarerSubs,
      youngPersonSub,
      capacityRepresentative,
      education,
      health,
      socialCare,
    };
  });
  const councils = COUNCILS.slice(0, councilCount).map((o) => ({ ...o, councilIds: [...o.councilIds] }));

  return {
    referenceDate,
    schools: orgsFor(SCHOOLS, councilCount),
    healthOrgs: orgsFor(HEALTH_ORGS, councilCount),
    socialCareOrgs: orgsFor(SOCIAL_CARE_ORGS, councilCount),
    localAuthority: {
      ...(councils[0] as SyntheticOrg),
      councilIds: [...(councils[0] as SyntheticOrg).councilIds],
    },
    councils,
    children,
    demoUsers: buildDemoUsers(children, councils),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The demo logins of the default data set (what `pnpm seed` loads), for the dev token issuer and
 * tests. They do not depend on the reference date (ids, families, councils and who lacks capacity
 * come from child numbers and the seed), so the pinned date gives the same list as today's.
 * Frozen because it is shared by every importer; copy before changing.
 */
export const DEMO_USERS: readonly DemoUser[] = deepFreeze(
  buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }).demoUsers,
);

/**
 * Every synthetic organisation's name by id (councils, schools, NHS bodies, social care), for
 * screens that must name an organisation rather than show its id (a family's "who has looked").
 */
export const ORGANISATION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  [...COUNCILS, ...SCHOOLS, ...HEALTH_ORGS, ...SOCIAL_CARE_ORGS].map((o) => [o.id, o.name]),
);
