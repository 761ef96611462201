export { buildApp, service } from './app.ts';
export {
  buildSen2Return,
  NOT_HELD as SEN2_NOT_HELD,
  NOT_VERIFIED as SEN2_NOT_VERIFIED,
  SEN2_LAYOUT,
  SEN2_RULES,
  type Sen2Issue,
  type Sen2Return,
  sen2Councils,
  sen2ReferenceDate,
  sen2Xml,
  validateSen2,
} from './reporting/index.ts';
export { seedRecord, seedRecordIfEmpty } from './seed.ts';
