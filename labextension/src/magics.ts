/**
 * Which language a cell's body is written in, read from its first line.
 *
 * The same table as `dockermagic.magics.build` and `dockermagic.magics.compose`: a cell magic
 * writes its body to a file, so the body is that file's language, never Python.
 */

/** What the body of a cell is: a language name for JupyterLab's language registry, or a file name. */
export interface IBody {
  /** The cell magic, e.g. `dockerfile`. */
  magic: string;
  /** A name to find with `IEditorLanguageRegistry.findByName` ... */
  language?: string;
  /** ... or a file name to find with `findByFileName` (`%%context_file NAME`). */
  fileName?: string;
}

/** The cell magics whose body is a file of a known language. */
export const CELL_MAGICS: { [magic: string]: (args: string[]) => IBody | null } = {
  dockerfile: () => ({ magic: 'dockerfile', language: 'dockerfile' }),
  compose: () => ({ magic: 'compose', language: 'yaml' }),
  context_file: args => {
    const path = contextFilePath(args);
    return path ? { magic: 'context_file', fileName: path } : null;
  }
};

const FIRST_LINE = /^%%([A-Za-z_]\w*)(?:[ \t]+(.*))?$/;

/** The body of a cell whose source starts with one of CELL_MAGICS, else null. */
export function cellBody(source: string): IBody | null {
  const end = source.indexOf('\n');
  const first = (end < 0 ? source : source.slice(0, end)).replace(/\r$/, '');
  const match = FIRST_LINE.exec(first);
  if (!match || !Object.prototype.hasOwnProperty.call(CELL_MAGICS, match[1])) {
    return null;
  }
  return CELL_MAGICS[match[1]](words(match[2] ?? ''));
}

/** `%%context_file [--mode MODE] PATH`: the PATH, the one word that is no option. */
function contextFilePath(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === '--mode') {
      i++; // its value
    } else if (!word.startsWith('-')) {
      return word;
    }
  }
  return null;
}

/** The line's words as a shell splits them (quotes removed), enough to find a file name. */
function words(line: string): string[] {
  const found: string[] = [];
  const word = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match: RegExpExecArray | null;
  while ((match = word.exec(line))) {
    found.push(match[1] ?? match[2] ?? match[3]);
  }
  return found;
}
