import type { Server } from 'node:http';

/**
 * How a benchmark baseline runs as a child of bench/http.ts: listen on PORT (127.0.0.1), say so
 * on stdout, and exit on SIGTERM/SIGINT or when the parent closes our stdin (it died).
 */
export function serveAsBenchChild(server: Server, label: string, path: string): void {
  const port = Number(process.env.PORT ?? 0);
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    process.stdout.write(`${label} listening on http://127.0.0.1:${actual}${path}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
