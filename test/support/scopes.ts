import { Scope } from '../../src/domain/tenants/scope';

/** Tests read and check every tenant's rows: platform scope, named as such. */
export const ALL = Scope.platform('test inspection');

export { Scope };
