// The fault sweep for `evsrc add` of every registered trigger type: each AWS call position of a clean run,
// faulted in every mode (throttle, 500, dropped connection, lost answer), once and three times, with the
// AWS-like conflict on repeated creates. The end state is as the clean run leaves it (exit 0) or exactly
// as before (exit 1): no orphan permission, foreign entries kept.
import { defineSweep } from '../helpers/sweep.js';

defineSweep('add');
