import type { TestApp } from './app.ts';
import { gql } from './client.ts';

interface Connection {
  edges: { node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Every item of a list, read page by page of `size`: forwards (`first`/`after`) and backwards
 * (`last`/`before`, from the end), each in the list's order. `args` are the list's own arguments,
 * each with its GraphQL type (`{ includeInactive: ['Boolean', true] }`); `field` is the node field compared.
 */
export async function walkPages(
  app: TestApp,
  options: { list: string; field: string; size: number; headers: Record<string, string>; args?: Record<string, [type: string, value: unknown]> },
): Promise<{ forwards: unknown[]; backwards: unknown[] }> {
  const { list, field, size, headers } = options;
  const own = Object.entries(options.args ?? {});
  const declared = own.map(([name, [type]]) => `, $${name}: ${type}`).join('');
  const passed = own.map(([name]) => `, ${name}: $${name}`).join('');
  const values = Object.fromEntries(own.map(([name, [, value]]) => [name, value]));
  const query = `query Walk($first: Int, $after: String, $last: Int, $before: String${declared}) {
    ${list}(first: $first, after: $after, last: $last, before: $before${passed}) {
      edges { node { ${field} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
  const page = async (variables: Record<string, unknown>) => {
    const res = await gql(app, query, { ...values, ...variables }, { headers });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    const connection = (res.data as Record<string, Connection>)[list]!;
    return { items: connection.edges.map((e) => e.node[field]), info: connection.pageInfo };
  };
  const forwards: unknown[] = [];
  for (let after: string | null = null; ; ) {
    const { items, info } = await page({ first: size, after });
    forwards.push(...items);
    if (!info.hasNextPage) break;
    after = info.endCursor;
  }
  const backwards: unknown[] = [];
  for (let before: string | null = null; ; ) {
    const { items, info } = await page({ last: size, before });
    backwards.unshift(...items);
    if (!info.hasPreviousPage) break;
    before = info.startCursor;
  }
  return { forwards, backwards };
}
