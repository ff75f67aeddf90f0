// Live progress for the SSE subscription: reads the job row every 500 ms and yields it when its
// counts or status changed, until the job completes or is cancelled. A poll of one indexed row is
// cheaper than fanning notifications out, and the row is written at most a few times a second.
import { badUserInput } from '../../../lib/errors.ts';
import type { Db } from '../../../resources.ts';
import { sleep } from '../provider/token-bucket.ts';
import { getJob, type Job } from './service.ts';

export async function* watchJob(db: Db, organizationId: number, id: number, intervalMs = 500): AsyncGenerator<Job> {
  let last = '';
  for (;;) {
    const job = await getJob(db, organizationId, id);
    if (!job) throw badUserInput(`No recommendation job with this id exists in your organization.`);
    const key = `${job.status}:${job.doneCount}:${job.failedCount}:${job.updatedAt}`;
    if (key !== last) {
      last = key;
      yield job;
    }
    if (job.status === 'completed' || job.status === 'cancelled') return;
    await sleep(intervalMs);
  }
}
