// The types of workflow-steps.js for the TypeScript that imports it (src/test/leads.ts).
export declare const SCORE_AND_ROUTE: { key: string; kind: string; [option: string]: unknown }[];
