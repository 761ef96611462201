import { loadAuditServiceConfig } from '@hub/config';
import { runSubgraphServer } from '@hub/service-kit';
import { createAuditService } from './app.ts';

// PGlite in DATA_DIR/audit (default .data/audit), or DATABASE_URL; RECORD_BASE_URL for accessHistory.
// AUDIT_CHECKPOINT_KEY_FILE + AUDIT_CHECKPOINTS_FILE: signed checkpoints published outside the database.
const config = loadAuditServiceConfig(process.env);
await runSubgraphServer(
  createAuditService({
    ...(config.AUDIT_CHECKPOINT_KEY_FILE && config.AUDIT_CHECKPOINTS_FILE
      ? {
          checkpoints: {
            keyFile: config.AUDIT_CHECKPOINT_KEY_FILE,
            file: config.AUDIT_CHECKPOINTS_FILE,
            everyEvents: config.AUDIT_CHECKPOINT_EVERY_EVENTS,
            everySeconds: config.AUDIT_CHECKPOINT_EVERY_SECONDS,
          },
        }
      : {}),
  }),
  process.env,
);
