/**
 * The BullMQ priority of ordinary work on the shared queue: person events and a full sync's apply chunks.
 * Workers take every job without a priority (a leaver's `person.sync`, offboarding) before any prioritized
 * one (BullMQ's moveToActive empties the waiting list first), and prioritized jobs of one priority in the
 * order they were added. Ordinary events and apply chunks share this one value, so neither waits for the
 * whole of the other: they run in arrival order, and only removals of access go ahead. Lower numbers run
 * first; the value only has to be above 0.
 */
export const ORDINARY_JOB_PRIORITY = 10;
