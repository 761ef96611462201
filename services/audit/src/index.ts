export { buildApp, createAuditService, service } from './app.ts';
export type { CheckpointSettings } from './checkpoints.ts';
