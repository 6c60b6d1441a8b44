import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard, served by Keyward at /dashboard/ (src/http/dashboard.ts serves dashboard/dist).
 * `npm run dev` serves it here with hot reload and passes the API and the sign-in pages on to a
 * Keyward on KEYWARD_URL (default http://127.0.0.1:4000), so the cookie and the origin are this server's.
 */
const keyward = process.env.KEYWARD_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0 },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/graphql': { target: keyward, ws: true },
      '/dashboard/sign-in/': { target: keyward },
    },
  },
});
