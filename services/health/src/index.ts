export { buildApp, service } from './app.ts';
export { seedHealth, seedHealthIfEmpty, seedHealthLocalIfEmpty } from './seed.ts';
