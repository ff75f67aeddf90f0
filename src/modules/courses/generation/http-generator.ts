// The HTTP generator: calls an external text-generation API, one POST per outline, module or
// lesson, with the scoring provider's policies (src/modules/recommendations/provider/): a per-call
// timeout, one token bucket shared by every worker through Redis, exponential backoff with jitter
// honouring Retry-After, bounded attempts. A call that still fails fails the generation with its reason.
//
// Wire format: request {"kind": "outline" | "module" | "lesson", spec, revision, moduleIndex?,
// lessonIndex?, outline?}; response the JSON of CourseOutline, GeneratedModule or GeneratedLesson.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../../config.ts';
import { COURSE_LEVELS } from '../../../db/tables/index.ts';
import type { Redis } from '../../../resources.ts';
import { parseRetryAfter, ProviderCallError, withRetries } from '../../recommendations/provider/retry.ts';
import { bucketKey, memoryBucket, redisBucket, type TokenBucket } from '../../recommendations/provider/token-bucket.ts';
import { GeneratorError, minutesFor, type CourseGenerator } from './generator.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const lesson = z.object({
  title: text(300),
  objectives: z.array(text(500)).max(50).default([]),
  body: z.string().max(200_000),
  estimatedMinutes: z.number().int().min(0).max(10_000).optional(),
  level: z.enum(COURSE_LEVELS).optional(),
  prerequisites: z.array(text(500)).max(50).default([]),
});
const module = z.object({
  title: text(300),
  summary: z.string().max(5_000).default(''),
  objectives: z.array(text(500)).max(50).default([]),
  lessons: z.array(lesson).min(1).max(200),
});
const outline = z.object({
  title: text(300),
  summary: z.string().max(5_000).default(''),
  modules: z
    .array(
      z.object({
        title: text(300),
        summary: z.string().max(5_000).default(''),
        objectives: z.array(text(500)).max(50).default([]),
        lessonTitles: z.array(text(300)).min(1).max(200),
      }),
    )
    .min(1)
    .max(500),
});

export type HttpGeneratorOptions = {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  bucket: TokenBucket;
};

export function httpGeneratorOptions(config: Config, redis: Redis | undefined, log?: Logger): HttpGeneratorOptions {
  const c = config.courses;
  if (!c.generatorUrl)
    throw new GeneratorError('The HTTP course generator is not configured (COURSE_GENERATOR_URL is unset).');
  const rate = { ratePerSecond: c.generatorRateLimit, capacity: 1 };
  return {
    url: c.generatorUrl,
    apiKey: c.generatorApiKey,
    timeoutMs: c.generatorTimeoutMs,
    maxAttempts: c.generatorMaxAttempts,
    retryBaseMs: config.provider.retryBaseMs,
    retryMaxMs: config.provider.retryMaxMs,
    bucket: redis
      ? redisBucket(redis, bucketKey(`${config.redis.prefix}course-`, c.generatorUrl), rate, log)
      : memoryBucket(rate),
  };
}

export function createHttpGenerator(options: HttpGeneratorOptions): CourseGenerator {
  async function call<T>(payload: object, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> {
    const attempted = await withRetries(
      { maxAttempts: options.maxAttempts, baseMs: options.retryBaseMs, maxMs: options.retryMaxMs },
      async () => {
        await options.bucket.take(signal);
        let res: Response;
        try {
          res = await fetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            },
            body: JSON.stringify(payload),
            signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
          });
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          if ((err as Error).name === 'TimeoutError')
            throw new ProviderCallError('timeout', `no answer within ${options.timeoutMs} ms`);
          throw new ProviderCallError('connection_reset', `network error: ${(err as Error).message}`);
        }
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        if (res.status === 429)
          throw new ProviderCallError('rate_limited', 'HTTP 429 Too Many Requests', { retryAfterMs });
        if (res.status >= 500) throw new ProviderCallError('server_error', `HTTP ${res.status}`, { retryAfterMs });
        const body = await res.text();
        if (res.status !== 200)
          throw new ProviderCallError('rejected', `HTTP ${res.status}: ${body.slice(0, 200)}`, { retryable: false });
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          throw new ProviderCallError(
            'invalid_response',
            `the generator answered 200 with a body that is not JSON: ${body.slice(0, 80)}`,
          );
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new ProviderCallError(
            'invalid_response',
            `the generator's answer does not fit: ${issue?.path.join('.')} ${issue?.message}`,
            { retryable: false },
          );
        }
        return parsed.data;
      },
      signal,
    );
    if (!attempted.ok)
      throw new GeneratorError(
        `text generation failed after ${attempted.attempts} attempt(s): ${attempted.error.reason} (${attempted.error.message})`,
      );
    return attempted.value;
  }

  const withMinutes = <L extends { body: string; estimatedMinutes?: number; level?: (typeof COURSE_LEVELS)[number] }>(
    l: L,
    level: (typeof COURSE_LEVELS)[number],
  ) => ({
    ...l,
    estimatedMinutes: l.estimatedMinutes ?? minutesFor(l.body),
    level: l.level ?? level,
  });

  return {
    kind: 'http',
    outline: (spec, revision, signal) => call({ kind: 'outline', spec, revision }, outline, signal),
    async module(spec, courseOutline, moduleIndex, revision, signal) {
      const m = await call({ kind: 'module', spec, revision, moduleIndex, outline: courseOutline }, module, signal);
      return { ...m, lessons: m.lessons.map((l) => withMinutes(l, spec.level)) };
    },
    async lesson(spec, courseOutline, moduleIndex, lessonIndex, revision, signal) {
      return withMinutes(
        await call(
          { kind: 'lesson', spec, revision, moduleIndex, lessonIndex, outline: courseOutline },
          lesson,
          signal,
        ),
        spec.level,
      );
    },
    close() {},
  };
}
