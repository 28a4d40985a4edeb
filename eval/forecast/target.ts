/** The method Tollgate ships and the accuracy it must keep (checked by run-eval.ts and a unit test). */
import type { MethodChoice } from '../../src/analytics/forecast/select.js';

export const SHIPPED_METHOD: MethodChoice = 'auto';
/** MAPE (%) of the month-end projection at a 14-day horizon on the stationary series. */
export const TARGET_MAPE = 10;
