// Maps the `k6/*` imports of a k6 script to this runner's implementations, in this thread, so the
// script and the runner share one metric registry. Anything else resolves as Node normally does.
import { registerHooks } from 'node:module';

const K6_MODULES: Record<string, string> = {
  k6: new URL('./k6/index.ts', import.meta.url).href,
  'k6/http': new URL('./k6/http.ts', import.meta.url).href,
  'k6/metrics': new URL('./k6/metrics.ts', import.meta.url).href,
  'k6/execution': new URL('./k6/execution.ts', import.meta.url).href,
  'k6/crypto': new URL('./k6/crypto.ts', import.meta.url).href,
};

let installed = false;

export function installK6Hooks(): void {
  if (installed) return;
  installed = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const target = K6_MODULES[specifier];
      if (target) return { url: target, shortCircuit: true };
      if (specifier.startsWith('k6/') || specifier.startsWith('https://')) {
        throw new Error(
          `"${specifier}" is not available in the Node k6 runner (it implements ${Object.keys(K6_MODULES).join(', ')}).`,
        );
      }
      return nextResolve(specifier, context);
    },
  });
}
