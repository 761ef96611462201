import { runSubgraphServer } from '@hub/service-kit';
import { service } from './app.ts';

await runSubgraphServer(service, process.env);
