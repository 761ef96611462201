export { buildApp, service } from './app.ts';
export { buildFhirBundles } from './fhir/synthetic.ts';
export { seedHealth, seedHealthIfEmpty, seedHealthLocalIfEmpty } from './seed.ts';
