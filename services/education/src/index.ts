export { buildApp, service } from './app.ts';
export { seedEducation, seedEducationIfEmpty, seedEducationLocal } from './seed.ts';
