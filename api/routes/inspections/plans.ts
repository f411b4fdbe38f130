// Random-inspection plans and their draws (双随机, issue #27), one plugin per behaviour: the draft
// its lead department writes (plan-drafts.ts), the commit that fixes its content and seed and
// starts the draw workflow (plan-commit.ts), and what the draw left to read and re-run
// (draws.ts): anyone who reads the plan can fetch the snapshot and have the draw re-run (verify).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import planCommitRoutes from './plan-commit.js';
import planDraftRoutes from './plan-drafts.js';
import drawRoutes from './draws.js';

const planRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(planDraftRoutes);
  await app.register(planCommitRoutes);
  await app.register(drawRoutes);
};

export default planRoutes;
