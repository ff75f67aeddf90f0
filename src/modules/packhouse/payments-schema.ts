// Grower payments and fruit prices in GraphQL. Thin: see payments.ts and prices.ts.
import { z } from 'zod';
import { organizationOf, type Context } from '../../context.ts';
import { fruitPriceTable, growerPaymentTable } from '../../db/tables/index.ts';
import { LIST_PAGE, NESTED_PAGE } from '../../db/keyset.ts';
import { builder } from '../../schema/builder.ts';
import { tenantRows } from '../../schema/nodes.ts';
import { mutation } from '../../schema/mutations.ts';
import { listQuery, nestedConnection } from '../../schema/queries.ts';
import { enumValues, inputId, queryId } from '../../schema/common.ts';
import { actorOf } from './history.ts';
import { ActorRef } from './history-schema.ts';
import * as payments from './payments.ts';
import * as prices from './prices.ts';
import { FruitTypeEnum, GrowerRef } from './schema.ts';

const PaymentOrderEnum = builder.enumType('PaymentOrder', { values: enumValues(payments.PAYMENT_ORDERS) });

export const GrowerPaymentRef = builder.loadableNode('GrowerPayment', {
  ...tenantRows(growerPaymentTable, { compiled: false }),
  description: 'Money paid to a grower. Amounts are exact decimals in the currency\u2019s own minor units.',
  fields: (t) => ({
    grower: t.field({ type: GrowerRef, resolve: (p) => String(p.growerId) }),
    amount: t.expose('amount', { type: 'Decimal' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code, e.g. NZD.' }),
    paidOn: t.expose('paidOn', { type: 'Date' }),
    reference: t.exposeString('reference'),
    note: t.exposeString('note', { nullable: true }),
    recordedBy: t.field({ type: ActorRef, resolve: (p) => ({ kind: p.recordedByKind, id: p.recordedById }) }),
    recordedAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
const GrowerPaymentConnection = builder.connectionObject({ type: GrowerPaymentRef, name: 'GrowerPaymentConnection' });

const PaymentTotalRef = builder.objectRef<payments.PaymentTotal>('PaymentTotal').implement({
  description: 'Payments to one grower in one currency, summed exactly by the database.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    amount: t.expose('amount', { type: 'Decimal' }),
    payments: t.exposeInt('payments'),
  }),
});

export const FruitPriceRef = builder.loadableNode('FruitPrice', {
  ...tenantRows(fruitPriceTable, { compiled: false }),
  description:
    'Price per kg of net weight for a fruit type, from validFrom until the next price of the same fruit and currency.',
  fields: (t) => ({
    fruitType: t.expose('fruitType', { type: FruitTypeEnum }),
    currency: t.exposeString('currency'),
    validFrom: t.expose('validFrom', { type: 'Date' }),
    pricePerKg: t.expose('pricePerKg', { type: 'Decimal' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
const FruitPriceConnection = builder.connectionObject({ type: FruitPriceRef, name: 'FruitPriceConnection' });

const PaymentFilter = builder.inputType('PaymentFilter', {
  description: 'All given conditions must hold. Paid dates are inclusive.',
  fields: (t) => ({
    from: t.field({ type: 'Date' }),
    to: t.field({ type: 'Date' }),
    grower: t.id({ description: 'Only payments to this grower.' }),
    currency: t.string({ description: 'ISO 4217 code.' }),
  }),
});
const GrowerPaymentFilter = builder.inputType('GrowerPaymentFilter', {
  fields: (t) => ({ from: t.field({ type: 'Date' }), to: t.field({ type: 'Date' }), currency: t.string() }),
});

listQuery('payments', {
  type: GrowerPaymentConnection,
  description: `Payments to your growers, latest paid date first by default; ${LIST_PAGE.defaultSize} a page, at most ${LIST_PAGE.maxSize}.`,
  args: (arg) => ({
    filter: arg({ type: PaymentFilter }),
    orderBy: arg({ type: PaymentOrderEnum, defaultValue: 'PAID_ON_DESC' }),
  }),
  resolve: (args, ctx, org) => {
    const filter = {
      ...args.filter,
      growerId: args.filter?.grower ? queryId(String(args.filter.grower), 'Grower') : null,
    };
    return payments.listPayments(ctx.db, org, filter, args.orderBy ?? 'PAID_ON_DESC', args);
  },
});
listQuery('fruitPrices', {
  type: FruitPriceConnection,
  description: 'Prices per kg, latest valid-from first.',
  args: (arg) => ({ currency: arg.string(), fruitType: arg({ type: FruitTypeEnum }) }),
  resolve: (args, ctx, org) => prices.listFruitPrices(ctx.db, org, args, args),
});

builder.objectFields(GrowerRef, (t) => ({
  payments: t.loadable({
    type: GrowerPaymentConnection,
    description: `Payments to this grower, ${NESTED_PAGE.defaultSize} a page by default, at most ${NESTED_PAGE.maxSize}. Loaded for all growers of a list in one statement.`,
    ...nestedConnection(t.arg, NESTED_PAGE, {
      args: {
        filter: t.arg({ type: GrowerPaymentFilter }),
        orderBy: t.arg({ type: PaymentOrderEnum, defaultValue: 'PAID_ON_DESC' }),
      },
      load: (db, org, ids, args) =>
        payments.paymentsByGrower(db, org, ids, args.filter ?? {}, args.orderBy ?? 'PAID_ON_DESC', args),
    }),
  }),
  paymentTotals: t.loadableList({
    type: PaymentTotalRef,
    description:
      'What this grower was paid, per currency, in the paid-date range given (inclusive). One statement for all growers of a list.',
    byPath: true,
    args: { from: t.arg({ type: 'Date' }), to: t.arg({ type: 'Date' }) },
    load: (ids: number[], ctx: Context, args) => payments.paymentTotalsByGrower(ctx.db, organizationOf(ctx), ids, args),
    resolve: (g) => g.id,
  }),
}));

// ---- mutations -------------------------------------------------------------------------------

const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

const GrowerPaymentInput = builder.inputType('GrowerPaymentInput', {
  fields: (t) => ({
    grower: t.id({ required: true }),
    amount: t.field({
      type: 'Decimal',
      required: true,
      description: 'More than zero, with at most the currency\u2019s decimals, e.g. "1250.50".',
    }),
    currency: t.string({ required: true, description: 'ISO 4217 code, e.g. NZD.' }),
    paidOn: t.field({ type: 'Date', required: true }),
    reference: t.string({
      required: true,
      validate: text(100),
      description: 'Bank or remittance reference; unique in your organization.',
    }),
    note: t.string({ validate: text(500) }),
  }),
});

const FruitPriceInput = builder.inputType('FruitPriceInput', {
  fields: (t) => ({
    fruitType: t.field({ type: FruitTypeEnum, required: true }),
    currency: t.string({ required: true }),
    validFrom: t.field({ type: 'Date', required: true }),
    pricePerKg: t.field({ type: 'Decimal', required: true, description: 'At most 4 decimals, e.g. "2.3550".' }),
  }),
});

mutation('recordGrowerPayment', {
  type: GrowerPaymentRef,
  description:
    'Records a payment made to a grower. Bad amounts, currencies, dates or a reused reference are a ValidationError naming the field.',
  input: GrowerPaymentInput,
  resolve: ({ input }, ctx, org) => {
    const { grower, ...rest } = input;
    const payment = { ...rest, growerId: inputId(String(grower), 'Grower', 'input.grower') };
    return payments.recordGrowerPayment(ctx.db, org, payment, actorOf(ctx.principal));
  },
});
mutation('setFruitPrice', {
  type: FruitPriceRef,
  scope: 'admin',
  description:
    'Sets the price per kg of a fruit type from a date on (replacing a price set for that same date). Admin only: it changes what growers are owed.',
  input: FruitPriceInput,
  resolve: ({ input }, ctx, org) => prices.setFruitPrice(ctx.db, org, input),
});
