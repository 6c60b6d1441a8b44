// vitest globalSetup: builds dist/ (`npm run build`, about a second) before any test file, once per
// run and again before each rerun in watch mode, so the tests that start the real process
// (test/helpers/process.ts, test/cli/) run what `npm start` and `npm run keyward` run, and never a
// build older than src/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function build(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

export default function setup(project: TestProject): void {
  build();
  project.onTestsRerun(build);
}
