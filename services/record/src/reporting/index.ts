/** Figures for councils: the SEND dashboard and the SEN2 statutory return (docs/dashboard-and-sen2.md). */
export { dashboardResolvers } from './dashboard-resolvers.ts';
export {
  buildSen2Return,
  NOT_HELD,
  NOT_VERIFIED,
  SEN2_LAYOUT,
  SEN2_RULES,
  type Sen2Issue,
  type Sen2Return,
  sen2Councils,
  sen2ReferenceDate,
  sen2Xml,
  validateSen2,
} from './sen2.ts';
