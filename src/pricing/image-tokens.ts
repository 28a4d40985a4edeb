/**
 * At most how many prompt tokens one image costs on a model: the worst-case reservation counts this
 * for every image part, whose size the request's bytes do not tell (an image URL is a few bytes).
 * The bounds are each provider's published image token formulas at their largest image:
 * - OpenAI tile models: `base + tiles * per tile`, high detail, the image fitted into 2048x2048 and its
 *   short side to 768, so at most 2 x 4 tiles of 512 px: gpt-4o 85 + 8 * 170 = 1,445; o1/o3
 *   75 + 8 * 150 = 1,275; gpt-5 70 + 8 * 140 = 1,190; but gpt-4o-mini 2,833 + 8 * 5,667 = 48,169.
 * - OpenAI patch models: at most 1,536 patches of 32 px times the model's multiplier: gpt-4.1-mini
 *   1.62 (2,489), o4-mini 1.72 (2,642), gpt-4.1-nano 2.46 (3,779).
 * - Anthropic: about width x height / 750 tokens, images above ~1.15 megapixels scaled down (~1,600).
 * - Gemini: 258 tokens an image tile.
 * Any other model gets DEFAULT_IMAGE_TOKENS; a model's `image_tokens` in the config overrides both.
 */
export const DEFAULT_IMAGE_TOKENS = 3_000;

const LARGER: readonly [RegExp, number][] = [
  [/gpt-4o-mini/i, 48_169],
  [/gpt-4\.1-nano|gpt-5-nano/i, 3_779],
];

/** The image bound of a model by its upstream name (the name the provider prices). */
export function imageTokenBound(upstreamModel: string): number {
  for (const [re, tokens] of LARGER) if (re.test(upstreamModel)) return tokens;
  return DEFAULT_IMAGE_TOKENS;
}
