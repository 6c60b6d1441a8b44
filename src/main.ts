import { servicesFor, openRuntime, startBackgroundJobs, upgradeData, type Runtime } from './app.ts';
import { ConfigError, graphiqlEnabled, loadConfig, type Config } from './config.ts';
import { DataDirLockedError } from './infra/data-dir.ts';
import { createLogger } from './infra/logger.ts';
import { parseTrustedProxies } from './domain/ip/client-ip.ts';
import { createDemoOrganization, liveAccessLine } from './demo.ts';
import { startServer } from './server.ts';
import { createYogaApp } from './yoga.ts';

/** How often buffered `lastUsedAt` times are written. */
const LAST_USED_FLUSH_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`keyward: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: Config;
  let trustedProxies: ReturnType<typeof parseTrustedProxies>;
  try {
    config = loadConfig();
    trustedProxies = parseTrustedProxies(config.KEYWARD_TRUST_PROXY);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(`Invalid configuration:\n  KEYWARD_TRUST_PROXY: ${(error as Error).message}`);
  }
  const logger = createLogger({ level: config.LOG_LEVEL });

  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, logger);
  } catch (error) {
    if (error instanceof DataDirLockedError) fail(error.message);
    throw error;
  }
  const services = servicesFor(config, runtime, logger);
  await upgradeData(services);

  let demo: Awaited<ReturnType<typeof createDemoOrganization>> | undefined;
  if (runtime.firstStart) {
    // Printed once, to the terminal, never through the logger: later starts print no secret.
    demo = await createDemoOrganization(services);
    const lines = [
      '',
      'Keyward: first start. These secrets are shown once; store them now.',
      `  Admin token (X-Admin-Token):   ${runtime.secrets.adminToken}`,
      `  Demo organization:             ${demo.organization.name} (${demo.organization.id})`,
      `  Demo TEST partner key:         ${demo.secret}`,
      `  Demo TEST signing secret:      ${demo.signingSecret}`,
      `  Demo LIVE access:              ${liveAccessLine(demo.organization)}`,
      `  Demo OWNER (dashboard member): ${demo.owner.email}`,
      `  Dashboard sign-in link:        ${demo.signInLink} (works once, within 15 minutes)`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  const yoga = createYogaApp({
    services,
    adminToken: runtime.secrets.adminToken,
    trustedProxies,
    graphiql: graphiqlEnabled(config),
    queryTimeoutMs: config.KEYWARD_QUERY_TIMEOUT_MS,
    production: config.NODE_ENV === 'production',
    ...(config.KEYWARD_CORS_ORIGINS && { corsOrigins: config.KEYWARD_CORS_ORIGINS }),
    ping: runtime.database.ping,
  });
  const running = await startServer({
    yoga,
    services,
    adminToken: runtime.secrets.adminToken,
    trustedProxies,
    logger,
    port: config.PORT,
    host: config.HOST,
    timeouts: {
      headersTimeoutMs: config.KEYWARD_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.KEYWARD_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.KEYWARD_KEEP_ALIVE_TIMEOUT_MS,
    },
  });
  if (demo) {
    const graphiql = graphiqlEnabled(config) ? `  GraphiQL:                      ${running.url} (Headers tab: {"X-Partner-Key": "<the demo key>"})\n` : '';
    const dashboard = `  Dashboard:                     ${running.url.replace(/\/graphql$/, '/dashboard/')} (the sign-in link above signs the OWNER in)\n`;
    process.stdout.write(`${graphiql}${dashboard}\n`);
  }
  logger.info({ url: running.url, database: runtime.database.kind, operatorApi: runtime.secrets.adminToken !== undefined }, 'Keyward listening');

  const stopBackgroundJobs = startBackgroundJobs(services);
  const flushTimer = setInterval(() => {
    services.verifier.flushLastUsed().catch((error: unknown) => logger.warn({ err: error }, 'lastUsedAt flush failed'));
  }, LAST_USED_FLUSH_MS);
  flushTimer.unref();

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'signal received');
    clearInterval(flushTimer);
    stopBackgroundJobs();
    try {
      await running.stop();
      await services.verifier.flushLastUsed();
      // The last requests' log entries, now that no request is in flight.
      await services.requestLogs.flush();
      await runtime.close();
      logger.info('stopped');
      logger.flush();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      logger.flush();
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`keyward: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
