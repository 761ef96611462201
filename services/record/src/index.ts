export { buildApp, service } from './app.ts';
export { seedRecord, seedRecordIfEmpty } from './seed.ts';
