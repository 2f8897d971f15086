// The folder a training filed its model under: a name the caller gives (a path in VIPER's clients),
// kept in the model's registry record — no files are written. A prediction that names a folder must
// name the model's, so a notebook pointed at the wrong model set fails instead of predicting with
// whichever model the topic holds last.
import { StepInputError } from '../../errors.js';

const MAX_FOLDER_CHARS = 1000;

/** `./models/` and `models` are the same folder: no leading `./`, no trailing `/`. */
export function normalizeFolder(text: string, field: string): string {
  const trimmed = text.trim();
  if (trimmed.length > MAX_FOLDER_CHARS) {
    throw new StepInputError(field, `is ${trimmed.length} characters, over ${MAX_FOLDER_CHARS}`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new StepInputError(field, 'must not contain control characters');
  }
  let folder = trimmed.replace(/\\/g, '/');
  while (folder.startsWith('./')) folder = folder.slice(2);
  while (folder.length > 1 && folder.endsWith('/')) folder = folder.slice(0, -1);
  return folder === '.' ? '' : folder;
}

/**
 * A prediction's `folder` against the model's: a model trained without one accepts any (there is
 * nothing to check it against); one trained with a folder must be asked for by that folder.
 */
export function checkModelFolder(modelFolder: string | undefined, asked: string, field: string): void {
  const wanted = normalizeFolder(asked, field);
  if (wanted === '' || modelFolder === undefined || modelFolder === '') return;
  if (wanted !== modelFolder) {
    throw new StepInputError(
      field,
      `names folder '${wanted.slice(0, 200)}', but the model was trained into '${modelFolder.slice(0, 200)}'`,
    );
  }
}
