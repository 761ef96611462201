/** "Tell it once": what the family told us about the child, as append-only versions. */
export {
  confirmFamilyItem,
  type FamilyInformationContent,
  type FamilyInformationInput,
  familyInformationHistory,
  latestFamilyInformation,
  updateFamilyInformation,
} from './versions.ts';
