import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/infra/database.ts';

/** Shapes seen from Prisma 7 with @prisma/adapter-pg while PostgreSQL was down and restarting. */
const adapterError = (cause: Record<string, unknown>) => Object.assign(new Error('driver adapter error'), { name: 'DriverAdapterError', cause });
const prismaError = (code: string, meta?: Record<string, unknown>) =>
  Object.assign(new Error(`prisma ${code}`), { name: 'PrismaClientKnownRequestError', code, meta });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['server unreachable (P1001)', prismaError('P1001')],
    ['adapter: DatabaseNotReachable', adapterError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    [
      'starting up (57P03) wrapped in P2039',
      prismaError('P2039', { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P03' } } }),
    ],
    ['administrator shutdown (57P01)', adapterError({ kind: 'postgres', code: '57P01' })],
    ['connection failure (08006)', adapterError({ kind: 'postgres', code: '08006' })],
    ['too many connections (53300)', adapterError({ kind: 'postgres', code: '53300' })],
    ['pool timeout (P2024)', prismaError('P2024')],
    ['node-postgres: connection dropped in a transaction', new Error('Connection terminated unexpectedly')],
    ['as the cause of another error', Object.assign(new Error('outer'), { cause: new Error('Connection terminated unexpectedly') })],
  ])('%s → unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (P2002)', prismaError('P2002')],
    ['a postgres constraint error (23505)', adapterError({ kind: 'postgres', code: '23505' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'Connection terminated unexpectedly'],
    ['nothing', undefined],
  ])('%s → not unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('follows a cycle of causes without looping', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = Object.assign(new Error('b'), { cause: a });
    a.cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});
