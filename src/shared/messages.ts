import { defineQuery } from '@temporalio/workflow';
import type { JobState } from './jobs';

/** The job's current state. Answered by the workflow from memory, without side effects. */
export const jobStatusQuery = defineQuery<JobState>('jobStatus');
