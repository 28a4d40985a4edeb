/** Stage 4 — route: the configured model that serves the requested one, if this key may use it. */
import { GatewayError } from '../errors.js';
import type { ApiShape } from '../providers/types.js';
import type { KeyRecord } from '../storage/types.js';
import type { RouteTarget } from './context.js';
import type { GatewayDeps } from './deps.js';

export function mayUse(key: KeyRecord, model: string): boolean {
  return key.models === null || key.models.includes(model);
}

export function route(deps: GatewayDeps, key: KeyRecord, api: ApiShape, requested: string): RouteTarget {
  const model = deps.models.get(requested);
  if (!model) {
    throw new GatewayError('unknown_model', `The model "${requested}" is not configured on this gateway.`, {
      details: { param: 'model' },
    });
  }
  if (!mayUse(key, requested)) {
    throw new GatewayError('model_not_allowed', `This key may not use the model "${requested}".`, {
      details: { param: 'model' },
    });
  }
  if (model.provider.adapter.kind !== api) {
    throw new GatewayError(
      'unsupported_format',
      `The model "${requested}" is served by a ${model.provider.adapter.kind}-format provider; call it with that API shape.`,
      { details: { param: 'model' } },
    );
  }
  if (!model.rates && !deps.config.pricing.allow_unpriced) {
    throw new GatewayError(
      'unpriced_model',
      `The model "${requested}" has no price: add price: under models.${requested} or set pricing.allow_unpriced.`,
    );
  }
  return {
    requested,
    model: model.name,
    upstreamModel: model.upstreamModel,
    provider: model.provider,
    rates: model.rates,
  };
}
