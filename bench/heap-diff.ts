/**
 * What a server holds per connection, from two heap snapshots of one process (bench:subscriptions
 * with BENCH_HEAP_SNAPSHOTS=<dir> writes one before and one after the clients connect):
 *
 *   npx tsx bench/heap-diff.ts <before>.heapsnapshot <after>.heapsnapshot <connections> [rows]
 *
 * Every object of the second snapshot that the first did not have (V8 keeps an object's id for
 * its lifetime) is counted once, grouped by its kind and name (plain objects by their first
 * property names, so `{ socket, request }` and `{ id, type, payload }` stay apart) and by what
 * holds it (the retainer's edge and kind), and the groups are printed by bytes per connection.
 * Self sizes only: a group's bytes are its objects' own, not what they point to.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const [beforeFile, afterFile, countText, rowsText] = process.argv.slice(2);
if (!beforeFile || !afterFile || !countText) {
  process.stderr.write('usage: tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> <connections> [rows]\n');
  process.exit(2);
}
const connections = Number(countText);
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Snapshot;

const earlier = new Set<number>();
{
  const { snapshot, nodes } = load(beforeFile);
  const width = snapshot.meta.node_fields.length;
  const id = snapshot.meta.node_fields.indexOf('id');
  for (let i = 0; i < nodes.length; i += width) earlier.add(nodes[i + id]!);
}

const { snapshot, nodes, edges, strings } = load(afterFile);
const { node_fields: nodeFields, edge_fields: edgeFields } = snapshot.meta;
const [nodeTypes] = snapshot.meta.node_types;
const [edgeTypes] = snapshot.meta.edge_types;
const width = nodeFields.length;
const edgeWidth = edgeFields.length;
const field = { type: nodeFields.indexOf('type'), name: nodeFields.indexOf('name'), id: nodeFields.indexOf('id'), size: nodeFields.indexOf('self_size') };
const edgeCount = nodeFields.indexOf('edge_count');
const edgeField = { type: edgeFields.indexOf('type'), name: edgeFields.indexOf('name_or_index'), to: edgeFields.indexOf('to_node') };
const count = nodes.length / width;

const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * width + edgeCount]! * edgeWidth;
}
firstEdge[count] = edges.length;

const typeOf = (node: number) => nodeTypes[nodes[node * width + field.type]!]!;
const nameOf = (node: number) => strings[nodes[node * width + field.name]!]!;
const edgeTypeOf = (edge: number) => edgeTypes[edges[edge + edgeField.type]!]!;

// One retainer per object: the first strong one, preferring anything over V8's hidden internals.
const retainer = new Int32Array(count).fill(-1);
const retainingEdge = new Int32Array(count).fill(-1);
for (let node = 0; node < count; node++) {
  for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += edgeWidth) {
    const type = edgeTypeOf(e);
    if (type === 'weak' || type === 'shortcut') continue;
    const to = edges[e + edgeField.to]! / width;
    if (retainer[to] === -1 || typeOf(retainer[to]!) === 'hidden') {
      retainer[to] = node;
      retainingEdge[to] = e;
    }
  }
}

const shapeOf = (node: number) => {
  const names: string[] = [];
  for (let e = firstEdge[node]!; e < firstEdge[node + 1]! && names.length < 8; e += edgeWidth) {
    if (edgeTypeOf(e) === 'property') names.push(String(strings[edges[e + edgeField.name]!]));
  }
  return `{${names.join(',')}}`;
};
const describe = (node: number) => {
  const type = typeOf(node);
  const name = nameOf(node);
  if (type.includes('string')) return `${type} ${JSON.stringify(name.slice(0, 30))}`;
  return `${type} ${name.slice(0, 40)}${type === 'object' && name === 'Object' ? shapeOf(node) : ''}`;
};
const edgeName = (edge: number) => {
  const type = edgeTypeOf(edge);
  return type === 'element' || type === 'hidden' ? `[${type}]` : String(strings[edges[edge + edgeField.name]!]).slice(0, 30);
};

const groups = new Map<string, { objects: number; bytes: number }>();
let total = 0;
for (let node = 0; node < count; node++) {
  if (earlier.has(nodes[node * width + field.id]!)) continue;
  const by = retainer[node]!;
  const key = `${describe(node)}${by >= 0 ? `  ← ${edgeName(retainingEdge[node]!)} of ${describe(by)}` : ''}`;
  const group = groups.get(key) ?? { objects: 0, bytes: 0 };
  const size = nodes[node * width + field.size]!;
  group.objects++;
  group.bytes += size;
  total += size;
  groups.set(key, group);
}

process.stdout.write(`new objects: ${(total / connections).toFixed(0)} bytes per connection (self sizes)\n  bytes  objects  per connection\n`);
const rows = [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(rowsText ?? 80));
for (const [key, { objects, bytes }] of rows) {
  process.stdout.write(`${(bytes / connections).toFixed(1).padStart(7)} ${(objects / connections).toFixed(2).padStart(8)}  ${key}\n`);
}
