export { buildApp, service } from './app.ts';
export { seedSocialCare, seedSocialCareIfEmpty, seedSocialCareLocal } from './seed.ts';
