// The schema: each module's schema file, then toSchema(). Adding a domain adds one import line here.
import { builder } from './builder.ts';
import { withActualCost } from './cost.ts';
import '../modules/identity/schema.ts';
import '../modules/packhouse/schema.ts';
import '../modules/packhouse/history-schema.ts';
import '../modules/packhouse/payments-schema.ts';
import '../modules/packhouse/reports-schema.ts';
import '../modules/recommendations/jobs/schema.ts';
import '../modules/recommendations/files/schema.ts';
import '../modules/persisted/schema.ts';
import '../modules/courses/schema.ts';
import '../modules/courses/generation/schema.ts';
import '../modules/courses/export/schema.ts';
import '../modules/courses/quality/schema.ts';
import '../modules/leads/schema.ts';
import '../modules/workflows/schema.ts';

export const schema = withActualCost(builder.toSchema({ sortSchema: false }));
