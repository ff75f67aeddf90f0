// GraphQL for the card catalog: cards with their reward rates (read), and admin mutations to edit it.
// Amounts are Decimal rupees and rates Decimal percents on the wire; paise and basis points inside.
import { z } from 'zod';
import { organizationOf, type Context } from '../../../context.ts';
import { cardTable } from '../../../db/tables/index.ts';
import { bpsFromPercent, paiseFromRupees, percentFromBps, rupeesFromPaise } from '../../../lib/money.ts';
import { builder, type InputFieldBuilder } from '../../../schema/builder.ts';
import { tenantRows } from '../../../schema/nodes.ts';
import { enumValues } from '../../../schema/common.ts';
import { mutation } from '../../../schema/mutations.ts';
import { listQuery } from '../../../schema/queries.ts';
import * as catalog from './service.ts';
import { SPEND_CATEGORIES } from './scoring.ts';

export const SpendCategoryEnum = builder.enumType('SpendCategory', { values: enumValues(SPEND_CATEGORIES) });

const CardRewardRateRef = builder.objectRef<catalog.CardRate>('CardRewardRate').implement({
  description: 'What a card gives back on one spend category.',
  fields: (t) => ({
    category: t.expose('category', { type: SpendCategoryEnum }),
    ratePercent: t.field({
      type: 'Decimal',
      description: 'Value returned, as a percent of spend, e.g. "5.00".',
      resolve: (r) => percentFromBps(r.rateBps),
    }),
    monthlyCap: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Most value earned in this category a month, in rupees.',
      resolve: (r) => (r.monthlyCapPaise === null ? null : rupeesFromPaise(r.monthlyCapPaise)),
    }),
  }),
});

export const CardRef = builder.loadableNode('Card', {
  ...tenantRows(cardTable, { compiled: false }),
  description: 'A credit card of your catalog, as the built-in scorer sees it.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    issuer: t.exposeString('issuer'),
    annualFee: t.field({ type: 'Decimal', resolve: (c) => rupeesFromPaise(c.annualFeePaise) }),
    joiningFee: t.field({ type: 'Decimal', resolve: (c) => rupeesFromPaise(c.joiningFeePaise) }),
    feeWaiverSpend: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Yearly spend from which the annual fee is waived.',
      resolve: (c) => (c.feeWaiverSpendPaise === null ? null : rupeesFromPaise(c.feeWaiverSpendPaise)),
    }),
    welcomeBenefit: t.field({
      type: 'Decimal',
      description: 'Value of the welcome benefits, counted in the first year.',
      resolve: (c) => rupeesFromPaise(c.welcomeBenefitPaise),
    }),
    baseRewardPercent: t.field({
      type: 'Decimal',
      description: 'Rate for categories without a rate of their own.',
      resolve: (c) => percentFromBps(c.baseRateBps),
    }),
    active: t.exposeBoolean('active'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    rewardRates: t.loadableList({
      type: CardRewardRateRef,
      complexity: { field: 1, multiplier: 1 },
      load: (ids: number[], ctx: Context) => catalog.ratesByCard(ctx.db, organizationOf(ctx), ids),
      resolve: (c) => c.id,
    }),
  }),
});

const CardConnection = builder.connectionObject({ type: CardRef, name: 'CardConnection' });

listQuery('cards', {
  type: CardConnection,
  description: 'Your card catalog, by code.',
  args: (arg) => ({ activeOnly: arg.boolean({ defaultValue: false }) }),
  resolve: (args, ctx, org) => catalog.listCards(ctx.db, org, args.activeOnly ?? false, args),
});

const rupees = z
  .string()
  .refine(
    (v) => paiseFromRupees(v) !== null,
    'must be an amount in rupees of zero or more with at most 2 decimals, e.g. "499.00"',
  );
const percent = z
  .string()
  .refine(
    (v) => bpsFromPercent(v) !== null,
    'must be a percent between 0 and 100 with at most 2 decimals, e.g. "1.50"',
  );
const code = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{1,63}$/, 'must be 2-64 capital letters, digits or dashes, e.g. "HDFC-MILLENNIA"');
const text = z.string().trim().min(1, 'must not be blank').max(200, 'must be at most 200 characters');

const CardRewardRateInput = builder.inputType('CardRewardRateInput', {
  fields: (t) => ({
    category: t.field({ type: SpendCategoryEnum, required: true }),
    ratePercent: t.field({ type: 'Decimal', required: true, validate: percent }),
    monthlyCap: t.field({ type: 'Decimal', validate: rupees }),
  }),
});

const cardFields = (required: boolean) => (t: InputFieldBuilder) => ({
  code: t.string({ required, validate: code }),
  name: t.string({ required, validate: text }),
  issuer: t.string({ required, validate: text }),
  annualFee: t.field({ type: 'Decimal', required, validate: rupees }),
  joiningFee: t.field({ type: 'Decimal', required, validate: rupees }),
  feeWaiverSpend: t.field({ type: 'Decimal', validate: rupees }),
  welcomeBenefit: t.field({ type: 'Decimal', validate: rupees }),
  baseRewardPercent: t.field({ type: 'Decimal', required, validate: percent }),
  active: t.boolean(),
  rewardRates: t.field({
    type: [CardRewardRateInput],
    description: 'Rates per category; on update, replaces all of them.',
  }),
});

const CardInput = builder.inputType('CardInput', { fields: cardFields(true) });
const CardPatch = builder.inputType('CardPatch', {
  description: 'Only the fields given are changed.',
  fields: cardFields(false),
});

type CardArgs = { [K in keyof ReturnType<ReturnType<typeof cardFields>>]?: unknown };

function toCardInput(input: CardArgs): Partial<catalog.CardInput> {
  const out: Partial<catalog.CardInput> = {};
  const money = (v: unknown) => paiseFromRupees(String(v))!;
  if (input.code != null) out.code = String(input.code);
  if (input.name != null) out.name = String(input.name).trim();
  if (input.issuer != null) out.issuer = String(input.issuer).trim();
  if (input.annualFee != null) out.annualFeePaise = money(input.annualFee);
  if (input.joiningFee != null) out.joiningFeePaise = money(input.joiningFee);
  if (input.feeWaiverSpend !== undefined)
    out.feeWaiverSpendPaise = input.feeWaiverSpend === null ? null : money(input.feeWaiverSpend);
  if (input.welcomeBenefit != null) out.welcomeBenefitPaise = money(input.welcomeBenefit);
  if (input.baseRewardPercent != null) out.baseRateBps = bpsFromPercent(String(input.baseRewardPercent))!;
  if (input.active != null) out.active = Boolean(input.active);
  if (input.rewardRates != null) {
    out.rates = (
      input.rewardRates as {
        category: catalog.CardInput['rates'][number]['category'];
        ratePercent: string;
        monthlyCap?: string | null;
      }[]
    ).map((r) => ({
      category: r.category,
      rateBps: bpsFromPercent(r.ratePercent)!,
      monthlyCapPaise: r.monthlyCap == null ? null : money(r.monthlyCap),
    }));
  }
  return out;
}

mutation('createCard', {
  type: CardRef,
  scope: 'admin',
  description: 'Adds a card to your catalog (admins only). New jobs score with it at once.',
  input: CardInput,
  resolve: ({ input }, ctx, org) =>
    catalog.createCard(ctx.db, org, {
      ...{ feeWaiverSpendPaise: null, welcomeBenefitPaise: 0, active: true, rates: [] },
      ...toCardInput(input),
    } as catalog.CardInput),
});
mutation('updateCard', {
  type: CardRef,
  scope: 'admin',
  description: 'Changes a card of your catalog (admins only); deactivate it with active: false.',
  ids: { id: 'Card' },
  input: CardPatch,
  resolve: ({ id, input }, ctx, org) => catalog.updateCard(ctx.db, org, id, toCardInput(input)),
});
