import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/**
 * Issue 13, finding 10: every non-GraphQL route answers bad input with its own 4xx page or JSON,
 * with its usual headers, never a 500 with a stack trace and file paths (in production too).
 */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ production: true });
});

const fetchPath = (path: string, init: RequestInit = {}) => app.yoga.fetch(`http://keyward.test${path}`, init);

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\bat .*\(|node_modules|\/src\/|URIError|Error:/);
}

describe('consent pages with a malformed link', () => {
  it.each(['/consent/%E0%A4%A', '/consent/%', '/consent/%ZZ', '/consent/abc%E0'])('answers GET %s with the 404 page and its headers', async (path) => {
    const res = await fetchPath(path);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('Unknown link');
    expectNoStack(html);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('answers a POST to a malformed link with the 404 page, and another method with a 405 page', async () => {
    const post = await fetchPath('/consent/%E0%A4%A', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });
    expect(post.status).toBe(404);
    expectNoStack(await post.text());
    const put = await fetchPath('/consent/abc', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(put.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers a failure behind the page with the 500 page and its headers, no stack', async () => {
    const original = app.services.connections.viewConsent;
    app.services.connections.viewConsent = () => Promise.reject(new Error('boom at /work/src/secret.ts:1:1'));
    try {
      const res = await fetchPath('/consent/abc');
      expect(res.status).toBe(500);
      const html = await res.text();
      expect(html).toContain('Something went wrong');
      expect(html).not.toContain('boom');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      app.services.connections.viewConsent = original;
    }
  });
});

describe('/healthz, /readyz and /metrics', () => {
  it.each(['/healthz', '/readyz', '/metrics'])('answers POST %s with 405 JSON', async (path) => {
    const res = await fetchPath(path, { method: 'POST', body: '%E0%A4%A' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'method not allowed' });
  });

  it('answers a metrics failure with 500 JSON, no stack', async () => {
    const original = app.services.metrics.text;
    app.services.metrics.text = () => Promise.reject(new Error('boom at /work/src/infra/metrics.ts:1:1'));
    try {
      const res = await fetchPath('/metrics');
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ status: 'error' });
      expectNoStack(text);
    } finally {
      app.services.metrics.text = original;
    }
  });

  it('still answers GET with query strings', async () => {
    expect((await fetchPath('/healthz?%E0%A4%A')).status).toBe(200);
    expect((await fetchPath('/readyz')).status).toBe(200);
    expect((await fetchPath('/metrics')).status).toBe(200);
  });
});
