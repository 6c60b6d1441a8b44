import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Validates service input with zod; failures become a `ValidationError` listing every field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.map(String) : ['input'],
      message: issue.message,
    })),
  );
}
