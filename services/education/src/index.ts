export { buildApp, service } from './app.ts';
export { seedEducation, seedEducationIfEmpty } from './seed.ts';
