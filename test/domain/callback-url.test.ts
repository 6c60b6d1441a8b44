import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from '../../src/domain/connection/callback-url.ts';

describe('callback URLs', () => {
  it.each(['https://partner.example/hooks', 'https://partner.example:8443/a/b?x=1', 'https://8.8.8.8/cb'])('accepts %s', (url) => {
    expect(checkCallbackUrl(url, false).ok).toBe(true);
  });

  it.each([
    'http://partner.example/hooks',
    'https://127.0.0.1/cb',
    'https://localhost/cb',
    'https://[::1]/cb',
    'https://0.0.0.0/cb',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00:ec2::254]/cb',
    'https://metadata.google.internal/cb',
    'https://10.0.0.5/cb',
    'https://172.16.0.1/cb',
    'https://192.168.1.1/cb',
    'https://100.64.0.1/cb',
    'https://[::ffff:127.0.0.1]/cb',
    'https://[::ffff:7f00:1]/cb',
    'https://2130706433/cb',
    'https://0x7f.1/cb',
    'https://017700000001/cb',
    'https://127.1/cb',
    'https://[fc00::1]/cb',
    'https://a@partner.example/cb',
    'file:///etc/passwd',
    'gopher://partner.example/',
    'ftp://partner.example/',
    'not a url',
  ])('refuses %s', (url) => {
    expect(checkCallbackUrl(url, false).ok).toBe(false);
  });

  it('allows http and private targets only in development, never link-local', () => {
    expect(checkCallbackUrl('http://127.0.0.1:3000/cb', true).ok).toBe(true);
    expect(checkCallbackUrl('http://localhost:3000/cb', true).ok).toBe(true);
    expect(checkCallbackUrl('http://169.254.169.254/latest', true).ok).toBe(false);
    expect(checkCallbackUrl('http://[fe80::1]/cb', true).ok).toBe(false);
  });
});
