// Every table, for drizzle's schema-aware client and for drizzle-kit.
export * from './identity.ts';
export * from './packhouse.ts';
export * from './packhouse-operations.ts';
export * from './recommendations.ts';
export * from './persisted.ts';
export * from './courses.ts';
export * from './observability.ts';
export * from './leads.ts';
export * from './workflows.ts';
