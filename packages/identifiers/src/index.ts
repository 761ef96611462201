export {
  formatNhsNumber,
  isValidNhsNumber,
  nhsCheckDigit,
  normaliseNhsNumber,
  SYNTHETIC_NHS_NUMBER_COUNT,
  syntheticNhsNumber,
} from './nhs-number.ts';
export {
  isTemporaryUpn,
  isValidUpn,
  normaliseUpn,
  SYNTHETIC_UPN_COUNT,
  SYNTHETIC_UPN_LA_CODE,
  syntheticUpn,
  UPN_CHECK_ALPHABET,
  upnCheckLetter,
} from './upn.ts';
export { isUuid, UUID_PATTERN } from './uuid.ts';
