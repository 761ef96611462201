/**
 * The processes that make up the hub, in start order. The gateway comes last: it
 * composes the subgraphs' schemas at start. Ports are the defaults used by `pnpm start`.
 */
export interface HubService {
  name: string;
  entry: string;
  port: number;
  /** Env var through which the gateway finds this subgraph's GraphQL endpoint. */
  gatewayEnv?: string;
  /** Path appended to the service's URL in that env var (default `/graphql`; the audit service takes its base URL). */
  gatewayPath?: string;
}

export const SUBGRAPHS: HubService[] = [
  { name: 'record', entry: 'services/record/src/server.ts', port: 4001, gatewayEnv: 'RECORD_URL' },
  { name: 'education', entry: 'services/education/src/server.ts', port: 4002, gatewayEnv: 'EDUCATION_URL' },
  { name: 'health', entry: 'services/health/src/server.ts', port: 4003, gatewayEnv: 'HEALTH_URL' },
  {
    name: 'social-care',
    entry: 'services/social-care/src/server.ts',
    port: 4004,
    gatewayEnv: 'SOCIAL_CARE_URL',
  },
  {
    name: 'audit',
    entry: 'services/audit/src/server.ts',
    port: 4005,
    gatewayEnv: 'AUDIT_URL',
    gatewayPath: '',
  },
];

export const GATEWAY: HubService = { name: 'gateway', entry: 'services/gateway/src/server.ts', port: 4000 };
