// `k6/execution`: who is running (VU, scenario, iteration) and test.abort().
import { currentVu, runtime } from '../runtime.ts';

const execution = {
  get vu() {
    const vu = currentVu();
    return {
      idInTest: vu?.id ?? 0,
      idInInstance: vu?.id ?? 0,
      iterationInScenario: vu?.iterationInScenario ?? 0,
      iterationInInstance: vu?.iterationInInstance ?? 0,
    };
  },
  get scenario() {
    const vu = currentVu();
    return {
      name: vu?.scenario ?? '',
      iterationInTest: vu?.iterationInTest ?? 0,
      startTime: runtime.testStartedAt,
    };
  },
  test: {
    abort(reason = 'test aborted by the script') {
      runtime.aborted = reason;
      throw new Error(`test aborted: ${reason}`);
    },
  },
};
export default execution;
