import { describe, expect, it } from 'vitest';
import { isOwnOrigin } from '../../src/http/origin.ts';

describe('isOwnOrigin', () => {
  const configured = { publicUrl: 'https://keyward.example.com', originFromHost: false };
  const local = { publicUrl: 'http://127.0.0.1:4000', originFromHost: true };
  it.each([
    ['the public URL', 'https://keyward.example.com', 'keyward.example.com', true],
    ['the public URL, behind a proxy that rewrites Host', 'https://keyward.example.com', '10.0.0.5:4000', true],
    ['with a public URL configured, the host the request went to is not enough', 'http://10.0.0.5:4000', '10.0.0.5:4000', false],
    ['another site', 'https://evil.test', 'keyward.example.com', false],
    ['the public host with another scheme', 'http://keyward.example.com', 'keyward.example.org', false],
    ['no Origin', undefined, 'keyward.example.com', false],
    ['an opaque Origin', 'null', 'keyward.example.com', false],
    ['a file page', 'file://', '', false],
  ])('%s', (_name, origin, host, own) => {
    expect(isOwnOrigin(origin, host, configured)).toBe(own);
  });

  it.each([
    ['the default public URL', 'http://127.0.0.1:4000', 'localhost:4000', true],
    ['the host the request went to', 'http://localhost:4000', 'localhost:4000', true],
    ['the same host in another case', 'http://localhost:4000', 'LOCALHOST:4000', true],
    ['another port of the host', 'http://localhost:5000', 'localhost:4000', false],
    ['another site', 'https://evil.test', 'localhost:4000', false],
    ['a scheme that is not the web', 'ftp://localhost:4000', 'localhost:4000', false],
  ])('without a configured public URL: %s', (_name, origin, host, own) => {
    expect(isOwnOrigin(origin, host, local)).toBe(own);
  });
});
