import { describe, expect, it } from 'vitest';
import { ConfigError, graphiqlEnabled, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('serves GraphiQL in development, and in production only with KEYWARD_GRAPHIQL=1', () => {
    expect(graphiqlEnabled(loadConfig({}))).toBe(true);
    expect(graphiqlEnabled(loadConfig({ NODE_ENV: 'production' }))).toBe(false);
    expect(graphiqlEnabled(loadConfig({ NODE_ENV: 'production', KEYWARD_GRAPHIQL: '1' }))).toBe(true);
    expect(() => loadConfig({ KEYWARD_GRAPHIQL: 'yes' })).toThrow(ConfigError);
  });

  it('reads CORS origins as a list of bare origins', () => {
    expect(loadConfig({ KEYWARD_CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).KEYWARD_CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(loadConfig({}).KEYWARD_CORS_ORIGINS).toBeUndefined();
    expect(() => loadConfig({ KEYWARD_CORS_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
  });

  it('reads the limits of issue 6 (auth failures per IP, request-log retention)', () => {
    expect(loadConfig({})).toMatchObject({ KEYWARD_AUTH_FAILURES_PER_MINUTE: 20, KEYWARD_REQUEST_LOG_RETENTION_DAYS: 30 });
    expect(loadConfig({ KEYWARD_AUTH_FAILURES_PER_MINUTE: '5', KEYWARD_REQUEST_LOG_RETENTION_DAYS: '7' })).toMatchObject({
      KEYWARD_AUTH_FAILURES_PER_MINUTE: 5,
      KEYWARD_REQUEST_LOG_RETENTION_DAYS: 7,
    });
    expect(() => loadConfig({ KEYWARD_AUTH_FAILURES_PER_MINUTE: '0' })).toThrow(ConfigError);
    expect(loadConfig({}).KEYWARD_QUERY_TIMEOUT_MS).toBe(10_000);
    expect(loadConfig({ KEYWARD_QUERY_TIMEOUT_MS: '2500' }).KEYWARD_QUERY_TIMEOUT_MS).toBe(2_500);
    expect(() => loadConfig({ KEYWARD_QUERY_TIMEOUT_MS: '10' })).toThrow(ConfigError);
    expect(loadConfig({}).KEYWARD_MAX_SOCKETS_PER_KEY).toBe(20);
    expect(() => loadConfig({ KEYWARD_MAX_SOCKETS_PER_KEY: '0' })).toThrow(ConfigError);
    expect(loadConfig({}).KEYWARD_MAX_SOCKETS_PER_IP).toBe(100);
    expect(loadConfig({ KEYWARD_MAX_SOCKETS_PER_IP: '5' }).KEYWARD_MAX_SOCKETS_PER_IP).toBe(5);
    expect(() => loadConfig({ KEYWARD_MAX_SOCKETS_PER_IP: '0' })).toThrow(ConfigError);
    expect(loadConfig({})).toMatchObject({ KEYWARD_HEADERS_TIMEOUT_MS: 10_000, KEYWARD_REQUEST_TIMEOUT_MS: 30_000, KEYWARD_KEEP_ALIVE_TIMEOUT_MS: 65_000 });
    expect(loadConfig({ KEYWARD_REQUEST_TIMEOUT_MS: '5000' }).KEYWARD_REQUEST_TIMEOUT_MS).toBe(5_000);
    expect(() => loadConfig({ KEYWARD_HEADERS_TIMEOUT_MS: '10' })).toThrow(/KEYWARD_HEADERS_TIMEOUT_MS/);
    expect(loadConfig({}).KEYWARD_SLOT_HEARTBEAT_MS).toBe(5_000);
    expect(() => loadConfig({ KEYWARD_SLOT_HEARTBEAT_MS: '10' })).toThrow(ConfigError);
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 4000,
      HOST: '127.0.0.1',
      KEYWARD_DATA_DIR: './data',
      KEYWARD_ALLOW_PRIVATE_CALLBACKS: false,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KEYWARD_ADMIN_TOKEN).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ KEYWARD_ADMIN_TOKEN: 'short' }, 'KEYWARD_ADMIN_TOKEN'],
    [{ KEYWARD_PEPPER: 'short' }, 'KEYWARD_PEPPER'],
    [{ KEYWARD_ENCRYPTION_KEY: 'abcd' }, 'KEYWARD_ENCRYPTION_KEY'],
    [{ KEYWARD_ALLOW_PRIVATE_CALLBACKS: 'yes' }, 'KEYWARD_ALLOW_PRIVATE_CALLBACKS'],
    [{ KEYWARD_ALLOW_PRIVATE_CALLBACKS: '1', NODE_ENV: 'production' }, 'KEYWARD_ALLOW_PRIVATE_CALLBACKS'],
    [{ DATABASE_URL: 'postgres://db/keyward' }, 'KEYWARD_PEPPER'],
    [{ DATABASE_URL: 'postgres://db/keyward', KEYWARD_PEPPER: 'p'.repeat(32) }, 'KEYWARD_ENCRYPTION_KEY'],
  ])('names the variable in error: %j', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration:[\\s\\S]*\\b${variable}:`));
  });

  it('allows private callbacks outside production only (issue 13, finding 7)', () => {
    expect(loadConfig({ KEYWARD_ALLOW_PRIVATE_CALLBACKS: '1' }).KEYWARD_ALLOW_PRIVATE_CALLBACKS).toBe(true);
    expect(loadConfig({ KEYWARD_ALLOW_PRIVATE_CALLBACKS: '0', NODE_ENV: 'production' }).KEYWARD_ALLOW_PRIVATE_CALLBACKS).toBe(false);
    expect(() => loadConfig({ KEYWARD_ALLOW_PRIVATE_CALLBACKS: '1', NODE_ENV: 'production' })).toThrow(
      /KEYWARD_ALLOW_PRIVATE_CALLBACKS: .*refused in production/,
    );
  });

  it('accepts a PostgreSQL setup with its required secrets', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://keyward@db:5432/keyward',
      KEYWARD_PEPPER: 'p'.repeat(32),
      KEYWARD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(config.DATABASE_URL).toBe('postgresql://keyward@db:5432/keyward');
    expect(config.KEYWARD_ADMIN_TOKEN).toBeUndefined();
  });
});
