// Domain 1: growers deliver batches of fruit to packhouses. Every row carries its organization_id,
// and child rows reference their parents through (organization_id, id), so a batch can never point
// at another tenant's grower or packhouse, whatever the application code does.
import { sql } from 'drizzle-orm';
import { check, date, index, integer, numeric, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantTable, timestamps } from './columns.ts';
import { notBlank, oneOf, tenantKey, tenantRef } from './constraints.ts';

export const growerTable = tenantTable(
  'growers',
  {
    code: text('code').notNull(),
    name: text('name').notNull(),
    region: text('region'),
    contactEmail: text('contact_email'),
    ...timestamps(),
  },
  (t) => [
    tenantKey(t),
    uniqueIndex('growers_organization_code_key').on(t.organizationId, t.code),
    index('growers_organization_name_idx').on(t.organizationId, t.name, t.id),
    notBlank(t.code),
    notBlank(t.name),
  ],
);

export const packhouseTable = tenantTable(
  'packhouses',
  {
    name: text('name').notNull(),
    location: text('location'),
    ...timestamps(),
  },
  (t) => [
    tenantKey(t),
    uniqueIndex('packhouses_organization_name_key').on(t.organizationId, t.name),
    index('packhouses_organization_name_idx').on(t.organizationId, t.name, t.id),
    notBlank(t.name),
  ],
);

export const FRUIT_TYPES = [
  'apple',
  'pear',
  'citrus',
  'stone_fruit',
  'kiwifruit',
  'avocado',
  'grape',
  'berry',
] as const;
export type FruitType = (typeof FRUIT_TYPES)[number];

export const BATCH_STATUSES = ['received', 'graded', 'packed', 'dispatched', 'rejected'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const batchTable = tenantTable(
  'batches',
  {
    code: text('code').notNull(),
    growerId: integer('grower_id').notNull(),
    packhouseId: integer('packhouse_id').notNull(),
    fruitType: text('fruit_type', { enum: FRUIT_TYPES }).notNull(),
    harvestDate: date('harvest_date', { mode: 'string' }).notNull(),
    intakeDate: date('intake_date', { mode: 'string' }).notNull(),
    status: text('status', { enum: BATCH_STATUSES }).notNull().default('received'),
    grossWeightKg: numeric('gross_weight_kg', { precision: 12, scale: 3 }).notNull(),
    netWeightKg: numeric('net_weight_kg', { precision: 12, scale: 3 }),
    ...timestamps(),
  },
  (t) => [
    tenantRef('batches_grower_fk', t, t.growerId, growerTable),
    tenantRef('batches_packhouse_fk', t, t.packhouseId, packhouseTable),
    // Lets tenant-owned children (batch_events) reference (organization_id, id), as batches do growers.
    tenantKey(t),
    uniqueIndex('batches_organization_code_key').on(t.organizationId, t.code),
    // Keyset orderings: (organization_id, sort column, id) serves both directions.
    index('batches_organization_intake_idx').on(t.organizationId, t.intakeDate, t.id),
    index('batches_grower_intake_idx').on(t.organizationId, t.growerId, t.intakeDate, t.id),
    index('batches_packhouse_intake_idx').on(t.organizationId, t.packhouseId, t.intakeDate, t.id),
    index('batches_status_intake_idx').on(t.organizationId, t.status, t.intakeDate, t.id),
    index('batches_fruit_type_intake_idx').on(t.organizationId, t.fruitType, t.intakeDate, t.id),
    oneOf(t.fruitType, FRUIT_TYPES),
    oneOf(t.status, BATCH_STATUSES),
    check('batches_gross_weight_positive', sql`${t.grossWeightKg} > 0`),
    check(
      'batches_net_weight_range',
      sql`${t.netWeightKg} is null or (${t.netWeightKg} >= 0 and ${t.netWeightKg} <= ${t.grossWeightKg})`,
    ),
    check('batches_intake_after_harvest', sql`${t.intakeDate} >= ${t.harvestDate}`),
    notBlank(t.code),
  ],
);
