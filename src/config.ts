// Configuration is read once, here, from an env-like object. Nothing else reads process.env.
// Every problem is reported at once, each with the fix, so a bad deploy fails with one clear message.
import { hostname } from 'node:os';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** Each variable with its schema and the sentence that tells an operator how to fix it. */
const variables = {
  NODE_ENV: {
    schema: z.enum(['development', 'test', 'production']).default('development'),
    fix: 'set NODE_ENV to development, test or production',
  },
  HOST: { schema: z.string().min(1).default('0.0.0.0'), fix: 'set HOST to an interface address such as 0.0.0.0' },
  PORT: { schema: int(0, 65535).default(4000), fix: 'set PORT to a TCP port between 0 and 65535' },
  SERVER_ID: {
    schema: z.string().min(1).max(64).optional(),
    fix: 'set SERVER_ID to a short name for this instance (1-64 characters)',
  },
  DATABASE_URL: {
    schema: url(['postgres:', 'postgresql:']).optional(),
    fix: 'set DATABASE_URL to postgres://user:password@host:5432/database, or unset it to use the embedded PostgreSQL',
  },
  DATABASE_POOL_MAX: { schema: int(1, 500).default(10), fix: 'set DATABASE_POOL_MAX to 1-500 connections' },
  DATABASE_POOL_WAIT_MS: {
    schema: int(50, 600_000).default(1_500),
    fix: 'set DATABASE_POOL_WAIT_MS to 50-600000 milliseconds',
  },
  STATEMENT_TIMEOUT_MS: {
    schema: int(100, 600_000).default(5_000),
    fix: 'set STATEMENT_TIMEOUT_MS to 100-600000 milliseconds',
  },
  // PostgreSQL's planner cost of a random page read, for this server's sessions
  // (docs/decisions/0029-random-page-cost-for-cached-data.md).
  DATABASE_RANDOM_PAGE_COST: {
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a number')
      .transform(Number)
      .pipe(z.number().min(1).max(10))
      .default(1.1),
    fix: 'set DATABASE_RANDOM_PAGE_COST to a number from 1 to 10 (1.1 for data in memory or on SSD, 4 for spinning disks)',
  },
  REQUEST_TIMEOUT_MS: {
    schema: int(100, 600_000).default(10_000),
    fix: 'set REQUEST_TIMEOUT_MS to 100-600000 milliseconds',
  },
  EMBEDDED_PG_DIR: {
    schema: z.string().min(1).default('.data/postgres'),
    fix: 'set EMBEDDED_PG_DIR to a writable directory for the embedded PostgreSQL data',
  },
  EMBEDDED_PG_PORT: {
    schema: int(1, 65535).default(54329),
    fix: 'set EMBEDDED_PG_PORT to a free TCP port for the embedded PostgreSQL',
  },
  REDIS_URL: {
    schema: url(['redis:', 'rediss:']).optional(),
    fix: 'set REDIS_URL to redis://host:6379, or unset it to use the in-memory cache',
  },
  REDIS_PREFIX: {
    schema: z.string().max(64).default('hg:'),
    fix: 'set REDIS_PREFIX to a short key prefix such as hg:',
  },
  REDIS_TIMEOUT_MS: {
    schema: int(1, 10_000).default(30),
    fix: 'set REDIS_TIMEOUT_MS to 1-10000 milliseconds (how long a request waits on Redis before going on without it)',
  },
  RESPONSE_CACHE_TTL_SECONDS: {
    schema: int(0, 3_600).default(60),
    fix: 'set RESPONSE_CACHE_TTL_SECONDS to 0-3600 seconds (how long a query answer is reused; 0 turns the response cache off)',
  },
  JWT_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    fix: 'set JWT_SECRET to a random string of 32+ characters, e.g. `openssl rand -base64 48`',
  },
  JWT_TTL_SECONDS: { schema: int(60, 86_400).default(900), fix: 'set JWT_TTL_SECONDS to 60-86400 seconds' },
  // How long a verified API key or sign-in token is kept in the process (credential-cache.ts); a
  // change to it reaches every process at once through PostgreSQL, so this only bounds a missed one.
  CREDENTIAL_CACHE_SECONDS: {
    schema: int(0, 300).default(10),
    fix: 'set CREDENTIAL_CACHE_SECONDS to 0-300 seconds (0 reads every credential from the database)',
  },
  MAX_BODY_BYTES: {
    schema: int(1_024, 100 * 1024 * 1024).default(1024 * 1024),
    fix: 'set MAX_BODY_BYTES to a byte count between 1024 and 104857600',
  },
  MAX_UPLOAD_BYTES: {
    // 10 MB of file (importRecommendationJob) and the multipart envelope around it.
    schema: int(1_024, 1024 * 1024 * 1024).default(11 * 1024 * 1024),
    fix: 'set MAX_UPLOAD_BYTES to a byte count between 1024 and 1073741824 (multipart uploads only, see src/http/uploads.ts)',
  },
  RATE_LIMIT_POINTS: {
    schema: int(1, 1_000_000_000).default(100),
    fix: 'set RATE_LIMIT_POINTS to the requests each API key or user may make per RATE_LIMIT_WINDOW_SECONDS (e.g. 100)',
  },
  RATE_LIMIT_WINDOW_SECONDS: {
    schema: int(1, 86_400).default(60),
    fix: 'set RATE_LIMIT_WINDOW_SECONDS to 1-86400 seconds',
  },
  RATE_LIMIT_BURST_POINTS: {
    schema: int(1, 1_000_000_000).default(20),
    fix: 'set RATE_LIMIT_BURST_POINTS to the requests allowed per RATE_LIMIT_BURST_WINDOW_SECONDS (e.g. 20)',
  },
  RATE_LIMIT_BURST_WINDOW_SECONDS: {
    schema: int(1, 86_400).default(10),
    fix: 'set RATE_LIMIT_BURST_WINDOW_SECONDS to 1-86400 seconds, shorter than RATE_LIMIT_WINDOW_SECONDS',
  },
  COST_BUCKET_REFILL_SECONDS: {
    schema: int(0, 3_600).default(20),
    fix: 'set COST_BUCKET_REFILL_SECONDS to the seconds an empty query-cost bucket takes to refill (0-3600; 0 turns the budget off)',
  },
  SIGN_IN_FAILURES_PER_EMAIL: {
    schema: int(1, 10_000).default(10),
    fix: 'set SIGN_IN_FAILURES_PER_EMAIL to the wrong passwords one e-mail may have per 15 minutes before signIn refuses it for a while (1-10000)',
  },
  WEBHOOK_SIGNATURE_FAILURES: {
    schema: int(1, 10_000).default(20),
    fix: 'set WEBHOOK_SIGNATURE_FAILURES to the badly signed CRM webhook calls one client address may send for one organization per minute before they are refused for a while (1-10000)',
  },
  CLIENT_IP_HEADER: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name')
      .optional(),
    fix: 'set CLIENT_IP_HEADER to the header your proxy puts the client address in (e.g. Fly-Client-IP), or unset it to use the socket address',
  },
  SCHEMA_INTROSPECTION: {
    schema: z.enum(['internal', 'open']).optional(),
    fix: 'set SCHEMA_INTROSPECTION to internal (only internal keys see the schema) or open (everyone but partner keys)',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    fix: 'set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: url(['http:', 'https:']).optional(),
    fix: 'set OTEL_EXPORTER_OTLP_ENDPOINT to your OpenTelemetry collector, e.g. http://127.0.0.1:4318 (spans go to <it>/v1/traces), or unset it to turn tracing off',
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    schema: z
      .string()
      .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
      .optional(),
    fix: 'set OTEL_EXPORTER_OTLP_HEADERS to key=value pairs separated by commas, e.g. x-api-key=abc123,x-team=data',
  },
  OTEL_SERVICE_NAME: {
    schema: z.string().min(1).max(100).default('harvest-graph'),
    fix: 'set OTEL_SERVICE_NAME to the service name your traces are filed under, e.g. harvest-graph',
  },
  DIAGNOSTIC_HEADERS: {
    schema: bool.optional(),
    fix: 'set DIAGNOSTIC_HEADERS to true or false',
  },
  COMPILED_READS: {
    schema: z.enum(['on', 'off']).default('on'),
    fix: 'set COMPILED_READS to on (reads that map to SQL run as one statement) or off (every operation runs its resolvers)',
  },
  INTAKE_REFRESH_SECONDS: {
    schema: int(0, 86_400).default(300),
    fix: 'set INTAKE_REFRESH_SECONDS to how often (0-86400 s) the daily intake view is refreshed; 0 turns the schedule off',
  },
  SEED_DEMO: {
    schema: bool.optional(),
    fix: 'set SEED_DEMO to true or false',
  },
  START_WORKER: {
    schema: bool.optional(),
    fix: 'set START_WORKER to true (npm start also runs one job worker process) or false (run `npm run worker` yourself)',
  },
  RECOMMENDATION_PROVIDER: {
    schema: z.enum(['builtin', 'http']).default('builtin'),
    fix: 'set RECOMMENDATION_PROVIDER to builtin (score from the card catalog) or http (call PROVIDER_URL)',
  },
  PROVIDER_URL: {
    schema: url(['http:', 'https:']).optional(),
    fix: 'set PROVIDER_URL to the scoring API endpoint, e.g. http://127.0.0.1:6101/v1/score',
  },
  PROVIDER_API_KEY: {
    schema: z.string().min(1).optional(),
    fix: 'set PROVIDER_API_KEY to the key the scoring API gave you',
  },
  PROVIDER_RATE_LIMIT: {
    schema: int(1, 100_000).default(10),
    fix: 'set PROVIDER_RATE_LIMIT to the requests per second the scoring API allows (1-100000)',
  },
  PROVIDER_BURST: {
    schema: int(1, 100_000).default(1),
    fix: 'set PROVIDER_BURST to the burst the scoring API allows above its rate (1-100000; 1 when it does not say)',
  },
  PROVIDER_LATENCY_MS: {
    schema: int(1, 120_000).default(1_500),
    fix: 'set PROVIDER_LATENCY_MS to the usual response time of the scoring API in milliseconds',
  },
  PROVIDER_TIMEOUT_MS: {
    schema: int(50, 600_000).default(10_000),
    fix: 'set PROVIDER_TIMEOUT_MS to how long one scoring call may take before it is retried (50-600000 ms)',
  },
  PROVIDER_HEDGE: {
    schema: bool.default(true),
    fix: 'set PROVIDER_HEDGE to false to never send a late call twice (for a scoring API that does not honour Idempotency-Key), or true',
  },
  PROVIDER_MAX_ATTEMPTS: {
    schema: int(1, 50).default(6),
    fix: 'set PROVIDER_MAX_ATTEMPTS to the calls made for one customer before it is recorded as failed (1-50)',
  },
  PROVIDER_RETRY_BASE_MS: {
    schema: int(1, 60_000).default(500),
    fix: 'set PROVIDER_RETRY_BASE_MS to 1-60000 milliseconds',
  },
  PROVIDER_RETRY_MAX_MS: {
    schema: int(1, 600_000).default(30_000),
    fix: 'set PROVIDER_RETRY_MAX_MS to 1-600000 milliseconds',
  },
  JOB_CHUNK_SIZE: {
    schema: int(1, 100_000).optional(),
    fix: 'set JOB_CHUNK_SIZE to the customers per chunk (1-100000), or unset it to size chunks from the provider rate',
  },
  JOB_DEDUPE_SECONDS: {
    schema: int(0, 86_400).default(600),
    fix: 'set JOB_DEDUPE_SECONDS to how long an identical job request returns the same job (0-86400 s)',
  },
  IMPORT_MAX_BYTES: {
    schema: int(1_024, 10 * 1024 * 1024 * 1024).default(512 * 1024 * 1024),
    fix: 'set IMPORT_MAX_BYTES to the largest customer file an import accepts, in bytes',
  },
  IMPORT_IDLE_SECONDS: {
    schema: int(1, 3_600).default(30),
    fix: 'set IMPORT_IDLE_SECONDS to how long an import upload may send nothing before it is refused (1-3600 s)',
  },
  IMPORT_DEADLINE_SECONDS: {
    schema: int(1, 86_400).default(900),
    fix: 'set IMPORT_DEADLINE_SECONDS to the longest an import upload may take from first to last byte (1-86400 s)',
  },
  CORS_ORIGINS: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(/^https?:\/\/[^/\s]+$/, 'must list origins such as https://app.example.com, comma separated'),
        ),
      )
      .default([]),
    fix: 'set CORS_ORIGINS to the browser origins allowed to call the API with credentials, comma separated (https://app.example.com,https://admin.example.com), or leave it unset for none',
  },
  WORKER_CONCURRENCY: {
    schema: int(1, 64).default(4),
    fix: 'set WORKER_CONCURRENCY to how many job chunks one worker process runs at once (1-64)',
  },
  WORKER_HEARTBEAT_SECONDS: {
    schema: int(10, 3_600).default(10),
    fix: 'set WORKER_HEARTBEAT_SECONDS to 10-3600: a chunk whose worker stops beating this long is run again',
  },
  WORKER_NICE: {
    schema: int(0, 19).default(10),
    fix: 'set WORKER_NICE to the scheduling niceness of worker processes, 0 (same as the API) to 19 (only idle CPU)',
  },
  WORKER_SUPERVISE_SECONDS: {
    schema: int(1, 3_600).default(5),
    fix: 'set WORKER_SUPERVISE_SECONDS to how often workers look for chunks of crashed workers (1-3600 s)',
  },
  COURSE_GENERATOR: {
    schema: z.enum(['builtin', 'http']).default('builtin'),
    fix: 'set COURSE_GENERATOR to builtin (local templates, deterministic) or http (call COURSE_GENERATOR_URL)',
  },
  COURSE_GENERATOR_URL: {
    schema: url(['http:', 'https:']).optional(),
    fix: 'set COURSE_GENERATOR_URL to the text-generation endpoint, e.g. http://127.0.0.1:6102/v1/generate',
  },
  COURSE_GENERATOR_API_KEY: {
    schema: z.string().min(1).optional(),
    fix: 'set COURSE_GENERATOR_API_KEY to the key the text-generation API gave you',
  },
  COURSE_GENERATOR_RATE_LIMIT: {
    schema: int(1, 10_000).default(5),
    fix: 'set COURSE_GENERATOR_RATE_LIMIT to the calls per second the text-generation API allows (1-10000)',
  },
  COURSE_GENERATOR_TIMEOUT_MS: {
    schema: int(50, 600_000).default(30_000),
    fix: 'set COURSE_GENERATOR_TIMEOUT_MS to how long one text-generation call may take before it is retried (50-600000 ms)',
  },
  COURSE_GENERATOR_MAX_ATTEMPTS: {
    schema: int(1, 20).default(4),
    fix: 'set COURSE_GENERATOR_MAX_ATTEMPTS to the calls made for one module before the generation fails (1-20)',
  },
  COURSE_GENERATION_MAX_RUNNING: {
    schema: int(1, 100).default(5),
    fix: 'set COURSE_GENERATION_MAX_RUNNING to how many course generations may run at once across all workers (1-100)',
  },
  COURSE_GENERATION_TIMEOUT_SECONDS: {
    schema: int(5, 3_600).default(120),
    fix: 'set COURSE_GENERATION_TIMEOUT_SECONDS to the longest a generation may run before it fails (5-3600 s)',
  },
  CRM_CONNECTOR: {
    schema: z.enum(['builtin', 'http']).default('builtin'),
    fix: 'set CRM_CONNECTOR to builtin (pushes recorded in the crm_pushes table) or http (pushed to CRM_URL)',
  },
  CRM_URL: {
    schema: url(['http:', 'https:']).optional(),
    fix: 'set CRM_URL to the CRM API base, e.g. http://127.0.0.1:6201 (leads are PUT to <CRM_URL>/leads/<id>)',
  },
  CRM_API_KEY: { schema: z.string().min(1).optional(), fix: 'set CRM_API_KEY to the key the CRM gave you' },
  CRM_TIMEOUT_MS: {
    schema: int(50, 120_000).default(5_000),
    fix: 'set CRM_TIMEOUT_MS to how long one CRM push may take (50-120000 ms)',
  },
  CRM_MAX_ATTEMPTS: {
    schema: int(1, 100).default(10),
    fix: 'set CRM_MAX_ATTEMPTS to the pushes tried before a lead is marked FAILED (1-100)',
  },
  CRM_RETRY_BASE_MS: {
    schema: int(1, 600_000).default(1_000),
    fix: 'set CRM_RETRY_BASE_MS to the first retry delay (1-600000 ms)',
  },
  CRM_RETRY_MAX_MS: {
    schema: int(1, 3_600_000).default(300_000),
    fix: 'set CRM_RETRY_MAX_MS to the longest retry delay (1-3600000 ms)',
  },
  CRM_CONCURRENCY: {
    schema: int(1, 256).default(32),
    fix: 'set CRM_CONCURRENCY to the CRM pushes one worker keeps in flight (1-256)',
  },
  CRM_POLL_MS: {
    schema: int(10, 60_000).default(200),
    fix: 'set CRM_POLL_MS to how often an idle worker looks for due CRM pushes (10-60000 ms)',
  },
  WORKFLOW_ORG_CONCURRENCY: {
    schema: int(1, 1_000).default(4),
    fix: 'set WORKFLOW_ORG_CONCURRENCY to how many workflow steps of one organization run at once across all workers (1-1000)',
  },
  IDEMPOTENCY_KEY_HOURS: {
    schema: int(1, 8_760).default(24),
    fix: 'set IDEMPOTENCY_KEY_HOURS to how long a used Idempotency-Key of createLead or startWorkflow is remembered (1-8760 hours)',
  },
  CRM_EVENT_RETENTION_DAYS: {
    schema: int(1, 3_650).default(30),
    fix: 'set CRM_EVENT_RETENTION_DAYS to how long the ids of applied CRM webhook events are kept against redelivery (1-3650 days)',
  },
  PRUNE_EVERY_MINUTES: {
    schema: int(0, 1_440).default(60),
    fix: 'set PRUNE_EVERY_MINUTES to how often workers delete expired idempotency keys and CRM event ids (1-1440 minutes, 0 never)',
  },
} as const;

type Vars = typeof variables;
type Parsed = { [K in keyof Vars]: z.output<Vars[K]['schema']> };

export type Config = {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  serverId: string;
  database: {
    url: string | undefined;
    poolMax: number;
    /** Longest a request's statement or transaction waits for a pool connection (src/db/pool-gate.ts). */
    poolWaitMs: number;
    statementTimeoutMs: number;
    /** random_page_cost of every session this process opens. */
    randomPageCost: number;
  };
  embeddedPostgres: { dir: string; port: number };
  redis: { url: string | undefined; prefix: string; timeoutMs: number };
  /** Default lifetime of a cached query answer; 0 = cache off. Per-type and per-field lifetimes: src/cache/policy.ts. */
  responseCache: { ttlMs: number };
  /** Reads whose every field maps to SQL run as one statement that builds the answer (src/compiled/). */
  compiledReads: boolean;
  auth: { jwtSecret: string; jwtSecretGenerated: boolean; jwtTtlSeconds: number; credentialCacheMs: number };
  http: {
    maxBodyBytes: number;
    maxUploadBytes: number;
    requestTimeoutMs: number;
    diagnosticHeaders: boolean;
    /** Browser origins allowed by CORS (exact match); none by default. */
    corsOrigins: string[];
  };
  limits: {
    /** Both windows must hold (sliding windows): `points` per `windowSeconds` and `burstPoints` per `burstWindowSeconds`. */
    rate: { points: number; windowSeconds: number; burstPoints: number; burstWindowSeconds: number };
    /** Seconds for an empty query-cost bucket to refill; 0 = no per-minute cost budget. */
    costRefillSeconds: number;
    clientIpHeader: string | undefined;
    /** Failures before a caller is refused for the rest of the window (src/limits/failure-limit.ts). */
    failures: {
      signInPerEmail: number;
      signInWindowSeconds: number;
      webhookSignatures: number;
      webhookWindowSeconds: number;
    };
    /** Who may introspect and see "Did you mean" suggestions: internal keys only, or everyone but partner keys. */
    introspection: 'internal' | 'open';
  };
  logLevel: Parsed['LOG_LEVEL'];
  /** OpenTelemetry spans over OTLP/HTTP; off (and nothing traced) without an endpoint. src/observability/tracing.ts. */
  tracing: { endpoint: string | undefined; headers: Record<string, string>; serviceName: string };
  seedDemo: boolean;
  /** `npm start` also runs one worker process beside the API (zero-setup development). */
  startWorker: boolean;
  packhouse: { intakeRefreshSeconds: number };
  provider: {
    default: 'builtin' | 'http';
    url: string | undefined;
    apiKey: string | undefined;
    rateLimit: number;
    burst: number;
    latencyMs: number;
    timeoutMs: number;
    /** A late call is sent once more, with the same Idempotency-Key, when nothing else waits to go out. */
    hedge: boolean;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  jobs: {
    chunkSize: number | undefined;
    dedupeSeconds: number;
    importMaxBytes: number;
    /** An import upload sending nothing this long, or lasting longer than the deadline, is refused. */
    importIdleMs: number;
    importDeadlineMs: number;
    workerConcurrency: number;
    /** Worker processes run at this niceness: background work yields the CPU to API requests. */
    workerNice: number;
    heartbeatSeconds: number;
    superviseSeconds: number;
  };
  courses: {
    generator: 'builtin' | 'http';
    generatorUrl: string | undefined;
    generatorApiKey: string | undefined;
    generatorRateLimit: number;
    generatorTimeoutMs: number;
    generatorMaxAttempts: number;
    /** Generations running at once across every worker process (enforced in the database). */
    maxRunning: number;
    generationTimeoutMs: number;
  };
  crm: {
    connector: 'builtin' | 'http';
    url: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    concurrency: number;
    pollMs: number;
    /** A claimed push is another worker's to take after this long (a crashed worker's claim lapses). */
    leaseMs: number;
  };
  workflows: { organizationConcurrency: number };
  /** How long bookkeeping rows are kept, and how often workers prune them (src/modules/leads/retention.ts). */
  retention: { idempotencyKeyHours: number; crmEventDays: number; pruneEveryMinutes: number };
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable and its fix. */
export function loadConfig(env: Record<string, string | undefined>, randomSecret?: () => string): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, { schema, fix }] of Object.entries(variables)) {
    const raw = env[name] === '' ? undefined : env[name];
    const result = (schema as z.ZodType).safeParse(raw);
    if (result.success) values[name] = result.data;
    else problems.push(`${name}=${JSON.stringify(raw)} ${result.error.issues[0]?.message ?? 'is invalid'}: ${fix}`);
  }
  const v = values as Parsed;
  if (!problems.length && v.NODE_ENV === 'production') {
    if (!v.JWT_SECRET) problems.push(`JWT_SECRET is required in production: ${variables.JWT_SECRET.fix}`);
    if (!v.DATABASE_URL) problems.push(`DATABASE_URL is required in production: ${variables.DATABASE_URL.fix}`);
  }
  if (!problems.length && v.RECOMMENDATION_PROVIDER === 'http' && !v.PROVIDER_URL) {
    problems.push(`PROVIDER_URL is required when RECOMMENDATION_PROVIDER=http: ${variables.PROVIDER_URL.fix}`);
  }
  if (!problems.length && v.COURSE_GENERATOR === 'http' && !v.COURSE_GENERATOR_URL) {
    problems.push(`COURSE_GENERATOR_URL is required when COURSE_GENERATOR=http: ${variables.COURSE_GENERATOR_URL.fix}`);
  }
  if (!problems.length && v.RATE_LIMIT_BURST_WINDOW_SECONDS >= v.RATE_LIMIT_WINDOW_SECONDS) {
    problems.push(
      `RATE_LIMIT_BURST_WINDOW_SECONDS=${v.RATE_LIMIT_BURST_WINDOW_SECONDS} must be shorter than RATE_LIMIT_WINDOW_SECONDS=${v.RATE_LIMIT_WINDOW_SECONDS}: ${variables.RATE_LIMIT_BURST_WINDOW_SECONDS.fix}`,
    );
  }
  if (!problems.length && v.CRM_CONNECTOR === 'http' && !v.CRM_URL) {
    problems.push(`CRM_URL is required when CRM_CONNECTOR=http: ${variables.CRM_URL.fix}`);
  }
  if (problems.length) throw new ConfigError(problems);

  const jwtSecret = v.JWT_SECRET ?? (randomSecret ?? defaultRandomSecret)();
  return {
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    serverId: v.SERVER_ID ?? env.FLY_MACHINE_ID ?? hostname(),
    database: {
      url: v.DATABASE_URL,
      poolMax: v.DATABASE_POOL_MAX,
      poolWaitMs: v.DATABASE_POOL_WAIT_MS,
      statementTimeoutMs: v.STATEMENT_TIMEOUT_MS,
      randomPageCost: v.DATABASE_RANDOM_PAGE_COST,
    },
    embeddedPostgres: { dir: v.EMBEDDED_PG_DIR, port: v.EMBEDDED_PG_PORT },
    redis: { url: v.REDIS_URL, prefix: v.REDIS_PREFIX, timeoutMs: v.REDIS_TIMEOUT_MS },
    responseCache: { ttlMs: v.RESPONSE_CACHE_TTL_SECONDS * 1000 },
    compiledReads: v.COMPILED_READS === 'on',
    auth: {
      jwtSecret,
      jwtSecretGenerated: !v.JWT_SECRET,
      jwtTtlSeconds: v.JWT_TTL_SECONDS,
      credentialCacheMs: v.CREDENTIAL_CACHE_SECONDS * 1000,
    },
    http: {
      maxBodyBytes: v.MAX_BODY_BYTES,
      maxUploadBytes: v.MAX_UPLOAD_BYTES,
      requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
      diagnosticHeaders: v.DIAGNOSTIC_HEADERS ?? v.NODE_ENV !== 'production',
      corsOrigins: v.CORS_ORIGINS,
    },
    limits: {
      rate: {
        points: v.RATE_LIMIT_POINTS,
        windowSeconds: v.RATE_LIMIT_WINDOW_SECONDS,
        burstPoints: v.RATE_LIMIT_BURST_POINTS,
        burstWindowSeconds: v.RATE_LIMIT_BURST_WINDOW_SECONDS,
      },
      costRefillSeconds: v.COST_BUCKET_REFILL_SECONDS,
      clientIpHeader: v.CLIENT_IP_HEADER,
      failures: {
        signInPerEmail: v.SIGN_IN_FAILURES_PER_EMAIL,
        signInWindowSeconds: 15 * 60,
        webhookSignatures: v.WEBHOOK_SIGNATURE_FAILURES,
        webhookWindowSeconds: 60,
      },
      // GraphiQL on a laptop needs the schema; deployed instances show it to internal keys only.
      introspection: v.SCHEMA_INTROSPECTION ?? (v.NODE_ENV === 'development' ? 'open' : 'internal'),
    },
    logLevel: v.LOG_LEVEL,
    tracing: {
      endpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, ''),
      headers: parseHeaderList(v.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: v.OTEL_SERVICE_NAME,
    },
    seedDemo: v.SEED_DEMO ?? !v.DATABASE_URL,
    startWorker: v.START_WORKER ?? !v.DATABASE_URL,
    packhouse: { intakeRefreshSeconds: v.INTAKE_REFRESH_SECONDS },
    provider: {
      default: v.RECOMMENDATION_PROVIDER,
      url: v.PROVIDER_URL,
      apiKey: v.PROVIDER_API_KEY,
      rateLimit: v.PROVIDER_RATE_LIMIT,
      burst: v.PROVIDER_BURST,
      latencyMs: v.PROVIDER_LATENCY_MS,
      timeoutMs: v.PROVIDER_TIMEOUT_MS,
      hedge: v.PROVIDER_HEDGE,
      maxAttempts: v.PROVIDER_MAX_ATTEMPTS,
      retryBaseMs: v.PROVIDER_RETRY_BASE_MS,
      retryMaxMs: v.PROVIDER_RETRY_MAX_MS,
    },
    jobs: {
      chunkSize: v.JOB_CHUNK_SIZE,
      dedupeSeconds: v.JOB_DEDUPE_SECONDS,
      importMaxBytes: v.IMPORT_MAX_BYTES,
      importIdleMs: v.IMPORT_IDLE_SECONDS * 1000,
      importDeadlineMs: v.IMPORT_DEADLINE_SECONDS * 1000,
      workerConcurrency: v.WORKER_CONCURRENCY,
      workerNice: v.WORKER_NICE,
      heartbeatSeconds: v.WORKER_HEARTBEAT_SECONDS,
      superviseSeconds: v.WORKER_SUPERVISE_SECONDS,
    },
    courses: {
      generator: v.COURSE_GENERATOR,
      generatorUrl: v.COURSE_GENERATOR_URL,
      generatorApiKey: v.COURSE_GENERATOR_API_KEY,
      generatorRateLimit: v.COURSE_GENERATOR_RATE_LIMIT,
      generatorTimeoutMs: v.COURSE_GENERATOR_TIMEOUT_MS,
      generatorMaxAttempts: v.COURSE_GENERATOR_MAX_ATTEMPTS,
      maxRunning: v.COURSE_GENERATION_MAX_RUNNING,
      generationTimeoutMs: v.COURSE_GENERATION_TIMEOUT_SECONDS * 1000,
    },
    crm: {
      connector: v.CRM_CONNECTOR,
      url: v.CRM_URL,
      apiKey: v.CRM_API_KEY,
      timeoutMs: v.CRM_TIMEOUT_MS,
      maxAttempts: v.CRM_MAX_ATTEMPTS,
      retryBaseMs: v.CRM_RETRY_BASE_MS,
      retryMaxMs: v.CRM_RETRY_MAX_MS,
      concurrency: v.CRM_CONCURRENCY,
      pollMs: v.CRM_POLL_MS,
      leaseMs: v.CRM_TIMEOUT_MS * 2 + 2_000,
    },
    workflows: { organizationConcurrency: v.WORKFLOW_ORG_CONCURRENCY },
    retention: {
      idempotencyKeyHours: v.IDEMPOTENCY_KEY_HOURS,
      crmEventDays: v.CRM_EVENT_RETENTION_DAYS,
      pruneEveryMinutes: v.PRUNE_EVERY_MINUTES,
    },
  };
}

/** OTEL_EXPORTER_OTLP_HEADERS as the OpenTelemetry spec writes it: `k=v,k2=v2`, values URL-encoded. */
function parseHeaderList(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text?.split(',') ?? []) {
    const at = pair.indexOf('=');
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

function defaultRandomSecret(): string {
  return crypto.getRandomValues(new Uint8Array(48)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');
}

/** For entry points (API, worker, CLIs): a bad configuration prints every problem and exits 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
