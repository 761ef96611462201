export { buildApp, service } from './app.ts';
export { seedHealth, seedHealthIfEmpty } from './seed.ts';
