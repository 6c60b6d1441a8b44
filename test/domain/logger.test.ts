import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/infra/logger.ts';
import { LogCapture } from '../helpers/app.ts';

describe('logger redaction', () => {
  it('censors every credential header and secret field, and keeps one entry per line', () => {
    const logs = new LogCapture();
    const logger = createLogger({ destination: logs });
    const canary = 'kw_ptr_test_AAAAAAAA_canarycanarycanarycanarycanarycanary';
    logger.info(
      {
        req: {
          headers: {
            authorization: `Bearer ${canary}`,
            'x-api-key': canary,
            'x-partner-key': canary,
            'x-admin-token': canary,
            'x-keyward-signature': canary,
            'user-agent': 'curl',
          },
        },
        secret: canary,
        result: { secret: canary, apiKey: canary, token: canary },
        variables: { input: { whatever: canary } },
        name: 'a\n{"level":50}',
      },
      'request',
    );
    expect(logs.text).not.toContain('canary');
    expect(logs.lines).toHaveLength(1);
    const entry = logs.entries()[0]!;
    expect(entry).toMatchObject({ req: { headers: { authorization: '[redacted]', 'user-agent': 'curl' } } });
    expect(entry.name).toBe('a\n{"level":50}');
  });
});
