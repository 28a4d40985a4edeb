/**
 * The escalation ladder. A detecting call is a strike; strikes count consecutive detecting calls and
 * clear after `cool_down_calls` clean calls. The first strike warns; `pause_after` / `terminate_after`
 * more strikes pause / terminate the run. With the defaults: warn, then terminate two calls later if
 * the detection holds.
 */
import type { GuardConfig } from './config.js';
import type { GuardAction } from './types.js';

export function actionFor(strikes: number, esc: GuardConfig['escalation']): GuardAction {
  if (strikes <= 0) return 'allow';
  const more = strikes - 1;
  if (esc.terminate_after !== null && more >= esc.terminate_after) return 'terminate';
  if (esc.pause_after !== null && more >= esc.pause_after) return 'pause';
  return esc.warn ? 'warn' : 'allow';
}
