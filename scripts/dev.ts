// `npm run dev`: Keyward (restarted when src/ changes) and the dashboard with hot reload on
// http://127.0.0.1:5173/dashboard/. The dashboard's server passes /graphql and the sign-in pages
// on to Keyward, and Keyward's links point at the dashboard's server, so the session cookie and
// the Origin are the page's own, as in production.
import { spawn } from 'node:child_process';
import { createServer } from 'vite';

const keywardPort = process.env.PORT ?? '4000';
// The dashboard's server passes requests on to this Keyward (dashboard/vite.config.ts reads it).
process.env.KEYWARD_URL ??= `http://127.0.0.1:${keywardPort}`;
const dashboard = await createServer({
  configFile: 'dashboard/vite.config.ts',
  server: { host: '127.0.0.1', ...(process.env.DASHBOARD_PORT && { port: Number(process.env.DASHBOARD_PORT) }) },
});
await dashboard.listen();
const url = `http://127.0.0.1:${dashboard.config.server.port}`;
const keyward = spawn('npx', ['tsx', 'watch', 'src/main.ts'], {
  stdio: 'inherit',
  env: { ...process.env, PORT: keywardPort, KEYWARD_PUBLIC_URL: process.env.KEYWARD_PUBLIC_URL ?? url },
});
console.log(`Dashboard with hot reload: ${url}/dashboard/ (API on port ${keywardPort})`);
const stop = async () => {
  keyward.kill('SIGTERM');
  await dashboard.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
keyward.on('exit', (code) => {
  void dashboard.close().then(() => process.exit(code ?? 0));
});
