// Entry point of a training worker thread (loaded by piscina from the compiled dist/ file).
import { runTask } from './run-task.js';

export default runTask;
