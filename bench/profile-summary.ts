/**
 * Summarises a V8 CPU profile written by `BENCH_CPU_PROF=keyward|baseline|node npm run bench`:
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/keyward-….cpuprofile [options]
 *
 *   --results <file>   only count samples inside the measured runs recorded in this results file
 *                      (default bench/results/http-latest.json when it exists; the process's
 *                      start-up and migrations are then left out)
 *   --target a…h       which target's runs to keep (default: b, Keyward's viewer query; a and d
 *                      are the baselines' own profiles, b, c, e and f Keyward's — see bench/http.ts)
 *   --top <n>          rows per table (default 30)
 *   --match <regex>    only list functions whose name or file matches, in the inclusive table
 *
 * Prints self time by package/area, self time by function, and inclusive time by function
 * (a function's own time plus everything it called, each sample counted once per function).
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--results file] [--target a…h] [--top n] [--match regex]\n');
  process.exit(2);
}
const top = Number(arg('--top') ?? 30);
const match = arg('--match') ? new RegExp(arg('--match')!, 'i') : null;
const target = arg('--target') ?? 'b';
const resultsFile = arg('--results') ?? resolve(ROOT, 'bench/results/http-latest.json');

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Measurement windows, in the same monotonic microseconds as the profile's timestamps.
let windows: [number, number][] | null = null;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    runs?: { target: string; monotonicStartUs?: number; monotonicEndUs?: number }[];
  };
  const runs = (results.runs ?? []).filter((r) => r.target === target && r.monotonicStartUs && r.monotonicEndUs);
  const inProfile = runs.filter((r) => r.monotonicEndUs! > profile.startTime && r.monotonicStartUs! < profile.endTime);
  if (inProfile.length > 0) windows = inProfile.map((r) => [r.monotonicStartUs!, r.monotonicEndUs!]);
  else process.stderr.write(`note: no run of target ${target} in ${resultsFile} overlaps this profile; using every sample\n`);
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function location(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (!url) return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) path = relative(ROOT, path);
  return `${path}:${lineNumber + 1}`;
}

function area(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith(ROOT)) return relative(ROOT, path);
  return path;
}

const key = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}  ${location(node)}`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const areas = new Map<string, number>();
let total = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  // A sample's time is the gap to the next sample.
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  if (windows && !windows.some(([s, e]) => t >= s && t < e)) continue;
  const leaf = byId.get(profile.samples[i]!)!;
  total += dt;
  self.set(key(leaf), (self.get(key(leaf)) ?? 0) + dt);
  areas.set(area(leaf), (areas.get(area(leaf)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const k = key(byId.get(id)!);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  }
}

const idle = self.get('(idle)  ') ?? 0;
const busy = total - idle;
const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)} %`;
const row = (ms: number, label: string) => `${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${label}`;
const sorted = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]);

console.log(`${file}`);
console.log(
  `${windows ? `samples inside ${windows.length} measured run(s) of target ${target}` : 'all samples'}: ` +
    `${total.toFixed(0)} ms sampled, ${idle.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy (percentages are of busy time)`,
);
console.log('\nself time by package / area');
for (const [name, ms] of sorted(areas)
  .filter(([n]) => n !== '(idle)')
  .slice(0, top))
  console.log(row(ms, name));
console.log('\nself time by function');
for (const [name, ms] of sorted(self)
  .filter(([n]) => !n.startsWith('(idle)'))
  .slice(0, top))
  console.log(row(ms, name));
console.log(`\ninclusive time by function${match ? ` (matching ${match})` : ''}`);
for (const [name, ms] of sorted(inclusive)
  .filter(([n]) => !n.startsWith('(root)') && !n.startsWith('(idle)') && (!match || match.test(n)))
  .slice(0, top)) {
  console.log(row(ms, name));
}
