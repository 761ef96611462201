import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { normaliseFreeText, type Principal, visibleLength } from '@hub/policy';
import { HubError } from '@hub/service-kit';
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { familyInformationVersion, familyItemConfirmation } from '../tables.ts';

/**
 * "Tell it once": what the family told us about the child, written by the family and read by
 * everyone involved. Stored as whole-document versions (append-only), so the latest is one row,
 * any earlier one can be shown as it was, and each version says who changed which parts, when.
 */
export const ITEM_LISTS = [
  'reportedDiagnoses',
  'previousAssessments',
  'schoolsAttended',
  'keyEvents',
] as const;
type ItemList = (typeof ITEM_LISTS)[number];
export const CONTACT_METHODS = ['email', 'phone', 'letter', 'text'] as const;

export interface FamilyItem {
  id: string;
  description: string;
  /** YYYY-MM-DD, or null when the family does not know it. */
  date: string | null;
}

export interface FamilyInformationContent {
  aboutMe: { whatMattersToMe: string | null; whatHelps: string | null; communicationNeeds: string | null };
  contactPreferences: {
    preferredMethod: (typeof CONTACT_METHODS)[number] | null;
    bestTimeToContact: string | null;
    language: string | null;
    interpreterNeeded: boolean | null;
  };
  reportedDiagnoses: FamilyItem[];
  previousAssessments: FamilyItem[];
  schoolsAttended: FamilyItem[];
  /**
   * Key history: the life events the family tells once (a move, a bereavement, a stay in hospital,
   * a change of carer), with dates. Versions saved before it existed have none.
   */
  keyEvents: FamilyItem[];
}

export const EMPTY_CONTENT: FamilyInformationContent = {
  aboutMe: { whatMattersToMe: null, whatHelps: null, communicationNeeds: null },
  contactPreferences: {
    preferredMethod: null,
    bestTimeToContact: null,
    language: null,
    interpreterNeeded: null,
  },
  reportedDiagnoses: [],
  previousAssessments: [],
  schoolsAttended: [],
  keyEvents: [],
};

/** Long enough for a real account, short enough that it is read. */
export const LIMITS = { text: 2000, shortText: 200, itemDescription: 300, items: 30 } as const;

export interface FamilyInformationInput {
  aboutMe?: Partial<FamilyInformationContent['aboutMe']> | null;
  contactPreferences?: Partial<FamilyInformationContent['contactPreferences']> | null;
  reportedDiagnoses?: Array<{ id?: string | null; description: string; date?: string | null }> | null;
  previousAssessments?: Array<{ id?: string | null; description: string; date?: string | null }> | null;
  schoolsAttended?: Array<{ id?: string | null; description: string; date?: string | null }> | null;
  keyEvents?: Array<{ id?: string | null; description: string; date?: string | null }> | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function text(value: unknown, field: string, max: number, problems: string[]): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    problems.push(`${field} must be text`);
    return null;
  }
  const trimmed = normaliseFreeText(value);
  if (trimmed.length > max)
    problems.push(`${field} must be at most ${max} characters (it has ${trimmed.length})`);
  // Only spaces or invisible characters (zero-width spaces, joiners, BOM...) is no text at all.
  return visibleLength(trimmed) === 0 ? null : trimmed;
}

/**
 * The next version's content: sections given replace the current ones, sections left out stay
 * as they are. Items keep their id when the family passes it back (so a partner's confirmation
 * follows the item); new items get a fresh id. Every problem is listed at once.
 */
export function nextContent(
  current: FamilyInformationContent,
  input: FamilyInformationInput,
): FamilyInformationContent {
  const problems: string[] = [];
  const next: FamilyInformationContent = withAllLists(structuredClone(current));
  if (input.aboutMe) {
    for (const key of ['whatMattersToMe', 'whatHelps', 'communicationNeeds'] as const) {
      if (key in input.aboutMe)
        next.aboutMe[key] = text(input.aboutMe[key], `aboutMe.${key}`, LIMITS.text, problems);
    }
  }
  if (input.contactPreferences) {
    const cp = input.contactPreferences;
    if ('preferredMethod' in cp) {
      if (
        cp.preferredMethod != null &&
        !(CONTACT_METHODS as readonly string[]).includes(cp.preferredMethod)
      ) {
        problems.push(`contactPreferences.preferredMethod must be one of ${CONTACT_METHODS.join(', ')}`);
      } else next.contactPreferences.preferredMethod = cp.preferredMethod ?? null;
    }
    if ('bestTimeToContact' in cp)
      next.contactPreferences.bestTimeToContact = text(
        cp.bestTimeToContact,
        'contactPreferences.bestTimeToContact',
        LIMITS.shortText,
        problems,
      );
    if ('language' in cp)
      next.contactPreferences.language = text(
        cp.language,
        'contactPreferences.language',
        LIMITS.shortText,
        problems,
      );
    if ('interpreterNeeded' in cp) next.contactPreferences.interpreterNeeded = cp.interpreterNeeded ?? null;
  }
  for (const list of ITEM_LISTS) {
    const given = input[list];
    if (given === undefined || given === null) continue;
    if (given.length > LIMITS.items) problems.push(`${list} can hold at most ${LIMITS.items} items`);
    const known = new Set((current[list] ?? []).map((i) => i.id));
    next[list] = given.map((item, i) => {
      const description = text(
        item.description,
        `${list}[${i}].description`,
        LIMITS.itemDescription,
        problems,
      );
      if (description === null) problems.push(`${list}[${i}].description is required`);
      if (
        item.date != null &&
        (!ISO_DATE.test(item.date) || Number.isNaN(Date.parse(`${item.date}T00:00:00Z`)))
      ) {
        problems.push(`${list}[${i}].date must be a date written YYYY-MM-DD`);
      }
      if (item.id != null && !known.has(item.id))
        problems.push(`${list}[${i}].id is not an item of this list (leave it out for a new item)`);
      return { id: item.id ?? randomUUID(), description: description ?? '', date: item.date ?? null };
    });
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid family information: ${problems.join('; ')}.`, { problems });
  return next;
}

/** Content as stored by an earlier version may lack a list added since (keyEvents): an empty one. */
function withAllLists(content: FamilyInformationContent): FamilyInformationContent {
  for (const list of ITEM_LISTS) content[list] ??= [];
  return content;
}

/** Which parts changed, as dotted paths (`aboutMe.whatHelps`, `schoolsAttended`). */
export function changedFields(before: FamilyInformationContent, after: FamilyInformationContent): string[] {
  const changed: string[] = [];
  for (const section of ['aboutMe', 'contactPreferences'] as const) {
    for (const key of Object.keys(after[section]) as Array<keyof (typeof after)[typeof section]>) {
      if (JSON.stringify(before[section][key]) !== JSON.stringify(after[section][key]))
        changed.push(`${section}.${String(key)}`);
    }
  }
  for (const list of ITEM_LISTS)
    if (JSON.stringify(before[list] ?? []) !== JSON.stringify(after[list] ?? [])) changed.push(list);
  return changed;
}

type VersionRow = typeof familyInformationVersion.$inferSelect;
type ConfirmationRow = typeof familyItemConfirmation.$inferSelect;

export interface FamilyInformationView {
  childId: string;
  version: number;
  updatedAt: string;
  updatedByRole: string;
  aboutMe: FamilyInformationContent['aboutMe'];
  contactPreferences: FamilyInformationContent['contactPreferences'];
  reportedDiagnoses: ItemView[];
  previousAssessments: ItemView[];
  schoolsAttended: ItemView[];
  keyEvents: ItemView[];
}
interface ItemView extends FamilyItem {
  confirmations: Array<{
    organisationId: string;
    organisationType: string;
    confirmedAt: string;
    note: string | null;
  }>;
}

function view(row: VersionRow, confirmations: ConfirmationRow[]): FamilyInformationView {
  const content = withAllLists(row.content as FamilyInformationContent);
  // A confirmation vouches for the wording it saw: once the family rewords the item, it lapses.
  const items = (list: ItemList): ItemView[] =>
    content[list].map((item) => ({
      ...item,
      confirmations: confirmations
        .filter((c) => c.itemId === item.id && c.itemDescription === item.description)
        .map((c) => ({
          organisationId: c.organisationId,
          organisationType: c.organisationType,
          confirmedAt: c.confirmedAt.toISOString(),
          note: c.note,
        })),
    }));
  return {
    childId: row.childId,
    version: row.version,
    updatedAt: row.createdAt.toISOString(),
    updatedByRole: row.editedByRole,
    aboutMe: content.aboutMe,
    contactPreferences: content.contactPreferences,
    reportedDiagnoses: items('reportedDiagnoses'),
    previousAssessments: items('previousAssessments'),
    schoolsAttended: items('schoolsAttended'),
    keyEvents: items('keyEvents'),
  };
}

/** The latest version per child (null when the family has not written anything yet). */
export async function latestFamilyInformation(
  db: DbHandle,
  childIds: string[],
): Promise<Map<string, FamilyInformationView>> {
  const out = new Map<string, FamilyInformationView>();
  if (childIds.length === 0) return out;
  const [rows, confirmations] = await Promise.all([
    db.db
      .select()
      .from(familyInformationVersion)
      .where(inArray(familyInformationVersion.childId, childIds))
      .orderBy(desc(familyInformationVersion.version)),
    db.db
      .select()
      .from(familyItemConfirmation)
      .where(inArray(familyItemConfirmation.childId, childIds))
      .orderBy(asc(familyItemConfirmation.confirmedAt)),
  ]);
  for (const row of rows) {
    if (!out.has(row.childId))
      out.set(
        row.childId,
        view(
          row,
          confirmations.filter((c) => c.childId === row.childId),
        ),
      );
  }
  return out;
}

export async function familyInformationHistory(db: DbHandle, childIds: string[]) {
  const rows =
    childIds.length === 0
      ? []
      : await db.db
          .select()
          .from(familyInformationVersion)
          .where(inArray(familyInformationVersion.childId, childIds))
          .orderBy(desc(familyInformationVersion.version));
  const out = new Map<
    string,
    Array<{
      version: number;
      editedAt: string;
      editedByRole: string;
      editedByName: string | null;
      changedFields: string[];
    }>
  >(childIds.map((id) => [id, []]));
  for (const r of rows) {
    out.get(r.childId)?.push({
      version: r.version,
      editedAt: r.createdAt.toISOString(),
      editedByRole: r.editedByRole,
      editedByName: r.editedByName,
      changedFields: r.changedFields as string[],
    });
  }
  return out;
}

/**
 * Saves a new version. `expectedVersion` is the version the family was looking at (0 for the
 * first): if someone else saved in between, CONFLICT rather than silently overwriting them.
 */
export async function updateFamilyInformation(
  db: DbHandle,
  principal: Principal,
  childId: string,
  expectedVersion: number,
  input: FamilyInformationInput,
): Promise<FamilyInformationView> {
  const [latest] = await db.db
    .select()
    .from(familyInformationVersion)
    .where(eq(familyInformationVersion.childId, childId))
    .orderBy(desc(familyInformationVersion.version))
    .limit(1);
  const currentVersion = latest?.version ?? 0;
  if (!Number.isInteger(expectedVersion) || expectedVersion !== currentVersion) {
    throw new HubError(
      'CONFLICT',
      `This information has changed since you opened it (now version ${currentVersion}); reload and try again.`,
      { currentVersion },
    );
  }
  const current = (latest?.content as FamilyInformationContent | undefined) ?? EMPTY_CONTENT;
  const next = nextContent(current, input);
  const changed = changedFields(current, next);
  if (changed.length === 0)
    throw new HubError('INVALID_INPUT', 'Nothing changed: there is nothing to save.', {
      problems: ['no changes'],
    });
  try {
    await db.db.insert(familyInformationVersion).values({
      id: randomUUID(),
      childId,
      version: currentVersion + 1,
      content: next,
      changedFields: changed,
      editedBySub: principal.sub,
      editedByRole: principal.role === 'young_person' ? 'young_person' : 'parent_carer',
      editedByName: principal.name ?? null,
    });
  } catch (error) {
    // Two saves of the same version at once: the unique (child, version) key lets one win.
    if (
      /unique|duplicate/i.test(
        String((error as Error).message) + String((error as { cause?: Error }).cause?.message ?? ''),
      )
    ) {
      throw new HubError(
        'CONFLICT',
        'Someone saved this information at the same moment; reload and try again.',
      );
    }
    throw error;
  }
  return (await latestFamilyInformation(db, [childId])).get(childId)!;
}

export async function confirmFamilyItem(
  db: DbHandle,
  principal: Principal,
  childId: string,
  itemId: string,
  note: unknown,
): Promise<FamilyInformationView> {
  const latest = (await latestFamilyInformation(db, [childId])).get(childId);
  const item =
    latest &&
    [
      ...latest.reportedDiagnoses,
      ...latest.previousAssessments,
      ...latest.schoolsAttended,
      ...latest.keyEvents,
    ].find((i) => i.id === itemId);
  if (!latest || !item)
    throw new HubError('NOT_FOUND', `The family information of this child has no item ${itemId}.`, {
      itemId,
    });
  const problems: string[] = [];
  const cleanNote = text(note, 'note', LIMITS.shortText, problems);
  if (item.confirmations.some((c) => c.organisationId === principal.orgId))
    problems.push('your organisation has already confirmed this item');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Cannot confirm: ${problems.join('; ')}.`, { problems });
  await db.db.insert(familyItemConfirmation).values({
    id: randomUUID(),
    childId,
    itemId,
    itemDescription: item.description,
    organisationId: principal.orgId,
    organisationType: principal.orgType,
    confirmedBySub: principal.sub,
    note: cleanNote,
  });
  return (await latestFamilyInformation(db, [childId])).get(childId)!;
}
