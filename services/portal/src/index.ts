export { buildPortal, PORTAL_DIST, PORTAL_ROOT } from './build.ts';
