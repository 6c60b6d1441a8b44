import type { Clock } from '../../src/infra/clock.ts';

/** Real time plus an offset that tests move forward (and back) instead of sleeping. */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}
