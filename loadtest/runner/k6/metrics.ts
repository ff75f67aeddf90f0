// `k6/metrics`: custom Counter, Gauge, Rate and Trend metrics.
import { baseTags, currentVu, runtime } from '../runtime.ts';
import type { MetricType, Tags } from '../metrics.ts';

function make(type: MetricType) {
  return class {
    name: string;
    constructor(name: string, isTime = false) {
      this.name = name;
      runtime.registry.get(name, type, isTime ? 'time' : 'default');
    }
    add(value: number | boolean, tags: Tags = {}) {
      if (runtime.phase === 'init')
        throw new Error(`metric ${this.name}: values can only be added in setup(), an iteration or teardown()`);
      runtime.registry.get(this.name, type).add(Number(value), { ...baseTags(currentVu()), ...tags });
    }
  };
}

export const Counter = make('counter');
export const Gauge = make('gauge');
export const Rate = make('rate');
export const Trend = make('trend');
