// Command-line tools some tests call when the machine has them (schema validators, promtool).
import { execFileSync } from 'node:child_process';

/** Whether `tool --version` runs here; tests that need the tool are skipped where it is missing. */
export function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
