import { describe, expect, it } from 'vitest';
import { ConfigError, GATEWAY_LIMIT_DEFAULTS, loadGatewayConfig, loadSubgraphConfig } from './index.ts';

const secret = 'x'.repeat(32);

describe('loadSubgraphConfig', () => {
  it('applies defaults and coerces the port', () => {
    const config = loadSubgraphConfig({ PORT: '4001', INTERNAL_CONTEXT_SECRET: secret });
    expect(config).toMatchObject({ PORT: 4001, HOST: '127.0.0.1', SEED: 'none', DATA_DIR: '.data' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('lists every problem at once', () => {
    try {
      loadSubgraphConfig({ PORT: 'abc', INTERNAL_CONTEXT_SECRET: 'short', DATABASE_URL: 'not a url' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/INTERNAL_CONTEXT_SECRET/);
      expect(problems).toMatch(/DATABASE_URL/);
    }
  });
});

describe('loadGatewayConfig', () => {
  const base = {
    PORT: '4000',
    INTERNAL_CONTEXT_SECRET: secret,
    RECORD_URL: 'http://127.0.0.1:4001/graphql',
    EDUCATION_URL: 'http://127.0.0.1:4002/graphql',
    HEALTH_URL: 'http://127.0.0.1:4003/graphql',
    SOCIAL_CARE_URL: 'http://127.0.0.1:4004/graphql',
    AUDIT_URL: 'http://127.0.0.1:4005',
    JWT_ISSUER: 'https://issuer.example',
    JWT_AUDIENCE: 'hub',
  };

  it('needs exactly one JWKS source', () => {
    expect(() => loadGatewayConfig(base)).toThrow(/exactly one of JWKS_URL or JWKS_FILE/);
    expect(() =>
      loadGatewayConfig({ ...base, JWKS_FILE: 'a.json', JWKS_URL: 'https://issuer.example/jwks' }),
    ).toThrow(ConfigError);
    expect(loadGatewayConfig({ ...base, JWKS_FILE: 'a.json' }).JWKS_FILE).toBe('a.json');
  });

  it('takes OpenID Connect providers instead of, or beside, the single issuer', () => {
    const { JWT_ISSUER: _i, JWT_AUDIENCE: _a, ...withoutIssuer } = base;
    expect(() => loadGatewayConfig(withoutIssuer)).toThrow(
      /JWT_ISSUER: required \(or set OIDC_PROVIDERS_FILE\)/,
    );
    expect(loadGatewayConfig({ ...withoutIssuer, OIDC_PROVIDERS_FILE: 'p.json' }).OIDC_PROVIDERS_FILE).toBe(
      'p.json',
    );
    // Beside it, the single issuer still needs its key set.
    expect(() => loadGatewayConfig({ ...base, OIDC_PROVIDERS_FILE: 'p.json' })).toThrow(/JWKS_URL/);
    expect(() =>
      loadGatewayConfig({ ...withoutIssuer, OIDC_PROVIDERS_FILE: 'p.json', OIDC_PROVIDERS: '[]' }),
    ).toThrow(/not both/);
  });
});

describe('gateway limits', () => {
  const base = {
    PORT: '4000',
    INTERNAL_CONTEXT_SECRET: secret,
    RECORD_URL: 'http://127.0.0.1:4001/graphql',
    EDUCATION_URL: 'http://127.0.0.1:4002/graphql',
    HEALTH_URL: 'http://127.0.0.1:4003/graphql',
    SOCIAL_CARE_URL: 'http://127.0.0.1:4004/graphql',
    AUDIT_URL: 'http://127.0.0.1:4005',
    JWT_ISSUER: 'https://issuer.example',
    JWT_AUDIENCE: 'hub',
    JWKS_FILE: 'a.json',
  };

  it('has documented defaults, introspection off', () => {
    expect(loadGatewayConfig(base)).toMatchObject(GATEWAY_LIMIT_DEFAULTS);
    expect(GATEWAY_LIMIT_DEFAULTS).toMatchObject({
      GATEWAY_MAX_TOKENS: 2000,
      GATEWAY_MAX_DEPTH: 10,
      GATEWAY_INTROSPECTION: false,
    });
  });

  it('reads overrides and refuses nonsense', () => {
    const config = loadGatewayConfig({ ...base, GATEWAY_MAX_TOKENS: '500', GATEWAY_INTROSPECTION: 'true' });
    expect(config).toMatchObject({ GATEWAY_MAX_TOKENS: 500, GATEWAY_INTROSPECTION: true });
    expect(() =>
      loadGatewayConfig({ ...base, GATEWAY_MAX_DEPTH: '0', GATEWAY_INTROSPECTION: 'yes' }),
    ).toThrow(/GATEWAY_MAX_DEPTH[\s\S]*GATEWAY_INTROSPECTION/);
  });
});
