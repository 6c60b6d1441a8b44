/** A time as the member's browser writes dates, or a word for none. */
export function when(value: string | null | undefined, none: string): string {
  if (!value) return none;
  return new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A list, or a word for an empty one. */
export function list(values: readonly string[], empty: string): string {
  return values.length === 0 ? empty : values.join(', ');
}

/** Lines or commas of a text field, trimmed, without blanks. */
export function entries(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}
