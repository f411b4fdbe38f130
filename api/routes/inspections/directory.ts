// The directories of 双随机, one plugin per behaviour: market entities (检查对象名录库) with their
// credit and risk grades (双评估, entities.ts), each department's roster of certified officers
// (执法检查人员名录库, inspectors.ts) and their conflicts of interest (回避, conflicts.ts). Both
// directories take a file in bulk (bulk.ts): the CSV parser is registered here, for all three.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { acceptCsv } from '../catalog/import.js';
import conflictRoutes from './conflicts.js';
import entityRoutes from './entities.js';
import inspectorRoutes from './inspectors.js';

const directoryRoutes: FastifyPluginAsyncZod = async (app) => {
  acceptCsv(app);
  await app.register(entityRoutes);
  await app.register(inspectorRoutes);
  await app.register(conflictRoutes);
};

export default directoryRoutes;
