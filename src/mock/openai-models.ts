/** `GET /v1/models`: a fixed OpenAI-shaped list, built once. */

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini', 'text-embedding-3-small'];
const CREATED = 1_700_000_000;

export const MODELS_BODY: string = JSON.stringify({
  object: 'list',
  data: MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'tollgate-mock' })),
});
