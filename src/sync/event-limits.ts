/**
 * Sizes of what a change event hands to a single-person sync. The webhook route and the `person.sync` job
 * schema both read these, so an event the route accepts is always a job the worker takes: a key or version
 * the job would refuse never gets a 202 and then fails in the queue.
 */

/** Longest person key (employee id) an event may name. */
export const MAX_PERSON_KEY_LENGTH = 512;

/** Longest record version an event may announce; a longer one is left out (the record's own version decides). */
export const MAX_EVENT_VERSION_LENGTH = 128;
