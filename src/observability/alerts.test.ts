// The addendum's alerts ship as Prometheus rules: `promtool check rules` accepts the file and
// `promtool test rules` shows each alert firing past its threshold and silent below it. Skipped
// where promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../test/tools.ts';

const dir = fileURLToPath(new URL('./alerts/', import.meta.url));
const hasPromtool = hasTool('promtool');

describe('alerting rules', () => {
  it('name the four alerts with their thresholds and severities', () => {
    const rules = readFileSync(`${dir}harvest-graph.rules.yml`, 'utf8');
    const alerts = rules
      .split('- alert: ')
      .slice(1)
      .map((block) => {
        const expr = /expr: \|?([\s\S]*?)\n\s+for: /.exec(block)![1];
        return [block.split('\n')[0].trim(), /severity: (\w+)/.exec(block)![1], expr.replace(/\s+/g, ' ').trim()];
      });
    expect(alerts.map(([name, severity]) => [name, severity])).toEqual([
      ['HarvestGraphP99LatencyHigh', 'warning'],
      ['HarvestGraphSuccessRateLow', 'critical'],
      ['HarvestGraphGenerationQueueDeep', 'warning'],
      ['HarvestGraphMemoryHigh', 'critical'],
    ]);
    expect(alerts[0][2]).toMatch(/histogram_quantile\(0\.99,.*\) > 0\.2$/);
    expect(alerts[1][2]).toMatch(/< 0\.95$/);
    expect(alerts[2][2]).toBe('max(hg_course_generation_queue_depth) > 10');
    expect(alerts[3][2]).toMatch(/> 0\.8$/);
  });

  it.skipIf(!hasPromtool)('promtool checks them and its unit tests pass', () => {
    const check = execFileSync('promtool', ['check', 'rules', 'harvest-graph.rules.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(check).toMatch(/SUCCESS: 4 rules found/);
    const test = execFileSync('promtool', ['test', 'rules', 'harvest-graph.rules.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(test).toMatch(/SUCCESS/);
  });
});
