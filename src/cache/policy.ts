// What the response cache may keep, for how long, and for whom. Edit here when a module adds a field
// whose answer depends on who asks (add it to `private`) or that must stay fresher than the default
// RESPONSE_CACHE_TTL_SECONDS (add it to `ttlMs`).

export const cachePolicy = {
  /**
   * Lifetimes in milliseconds by type ("Batch") or field ("Query.batches"). An answer lives as long as
   * the shortest lifetime among the fields it selects and the types it contains; 0 = never cached.
   */
  ttlMs: {
    // Introspection is cheap to compute and must follow deploys at once.
    'Query.__schema': 0,
    'Query.__type': 0,
    // Key lists are for admins managing credentials: keep them close to the truth.
    ApiKey: 10_000,
    // Tier and scopes change with a key's or user's role; short so a change shows quickly even without a write.
    Viewer: 30_000,
    // Job progress and results are written by workers, outside GraphQL, several times a second; imports
    // create jobs through /jobs/import. The cache cannot see those writes: never keep these answers.
    RecommendationJob: 0,
    'Query.recommendationJob': 0,
    'Query.recommendationJobs': 0,
    // Course generations are written by workers; their content writes bump the course types through
    // invalidateTypes (courses/generation/tasks.ts), but progress and queue position move on their own.
    CourseGeneration: 0,
    'Query.courseGeneration': 0,
    'Query.courseGenerations': 0,
    // CRM sync state and workflow runs are written by workers, outside GraphQL, as they progress.
    // Lead fields a workflow step changes are invalidated by the worker (src/modules/workflows/tasks.ts).
    CrmSync: 0,
    WorkflowRun: 0,
    WorkflowStepResult: 0,
    WorkflowCurrentStep: 0,
  } as Record<string, number>,

  /**
   * Fields ("Type.field") or types whose answer depends on the caller's identity, not only on their
   * organization and permissions. An operation that selects one is cached per user or API key; every
   * other answer is shared by callers of the same organization, client tier and scopes.
   * Reading the caller's identity in a resolver without listing the field here is caught at run time:
   * the answer is not cached and a warning names the operation (src/http/use-response-cache.ts).
   */
  private: new Set<string>(['Query.viewer', 'Viewer']),
};
