export { buildApp, service } from './app.ts';
export { seedSocialCare, seedSocialCareIfEmpty } from './seed.ts';
