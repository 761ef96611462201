import { runSubgraphServer } from '@hub/service-kit';
import { service } from './app.ts';

// PGlite in DATA_DIR/audit (default .data/audit), or DATABASE_URL; RECORD_BASE_URL for accessHistory.
await runSubgraphServer(service, process.env);
