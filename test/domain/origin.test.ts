import { describe, expect, it } from 'vitest';
import { isOwnOrigin } from '../../src/http/origin.ts';

describe('isOwnOrigin', () => {
  const publicUrl = 'https://keyward.example.com';
  it.each([
    ['the public URL', 'https://keyward.example.com', 'keyward.example.com', true],
    ['the public URL, behind a proxy that rewrites Host', 'https://keyward.example.com', '10.0.0.5:4000', true],
    ['the host the request went to', 'http://localhost:4000', 'localhost:4000', true],
    ['the same host in another case', 'http://localhost:4000', 'LOCALHOST:4000', true],
    ['another site', 'https://evil.test', 'keyward.example.com', false],
    ['another port of the host', 'http://localhost:5000', 'localhost:4000', false],
    ['the public host with another scheme', 'http://keyward.example.com', 'keyward.example.org', false],
    ['no Origin', undefined, 'keyward.example.com', false],
    ['an opaque Origin', 'null', 'keyward.example.com', false],
    ['a file page', 'file://', '', false],
  ])('%s', (_name, origin, host, own) => {
    expect(isOwnOrigin(origin, host, publicUrl)).toBe(own);
  });
});
