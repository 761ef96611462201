export { buildApp, service } from './app.ts';
