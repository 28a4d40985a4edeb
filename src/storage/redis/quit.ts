/** Close an ioredis connection: a clean QUIT when it is up, a plain disconnect otherwise. */
import type { Redis } from 'ioredis';

export async function quitRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
