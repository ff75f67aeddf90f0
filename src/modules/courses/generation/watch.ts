// Live progress for the SSE subscription: reads the generation row every 500 ms and yields it when
// its status, checkpoint or queue position changed, until it has completed or failed (as
// recommendations/jobs/watch.ts does for jobs: one indexed row a poll).
import { badUserInput } from '../../../lib/errors.ts';
import type { Db } from '../../../resources.ts';
import { sleep } from '../../recommendations/provider/token-bucket.ts';
import type { Generation } from '../../../db/tables/index.ts';
import { getGeneration, queuePositions } from './service.ts';

export async function* watchGeneration(
  db: Db,
  organizationId: number,
  id: number,
  intervalMs = 500,
): AsyncGenerator<Generation> {
  let last = '';
  for (;;) {
    const generation = await getGeneration(db, organizationId, id);
    if (!generation) throw badUserInput('No course generation with this id exists in your organization.');
    const [position] = generation.status === 'queued' ? await queuePositions(db, [id]) : [null];
    const key = `${generation.status}:${generation.completedModules}:${position}`;
    if (key !== last) {
      last = key;
      yield generation;
    }
    if (generation.status === 'completed' || generation.status === 'failed') return;
    await sleep(intervalMs);
  }
}
